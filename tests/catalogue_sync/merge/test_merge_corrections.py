"""Librarians' corrections listed and taken back, over the real MARC fixtures, on both databases.

Every fixture file is stored as its library's harvest would store it (its local id is the
file name without the library), then merged: "fall" of chat and fm form one merged record,
"plague" of chat and fm another; "potager" (fm) and "confitures" (niort) stand alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from catalogue_sync.config import MergeConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.merge.catalogue import (
    CorrectedRecord,
    clusters,
    corrections,
    join,
    merge,
    merged_for,
    split,
    undo,
)
from catalogue_sync.models import NormalizedRecord, RawFormat
from catalogue_sync.store import IncomingRecord, Store

Key = tuple[str, str]
FIXTURES = Path(__file__).parents[2] / "fixtures" / "merge"
CONFIG = MergeConfig()
FALL = {("chat", "fall"), ("fm", "fall")}
PLAGUE = {("chat", "plague"), ("fm", "plague")}
POTAGER, CONFITURES = ("fm", "potager"), ("niort", "confitures")


@pytest.fixture
def merged_store(store: Store, record: Callable[[str], NormalizedRecord]) -> Store:
    """Every fixture record stored, one harvest per library, and merged."""
    files = sorted(path for path in FIXTURES.iterdir() if path.suffix in (".xml", ".mrc"))
    for library in sorted({path.name.split("-", 1)[0] for path in files}):
        run_id = store.start_run(library, "full")
        page = [_incoming(path, record(path.name)) for path in files
                if path.name.startswith(f"{library}-")]
        store.store_page(library, run_id, page, [], None)
    merge(store, CONFIG)
    return store


def _incoming(path: Path, normalized: NormalizedRecord) -> IncomingRecord:
    """A fixture file as the harvest hands it over: its local id is its name sans library."""
    kind = RawFormat.MARCXML if path.suffix == ".xml" else RawFormat.ISO2709
    local_id = path.stem.split("-", 1)[1]
    return IncomingRecord(local_id, None, False, path.read_bytes(), kind, normalized)


def group_of(store: Store, key: Key) -> set[Key]:
    """The records in the same merged record as ``key``."""
    merged = merged_for(store, *key)
    assert merged is not None
    row = next(row for row in clusters(store) if row["id"] == merged.id)
    return {(m["library"], m["record"]) for m in row["members"]}


def test_no_corrections_at_first(merged_store: Store) -> None:
    assert corrections(merged_store) == []
    assert group_of(merged_store, ("chat", "fall")) == FALL
    assert group_of(merged_store, ("fm", "plague")) == PLAGUE


def test_corrections_name_their_records_and_where_they_are_now(merged_store: Store) -> None:
    split(merged_store, "fm", "fall", config=CONFIG)
    joined = join(merged_store, POTAGER, CONFITURES, config=CONFIG)
    assert joined is not None
    listed = corrections(merged_store)
    assert [(c.kind, len(c.records)) for c in listed] == [("split", 1), ("join", 2)]
    alone = merged_for(merged_store, "fm", "fall")
    assert alone is not None
    assert listed[0].records == [CorrectedRecord("fm", "fall", alone.id, 1)]
    assert listed[1].records == [CorrectedRecord(*POTAGER, joined.id, 2),
                                 CorrectedRecord(*CONFITURES, joined.id, 2)]
    assert listed[0].created_at <= listed[1].created_at
    assert corrections(merged_store, CONFITURES) == [listed[1]]  # named second in the join
    assert corrections(merged_store, ("chat", "fall")) == []


def test_undoing_a_split_merges_the_record_back(merged_store: Store) -> None:
    before = merged_for(merged_store, "chat", "fall")
    split(merged_store, "fm", "fall", config=CONFIG)
    assert group_of(merged_store, ("chat", "fall")) == {("chat", "fall")}
    (correction,) = corrections(merged_store)
    status = undo(merged_store, correction.id, config=CONFIG)
    assert before is not None
    assert status.records == [CorrectedRecord("fm", "fall", before.id, 2)]
    assert group_of(merged_store, ("fm", "fall")) == FALL
    assert corrections(merged_store) == []
    merge(merged_store, CONFIG, full=True)  # no longer honoured by a rebuild either
    assert group_of(merged_store, ("fm", "fall")) == FALL
    after = merged_for(merged_store, "fm", "fall")
    assert after is not None and after.id == before.id


def test_undoing_a_join_takes_the_records_apart(merged_store: Store) -> None:
    join(merged_store, POTAGER, CONFITURES, config=CONFIG)
    split(merged_store, "fm", "plague", config=CONFIG)
    join_id = next(c.id for c in corrections(merged_store) if c.kind == "join")
    status = undo(merged_store, join_id, config=CONFIG)
    assert [(r.library, r.record, r.member_count) for r in status.records] == [
        (*POTAGER, 1), (*CONFITURES, 1)]
    assert status.records[0].merged != status.records[1].merged
    assert group_of(merged_store, POTAGER) == {POTAGER}
    assert [c.kind for c in corrections(merged_store)] == ["split"]  # the other one stays
    merge(merged_store, CONFIG, full=True)
    assert group_of(merged_store, POTAGER) == {POTAGER}
    assert group_of(merged_store, CONFITURES) == {CONFITURES}
    assert group_of(merged_store, ("fm", "plague")) == {("fm", "plague")}  # still split


@pytest.mark.parametrize("correction_id", [42, 0, 2**70])
def test_an_unknown_correction_is_named(merged_store: Store, correction_id: int) -> None:
    with pytest.raises(CatalogueError, match=f"no correction {correction_id} .*merge corrections"):
        undo(merged_store, correction_id, config=CONFIG)


def test_a_correction_undone_twice_is_unknown_the_second_time(merged_store: Store) -> None:
    split(merged_store, "fm", "fall", config=CONFIG)
    (correction,) = corrections(merged_store)
    undo(merged_store, correction.id, config=CONFIG)
    with pytest.raises(CatalogueError, match=f"no correction {correction.id}"):
        undo(merged_store, correction.id, config=CONFIG)
    assert group_of(merged_store, ("fm", "fall")) == FALL
