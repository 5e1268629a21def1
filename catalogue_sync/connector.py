"""The interface every source connector implements.

A connector is created from its library's configuration with an injected
``httpx.AsyncClient`` and yields pages of raw records; the pipeline parses, normalizes,
stores and checkpoints them. Connectors live in the ``connectors`` package (built-in) or in
any installed package that registers one under the ``catalogue_sync.connectors`` entry point.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar, Protocol

import httpx

from catalogue_sync.config import LibraryConfig
from catalogue_sync.models import HarvestRequest, Page, SourceInfo


class Connector(Protocol):
    """A source of one library's bibliographic records."""

    snapshot: ClassVar[bool]
    """True when a full harvest returns the whole catalogue (a dump): records it does not
    contain are then marked deleted. False for protocols that report deletions themselves.
    A snapshot connector may also offer ``max_shrink`` (a float, default 0.2): the largest
    share of the library's records one dump may delete before the pipeline refuses it."""

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None: ...

    async def check(self) -> SourceInfo:
        """Ask the source what it offers, with one sample record."""
        ...

    def harvest(self, request: HarvestRequest) -> AsyncIterator[Page]:
        """Yield pages of records changed since ``request.since`` (all when None or full)."""
        ...
