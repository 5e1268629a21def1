"""Catalogues built from real data for the index tests (see conftest.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from catalogue_sync.config import ConnectorConfig, LibraryConfig, MergeConfig
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.query import Query, SearchRequest, SearchResult
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.index.simple import parse
from catalogue_sync.marc import parse_raw
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.models import Flavour, RawFormat, RawRecord
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import IncomingRecord, Store
from catalogue_sync.store.clusters import MergedRecord, live_page
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.testing import SandboxServer

MARC_FIXTURES = Path(__file__).parents[2] / "fixtures" / "merge"
FLAVOURS = {"fm": Flavour.MARC21, "chat": Flavour.MARC21, "niort": Flavour.UNIMARC,
            "parth": Flavour.UNIMARC}
FAST = {"backoff": 0.01, "max_retries": 3, "timeout": 10.0}


@dataclass
class Catalogue:
    """A store with merged records, and its index."""

    store: Store
    index: CatalogueIndex
    searcher: Searcher

    def search(self, query: str | Query = "", **request: Any) -> SearchResult:
        """Search as the search box does (a string) or with a tree."""
        tree = parse(query) if isinstance(query, str) else query
        return self.searcher.search(SearchRequest(tree, **request))

    def ids(self, query: str | Query = "", **request: Any) -> list[str]:
        return [hit.id for hit in self.search(query, **{"limit": 100, **request}).hits]

    def records(self) -> list[MergedRecord]:
        """Every live merged record, from the store."""
        return live_records(self.store)


def live_records(store: Store) -> list[MergedRecord]:
    found: list[MergedRecord] = []
    with store.transaction("test") as connection:
        while page := live_page(connection, found[-1].id if found else "", 1000):
            found.extend(page)
    return found


def sandbox_libraries(sandbox: SandboxServer) -> list[LibraryConfig]:
    configs = []
    for lib in sandbox.network.libraries:
        data = library_table(sandbox.base_url, lib).unwrap()
        data["connector"] = {**data["connector"], **FAST}
        configs.append(LibraryConfig(id=lib.id, **data))
    return configs


def harvest(store: Store, sandbox: SandboxServer) -> None:
    """An incremental harvest of every sandbox library (full the first time)."""
    async def run() -> None:
        async with httpx.AsyncClient() as client:
            outcomes = await harvest_libraries(
                store, sandbox_libraries(sandbox), lambda lib: registry.build(lib, client))
        assert all(outcome.ok for outcome in outcomes), outcomes

    asyncio.run(run())


def store_marc_fixtures(store: Store) -> None:
    """Every record of tests/fixtures/merge, stored as its library's harvest would."""
    for path in sorted(MARC_FIXTURES.iterdir()):
        if path.suffix not in (".xml", ".mrc"):
            continue
        library_id, local_id = path.stem.split("-", 1)
        library = LibraryConfig(id=library_id, name=library_id, flavour=FLAVOURS[library_id],
                                connector=ConnectorConfig(type="marc-file", path="x.mrc"))
        kind = RawFormat.MARCXML if path.suffix == ".xml" else RawFormat.ISO2709
        raw = RawRecord(local_id, None, False, path.read_bytes(), kind, path.name)
        normalized = parse_raw(raw, library)[1]
        run_id = store.start_run(library_id, "full")
        store.store_page(library_id, run_id, [IncomingRecord(
            local_id, None, False, raw.data, kind, normalized)], [], None)


def indexed(store: Store, path: Path) -> Catalogue:
    merge(store, MergeConfig())
    index = CatalogueIndex(path, writer_memory_mb=32)
    index.update(store)
    return Catalogue(store, index, Searcher(index))
