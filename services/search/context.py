"""What the search service's routers need, built once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from catalogue_sync.availability.service import Availability
from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import NetworkConfig, Settings
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.store import Store


@dataclass(slots=True)
class SearchContext:
    """The network file and the store; the index and the cache join them as they land."""

    network: NetworkConfig
    store: Store
    searcher: Searcher | None = None
    """The index of [index] path; None where a service runs without one (searches then
    answer that there is no index)."""
    cache: ResponseCache = field(default_factory=ResponseCache.off)
    """Search answers in Redis ([cache] in network.toml); off: none, the searches are
    computed every time."""
    availability: Availability | None = None
    """Live item status for record pages (made on first use when None)."""

    @classmethod
    def open(cls, network: NetworkConfig, settings: Settings) -> SearchContext:
        store = Store(network.database_url(settings))
        store.create_schema()
        return cls(network=network, store=store, searcher=Searcher.of(network),
                   cache=ResponseCache.of(network, settings))

    def close(self) -> None:
        self.store.close()
        self.cache.close()


def context_of(request: Request) -> SearchContext:
    """The app's context, for routers (``Depends(context_of)``)."""
    context: SearchContext = request.app.state.context
    return context
