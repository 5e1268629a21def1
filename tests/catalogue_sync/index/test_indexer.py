"""The index follows the union catalogue: incremental updates, deletions, rebuilds swapped in
while searches go on, and recovery after a crash; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from catalogue_sync.config import MergeConfig, Settings, load_network
from catalogue_sync.errors import StoreError
from catalogue_sync.index import indexer, searcher
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.query import FacetValue, Filters, SearchRequest, Term
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, changed_page
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import run_sandbox
from tests.catalogue_sync.index.catalogues import (
    Catalogue,
    harvest,
    indexed,
    live_records,
    store_marc_fixtures,
)


def contents(catalogue: Catalogue) -> dict[str, dict[str, Any]]:
    """Every record the index finds, by id, as it shows it."""
    catalogue.searcher.refresh()
    found: dict[str, dict[str, Any]] = {}
    while page := catalogue.search("", offset=len(found), limit=100, facets=False).hits:
        found.update((hit.id, hit.record) for hit in page)
    return found


def in_store(store: Store) -> dict[str, dict[str, Any]]:
    return {row.id: row.display or {} for row in live_records(store)}


def tombstones(store: Store) -> list[MergedRecord]:
    with store.transaction("test") as connection:
        return [row for row in changed_page(connection, 0, 100_000) if row.deleted]


@pytest.fixture
def marc_catalogue_in(store: Store, tmp_path: Path) -> Catalogue:
    store_marc_fixtures(store)
    return indexed(store, tmp_path / "index")


def test_updates_follow_changes_and_deletions_and_a_rebuild_finds_the_same(
        store: Store, tmp_path: Path) -> None:
    with run_sandbox(SandboxNetwork(seed=5, total_records=300), page_size=100) as sandbox:
        harvest(store, sandbox)
        catalogue = indexed(store, tmp_path / "index")
        assert contents(catalogue) == in_store(store) and len(in_store(store)) > 100
        library = sandbox.network.libraries[0].id
        sandbox.network.tick(library, changed=20, deleted=30,
                             now=datetime.now(UTC) + timedelta(minutes=5))
        harvest(store, sandbox)
    merge(store, MergeConfig())
    run = catalogue.index.update(store)
    gone = tombstones(store)
    assert run.mode == "incremental" and run.indexed >= 20 and run.deleted == len(gone) > 0
    assert contents(catalogue) == in_store(store)
    assert all(catalogue.ids(Term("id", row.id)) == [] for row in gone)
    facets = catalogue.search("").facets
    before = catalogue.index.state()
    rebuilt = catalogue.index.rebuild(store)
    assert rebuilt.mode == "rebuild" and rebuilt.indexed == len(in_store(store))
    state = catalogue.index.state()
    assert before and state and state.generation != before.generation
    assert state.watermark == before.watermark == run.watermark
    assert contents(catalogue) == in_store(store) and catalogue.search("").facets == facets


def test_an_update_without_changes_does_nothing(marc_catalogue_in: Catalogue) -> None:
    run = marc_catalogue_in.index.update(marc_catalogue_in.store)
    assert (run.mode, run.indexed, run.deleted) == ("incremental", 0, 0)


def test_searches_go_on_during_a_rebuild(marc_catalogue_in: Catalogue,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue, total = marc_catalogue_in, len(in_store(marc_catalogue_in.store))
    seen: list[int] = []
    reading = indexer._live

    def live_then_search(store: Store) -> Iterator[list[MergedRecord]]:
        for rows in reading(store):
            yield rows
            # A new searcher, mid-build: it answers from the generation in use.
            seen.append(Searcher(catalogue.index).search(SearchRequest(facets=False)).total)

    monkeypatch.setattr(indexer, "_live", live_then_search)
    catalogue.index.rebuild(catalogue.store)
    assert seen == [total]
    assert len(contents(catalogue)) == total


def test_an_update_after_a_crash_applies_changes_again_without_duplicates(
        marc_catalogue_in: Catalogue) -> None:
    """Killed between the commit and the watermark: the next update redoes the work."""
    catalogue = marc_catalogue_in
    state = catalogue.index.state()
    assert state is not None and state.watermark > 0
    saved = catalogue.index.path / state.generation / indexer.STATE_FILE
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "watermark": 0}))
    run = catalogue.index.update(catalogue.store)
    assert run.indexed == len(in_store(catalogue.store)) and run.watermark == state.watermark
    assert contents(catalogue) == in_store(catalogue.store)
    assert catalogue.search("").total == len(in_store(catalogue.store))


def test_a_schema_change_rebuilds_and_old_generations_go(
        marc_catalogue_in: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = marc_catalogue_in
    monkeypatch.setattr(indexer, "SCHEMA_VERSION", indexer.SCHEMA_VERSION + 1)
    assert catalogue.index.update(catalogue.store).mode == "rebuild"
    catalogue.index.rebuild(catalogue.store)
    generations = sorted(path.name for path in catalogue.index.path.glob("gen-*"))
    assert generations == ["gen-000002", "gen-000003"]  # the one in use and the one before
    assert contents(catalogue) == in_store(catalogue.store)


def test_searching_before_any_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="catalogue-sync index"):
        Searcher(CatalogueIndex(tmp_path / "index")).search(SearchRequest(facets=False))


def test_an_index_of_another_store_is_built_again(marc_catalogue_in: Catalogue,
                                                  tmp_path: Path) -> None:
    catalogue = marc_catalogue_in
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other.create_schema()
    try:
        assert catalogue.index.update(other).mode == "rebuild"
        assert contents(catalogue) == {}
    finally:
        other.close()
    # The same store started again from nothing: its changes are below the watermark.
    assert catalogue.index.update(catalogue.store).mode == "rebuild"
    state = catalogue.index.state()
    assert state is not None
    saved = catalogue.index.path / state.generation / indexer.STATE_FILE
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "watermark": 10**9}))
    assert catalogue.index.update(catalogue.store).mode == "rebuild"
    assert contents(catalogue) == in_store(catalogue.store)


def test_the_index_lives_beside_the_network_file_unless_the_environment_says(
        tmp_path: Path) -> None:
    path = tmp_path / "etc" / "network.toml"
    path.parent.mkdir()
    path.write_text('[index]\npath = "var/index"\n', encoding="utf-8")
    network = load_network(path)
    assert network.index_path(Settings()) == tmp_path / "etc" / "var" / "index"
    volume = tmp_path / "volume" / "index"
    assert network.index_path(Settings(index_path=volume)) == volume


def library_counts(store: Store) -> list[FacetValue]:
    """The library facet of the whole catalogue, counted from the store."""
    counted = Counter(library for row in live_records(store)
                      for library in {h["library"] for h in (row.display or {})["holdings"]})
    return sorted((FacetValue(library, n) for library, n in counted.items()),
                  key=lambda value: (-value.count, value.value))


def test_facet_passes_are_counted_once_per_view_and_follow_updates(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searcher, "CHECK_EVERY", 0.0)  # look at the index's state every time
    with run_sandbox(SandboxNetwork(seed=5, total_records=300), page_size=100) as sandbox:
        harvest(store, sandbox)
        catalogue = indexed(store, tmp_path / "index")
        first, second = (library.id for library in sandbox.network.libraries[:2])
        whole = catalogue.search("").facets
        assert whole["library"] == library_counts(store)
        counted = len(catalogue.searcher.facet_passes)
        browse = catalogue.search("", filters=Filters(libraries=(first,))).facets
        # Two passes: the library facet without the library filter (the whole catalogue's
        # library counts), the other facets under it.
        assert browse["library"] == whole["library"]
        assert len(catalogue.searcher.facet_passes) == counted + 2
        catalogue.search("", filters=Filters(libraries=(second,)), offset=20)
        catalogue.search("", filters=Filters(libraries=(first,)), sort="title")
        # The second library's browse counts its other facets only; the first's again, none.
        assert len(catalogue.searcher.facet_passes) == counted + 3
        sandbox.network.tick(first, changed=5, deleted=40,
                             now=datetime.now(UTC) + timedelta(minutes=5))
        harvest(store, sandbox)
    merge(store, MergeConfig())
    assert catalogue.index.update(store).deleted > 0
    after = catalogue.search("").facets  # no refresh: the new watermark opens a new view
    assert after["library"] == library_counts(store) != whole["library"]
