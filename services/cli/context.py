"""What every command needs: the network file, the store, and one way to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from catalogue_sync.config import NetworkConfig, get_settings, load_network
from catalogue_sync.store import Store
from connectors import registry


@dataclass(slots=True)
class Context:
    """Global options, shared by the commands through typer's context object."""

    config: Path

    def network(self) -> NetworkConfig:
        """The network file, with every connector's options checked too."""
        network = load_network(self.config)
        registry.validate(network)
        return network

    @contextmanager
    def store(self, network: NetworkConfig) -> Iterator[Store]:
        store = Store(network.database_url(get_settings()))
        try:
            store.create_schema()
            yield store
        finally:
            store.close()
