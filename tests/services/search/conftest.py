"""The search service over real HTTP, on a store merged from a real sandbox harvest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import LibraryConfig, NetworkConfig, StorageConfig
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.merge.catalogue import join, merge
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, live_page, member_rows
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback

FAST = {"backoff": 0.01, "max_retries": 3, "timeout": 10.0}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=11, total_records=300), page_size=100) as server:
        yield server


def network_of(sandbox: SandboxServer, store_url: str) -> NetworkConfig:
    libraries = {}
    for lib in sandbox.network.libraries:
        data = library_table(sandbox.base_url, lib).unwrap()
        data["connector"] = {**data["connector"], **FAST}
        libraries[lib.id] = LibraryConfig(id=lib.id, **data)
    return NetworkConfig(storage=StorageConfig(url=store_url), libraries=libraries)


@pytest.fixture
def merged_network(sandbox: SandboxServer, store: Store) -> NetworkConfig:
    """The sandbox harvested into ``store`` and merged; the network that describes it."""
    network = network_of(sandbox, store.url)
    libraries = list(network.libraries.values())

    async def harvest() -> None:
        async with httpx.AsyncClient() as client:
            outcomes = await harvest_libraries(
                store, libraries, lambda library: registry.build(library, client))
        assert all(outcome.ok for outcome in outcomes), outcomes

    asyncio.run(harvest())
    merge(store, network)
    return network


@pytest.fixture
def searcher(store: Store, merged_network: NetworkConfig, tmp_path: Path) -> Searcher:
    """The index of the merged store."""
    index = CatalogueIndex(tmp_path / "index", writer_memory_mb=32)
    index.update(store)
    return Searcher(index)


@pytest.fixture
def search_url(merged_network: NetworkConfig, store: Store) -> Iterator[str]:
    """The search service over the merged store, without an index, on a loopback port."""
    app = create_app(SearchContext(network=merged_network, store=store))
    with serve_on_loopback(app, health="/health", name="search") as base_url:
        yield base_url


@pytest.fixture
def indexed_url(merged_network: NetworkConfig, store: Store, searcher: Searcher
                ) -> Iterator[str]:
    """The search service over the merged store and its index, on a loopback port."""
    context = SearchContext(network=merged_network, store=store, searcher=searcher)
    with serve_on_loopback(create_app(context), health="/health", name="search") as base_url:
        yield base_url


def live(store: Store) -> list[MergedRecord]:
    """The merged records not deleted, by id."""
    with store.transaction("reading") as connection:
        return live_page(connection, "", 100_000)


def join_two_lone_records(store: Store, network: NetworkConfig) -> tuple[str, str]:
    """Join two single-record merged records by hand: (the one replaced, its successor)."""
    lone = [merged for merged in live(store) if merged.member_count == 1][:2]
    keys = []
    for merged in lone:
        with store.transaction("reading") as connection:
            row = member_rows(connection, merged.id)[0]
        keys.append((row.library, row.local_id))
    join(store, keys[0], keys[1], config=network)
    still = {merged.id for merged in live(store)}
    gone = next(merged.id for merged in lone if merged.id not in still)
    return gone, next(merged.id for merged in lone if merged.id != gone)
