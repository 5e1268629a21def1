"""Merge runs over records stored directly (no harvest needed), on both databases.

Each test stores a few records as the pipeline would (``Store.store_page``), with the fields
that matter to it, and checks what a librarian or a patron would see.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest

from catalogue_sync.config import MergeConfig
from catalogue_sync.errors import StoreError
from catalogue_sync.merge import region
from catalogue_sync.merge.catalogue import clusters, explain, merge, merged_for
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.models import Format, Item, NormalizedRecord, RawFormat
from catalogue_sync.store import IncomingRecord, Store

Key = tuple[str, str]
CONFIG = MergeConfig()
ISBN = {"etranger": "9782070360024", "peste": "9782070360420", "chute": "9782070360109"}


def put(store: Store, library: str, local_id: str, *, deleted: bool = False,
        **fields: Any) -> None:
    """Store one record of ``library`` as a harvested page of one."""
    fields.setdefault("format", Format.BOOK)
    normalized = NormalizedRecord(local_id=local_id, **fields)
    data = b"" if deleted else repr(normalized).encode()
    run_id = store.start_run(library, "incremental")
    record = IncomingRecord(local_id, None, deleted, data, RawFormat.MARCXML,
                            None if deleted else normalized)
    store.store_page(library, run_id, [record], [], None)


def book(store: Store, library: str, local_id: str, work: str, **fields: Any) -> None:
    """A record of one of Camus's novels, by its ISBN unless told otherwise."""
    defaults: dict[str, Any] = {"title": work.capitalize(), "authors": ["Camus, Albert"],
                                "year": 1972, "isbns": [ISBN[work]]}
    put(store, library, local_id, **{**defaults, **fields})


def partition(store: Store) -> set[frozenset[Key]]:
    return {frozenset((m["library"], m["record"]) for m in row["members"])
            for row in clusters(store)}


def merged_id(store: Store, library: str, local_id: str) -> str:
    merged = merged_for(store, library, local_id)
    assert merged is not None
    return merged.id


def test_a_record_that_moves_leaves_both_merged_records_their_ids(store: Store) -> None:
    book(store, "fm", "1", "etranger")
    book(store, "niort", "1", "etranger")
    book(store, "parth", "1", "peste")
    merge(store, CONFIG)
    etranger, peste = merged_id(store, "fm", "1"), merged_id(store, "parth", "1")
    book(store, "fm", "1", "peste")  # the library fixed a wrong record
    summary = merge(store, CONFIG)
    assert partition(store) == {frozenset({("fm", "1"), ("parth", "1")}),
                                frozenset({("niort", "1")})}
    assert merged_id(store, "niort", "1") == etranger
    assert merged_id(store, "fm", "1") == peste
    assert (summary.records, summary.created, summary.changed, summary.deleted) == (1, 0, 2, 0)


def test_a_record_matching_two_different_editions_joins_neither(store: Store) -> None:
    book(store, "fm", "1", "etranger", year=1972, isbns=["9782070360024"])
    book(store, "niort", "1", "etranger", year=1973, isbns=["9782070379583"])
    book(store, "parth", "1", "etranger", year=1972, isbns=[])  # which edition is it?
    merge(store, CONFIG)
    assert partition(store) == {frozenset({key}) for key in
                                [("fm", "1"), ("niort", "1"), ("parth", "1")]}


def test_a_record_without_subtitle_bridges_no_two_books_whose_subtitles_differ(
        store: Store, record: Callable[[str], NormalizedRecord]) -> None:
    """"Le voyage : roman" and "Le voyage : carnets d'Orient" (same author, same year): a
    record with neither subtitle nor number matches both by title, so it joins neither."""
    roman, carnets = record("fm-voyage-martin.xml"), record("parth-voyage-martin-carnets.xml")
    bare = dataclasses.replace(roman, subtitle=None, isbns=[], other_ids=[])
    for library, normalized in (("fm", roman), ("parth", carnets), ("niort", bare)):
        fields = {field.name: getattr(normalized, field.name)
                  for field in dataclasses.fields(normalized) if field.name != "local_id"}
        put(store, library, "1", **fields)
    merge(store, CONFIG)
    assert partition(store) == {frozenset({key}) for key in
                                [("fm", "1"), ("niort", "1"), ("parth", "1")]}


def test_two_records_of_one_library_stay_apart_unless_configured(store: Store) -> None:
    book(store, "fm", "1", "etranger")
    book(store, "fm", "2", "etranger")
    book(store, "niort", "1", "etranger")
    merge(store, CONFIG)
    # Both fm records match niort's, but never share a merged record.
    assert len(partition(store)) == 2
    summary = merge(store, MergeConfig(same_library=True))
    assert summary.full  # a changed setting rebuilds everything
    assert partition(store) == {frozenset({("fm", "1"), ("fm", "2"), ("niort", "1")})}


def test_the_display_record_comes_from_the_preferred_library_when_equally_complete(
        store: Store) -> None:
    book(store, "fm", "1", "chute", subjects=["Remords"], items=[Item(barcode="A1")])
    book(store, "niort", "1", "chute", title="La chute", subjects=["Amsterdam"],
         items=[Item(barcode="N1")])
    merge(store, CONFIG)
    merged = merged_for(store, "fm", "1")
    assert merged is not None and merged.display is not None
    assert merged.display["title"] == "Chute"  # equally complete: fm sorts first
    assert merged.display["subjects"] == ["Remords", "Amsterdam"]
    merge(store, MergeConfig(library_priority=["niort"]))
    merged = merged_for(store, "fm", "1")
    assert merged is not None and merged.display is not None
    assert merged.display["title"] == "La chute"
    assert [h["library"] for h in merged.display["holdings"]] == ["niort", "fm"]


def _fail_third_region(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make the third region merged fail as a lost connection would; returns the undo."""
    real_run = region.Region.run
    calls = {"n": 0}

    def failing(self: region.Region, changed: Any, **options: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise StoreError("record store: the server closed the connection")
        return real_run(self, changed, **options)

    monkeypatch.setattr(region.Region, "run", failing)
    return lambda: monkeypatch.setattr(region.Region, "run", real_run)


def _novels(store: Store, numbers: range) -> None:
    for number in numbers:  # novels, each held by three libraries
        for library in ("fm", "niort", "parth"):
            put(store, library, str(number), title=f"Roman {number}",
                authors=["Camus, Albert"], year=1960)


def test_an_incremental_merge_killed_midway_resumes_after_its_last_batch(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _novels(store, range(5))
    merge(store, CONFIG)
    _novels(store, range(5, 25))
    restore = _fail_third_region(monkeypatch)
    with pytest.raises(StoreError):
        merge(store, CONFIG, batch=10)
    assert sum(len(group) for group in partition(store)) == 15 + 20  # two batches kept
    restore()
    assert merge(store, CONFIG, batch=10).records == 40
    resumed = partition(store)
    assert len(resumed) == 25 and all(len(group) == 3 for group in resumed)
    merge(store, CONFIG, full=True)
    assert partition(store) == resumed


def test_a_full_merge_killed_midway_is_done_again_by_the_next_run(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _novels(store, range(20))
    merge(store, CONFIG)
    expected = partition(store)
    _novels(store, range(20, 30))
    restore = _fail_third_region(monkeypatch)
    with pytest.raises(StoreError):
        merge(store, CONFIG, full=True, batch=10)
    restore()
    summary = merge(store, CONFIG, batch=10)
    assert summary.full and summary.records == 90
    done = partition(store)
    assert len(done) == 30 and all(len(group) == 3 for group in done)
    assert all(group in done for group in expected)


def test_a_key_shared_by_too_many_records_is_not_used_and_is_logged(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    for library in ("fm", "niort", "parth"):
        book(store, library, "1", "etranger", title=f"Titre {library}", authors=[])
    settings = MergeSettings.from_config(CONFIG, key_cap=2)
    with caplog.at_level(logging.WARNING, logger="catalogue_sync.merge"):
        merge(store, settings)
    assert len(partition(store)) == 3  # the only evidence was the over-shared ISBN
    warning = next(r for r in caplog.records if "blocklist" in r.getMessage())
    assert warning.__dict__["key"] == f"isbn:{ISBN['etranger']}"


def test_a_deleted_record_that_comes_back_rejoins(store: Store) -> None:
    book(store, "fm", "1", "etranger")
    book(store, "niort", "1", "etranger")
    merge(store, CONFIG)
    kept = merged_id(store, "fm", "1")
    put(store, "niort", "1", deleted=True)
    merge(store, CONFIG)
    assert merged_for(store, "niort", "1") is None and merged_id(store, "fm", "1") == kept
    book(store, "niort", "1", "etranger")
    merge(store, CONFIG)
    assert merged_id(store, "niort", "1") == kept
    rules = {(m.library, m.record): m.rule for m in explain(store, kept).members}
    assert sorted(rules.values()) == ["best", "shared-isbn"]

