"""Helpers of the availability tests: the sandbox's network file, and records to ask about."""

from __future__ import annotations

from typing import Any

from catalogue_sync.config import LibraryConfig, NetworkConfig, StorageConfig
from catalogue_sync.merge.catalogue import clusters, get_merged
from catalogue_sync.store import Store
from services.sandbox.config import library_table
from services.sandbox.testing import SandboxServer


def network_of(sandbox: SandboxServer, store_url: str, **availability: Any) -> NetworkConfig:
    """The sandbox libraries as network.toml declares them (live availability included)."""
    libraries = {}
    for lib in sandbox.network.libraries:
        data = library_table(sandbox.base_url, lib).unwrap()
        data["connector"] = {**data["connector"], "backoff": 0.01, "max_retries": 2}
        libraries[lib.id] = LibraryConfig(id=lib.id, **data)
    return NetworkConfig(storage=StorageConfig(url=store_url), libraries=libraries,
                         availability=availability)


def display_holding(store: Store, *libraries: str) -> tuple[str, dict[str, Any]]:
    """A merged record held by every library named (and maybe others): id, display."""
    for cluster in clusters(store):
        held = {member["library"] for member in cluster["members"]}
        if set(libraries) <= held:
            merged = get_merged(store, cluster["id"])
            assert merged is not None and merged.display is not None
            return merged.id, merged.display
    raise AssertionError(f"no merged record held by {libraries}")
