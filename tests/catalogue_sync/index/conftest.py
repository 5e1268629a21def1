"""Indexes built from real data, the way the commands build them.

``sandbox_catalogue``: the sandbox network (five libraries, MARC 21 and UNIMARC, 600
records) harvested over HTTP on loopback, merged and indexed. ``marc_catalogue``: the real
MARC records of tests/fixtures/merge (L'Étranger in several editions and formats, Camus in
English, Les Misérables, Le Monde diplomatique...) stored as harvested, merged and indexed.
Both are built once per session on SQLite; the indexer's own tests use the ``store``
fixture, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalogue_sync.store import Store
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import run_sandbox
from tests.catalogue_sync.index.catalogues import (
    Catalogue,
    harvest,
    indexed,
    store_marc_fixtures,
)


@pytest.fixture(scope="session")
def sandbox_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    where = tmp_path_factory.mktemp("sandbox-catalogue")
    store = Store(f"sqlite:///{where / 'catalogue-sync.db'}")
    store.create_schema()
    with run_sandbox(SandboxNetwork(seed=11, total_records=600), page_size=100) as sandbox:
        harvest(store, sandbox)
    yield indexed(store, where / "index")
    store.close()


@pytest.fixture(scope="session")
def marc_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    where = tmp_path_factory.mktemp("marc-catalogue")
    store = Store(f"sqlite:///{where / 'catalogue-sync.db'}")
    store.create_schema()
    store_marc_fixtures(store)
    yield indexed(store, where / "index")
    store.close()
