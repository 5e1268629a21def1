"""Merged records to export, built the way the catalogue builds them.

``sandbox_merged``: the sandbox network harvested over real HTTP into a SQLite store and
merged, every merged record of it (all the formats the sandbox catalogues).
``fixture_merged``: the MARC 21 and UNIMARC records under tests/fixtures/merge, grouped as one
manifestation each and made into a display record by the merge's own code.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import (
    ConnectorConfig,
    LibraryConfig,
    NetworkConfig,
    StorageConfig,
)
from catalogue_sync.marc import parse_raw
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.merge.display import best_member, display_record
from catalogue_sync.models import Flavour, RawFormat, RawRecord
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, live_page
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import run_sandbox

FIXTURES = Path(__file__).parents[2] / "fixtures" / "merge"
FLAVOURS = {"fm": Flavour.MARC21, "chat": Flavour.MARC21, "niort": Flavour.UNIMARC,
            "parth": Flavour.UNIMARC}
# One manifestation each, as the merge tests know them (tests/catalogue_sync/merge).
GROUPS = {
    "metranger0001": ["fm-etranger-folio.xml", "niort-etranger-folio.xml",
                      "chat-etranger-folio.mrc", "fm-etranger-folio-copy.xml"],
    "mfilm00000001": ["fm-etranger-film.xml", "niort-etranger-film.xml"],
    "mlarge0000001": ["fm-etranger-large-print.xml"],
    "maudio0000001": ["niort-etranger-audiobook.xml"],
    "mdiplo0000001": ["fm-monde-diplomatique.xml", "niort-monde-diplomatique.xml"],
    "mclair0000001": ["fm-clair-de-lune.xml", "niort-clair-de-lune.xml"],
    "mtristes00001": ["fm-tristes-tropiques.xml", "niort-tristes-tropiques.xml"],
    "mmots00000001": ["fm-mots-1964.xml", "niort-mots-1964.xml"],
}
STAMP = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
FAST = {"backoff": 0.01, "max_retries": 3, "timeout": 10.0}


def _library(name: str) -> LibraryConfig:
    library = name.split("-", 1)[0]
    return LibraryConfig(id=library, name=library, flavour=FLAVOURS[library],
                         connector=ConnectorConfig(type="marc-file", path=f"{library}.mrc"))


def _read(name: str) -> tuple[tuple[str, str], object]:
    path = FIXTURES / name
    kind = RawFormat.MARCXML if path.suffix == ".xml" else RawFormat.ISO2709
    raw = RawRecord(None, None, False, path.read_bytes(), kind, name)
    return (name.split("-", 1)[0], path.stem), parse_raw(raw, _library(name))[1]


@pytest.fixture(scope="session")
def fixture_merged() -> list[MergedRecord]:
    merged = []
    for merged_id, names in GROUPS.items():
        members = dict(_read(name) for name in names)
        display = display_record(members, best_member(members, []))  # type: ignore[arg-type]
        merged.append(MergedRecord(merged_id, "work", False, None, display, len(members), 1,
                                   STAMP))
    return merged


@pytest.fixture(scope="session")
def sandbox_merged(tmp_path_factory: pytest.TempPathFactory) -> list[MergedRecord]:
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'catalogue.db'}"
    store = Store(url)
    store.create_schema()
    try:
        with run_sandbox(SandboxNetwork(seed=7, total_records=400)) as sandbox:
            libraries = {lib.id: LibraryConfig(id=lib.id, **_fast(library_table(
                sandbox.base_url, lib).unwrap())) for lib in sandbox.network.libraries}
            network = NetworkConfig(storage=StorageConfig(url=url), libraries=libraries)
            asyncio.run(_harvest(store, list(libraries.values())))
        merge(store, network)
        with store.transaction("reading") as connection:
            return live_page(connection, "", 10_000)
    finally:
        store.close()


def _fast(data: dict[str, object]) -> dict[str, object]:
    return {**data, "connector": {**data["connector"], **FAST}}  # type: ignore[dict-item]


async def _harvest(store: Store, libraries: list[LibraryConfig]) -> None:
    async with httpx.AsyncClient() as client:
        outcomes = await harvest_libraries(store, libraries,
                                           lambda library: registry.build(library, client))
    assert all(outcome.ok for outcome in outcomes), outcomes
