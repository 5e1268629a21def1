"""The union catalogue built from a real harvest of the sandbox network, on both databases.

The sandbox's truth labels say which records are the same manifestation: the merge must
make no false merge and find most duplicates; ids must survive re-runs, re-harvests and
rebuilds; librarians' corrections must survive everything.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import LibraryConfig, MergeConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.merge.catalogue import (
    clusters,
    explain,
    get_merged,
    join,
    merge,
    merged_for,
    split,
)
from catalogue_sync.merge.keys import isbn13
from catalogue_sync.merge.rules import RULES
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox

Key = tuple[str, str]
CONFIG = MergeConfig()
FAST = {"backoff": 0.01, "max_retries": 3, "timeout": 10.0}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=11, total_records=600), page_size=100) as server:
        yield server


def libraries(sandbox: SandboxServer) -> list[LibraryConfig]:
    configs = []
    for lib in sandbox.network.libraries:
        data = library_table(sandbox.base_url, lib).unwrap()
        data["connector"] = {**data["connector"], **FAST}
        configs.append(LibraryConfig(id=lib.id, **data))
    return configs


def harvest(store: Store, sandbox: SandboxServer, *, full: bool = False) -> None:
    async def run() -> None:
        async with httpx.AsyncClient() as client:
            outcomes = await harvest_libraries(
                store, libraries(sandbox), lambda lib: registry.build(lib, client), full=full)
        assert all(outcome.ok for outcome in outcomes), outcomes

    asyncio.run(run())


def later(minutes: int) -> datetime:
    """A tick's datestamp after the last harvest, so an incremental harvest sees it."""
    return datetime.now(UTC) + timedelta(minutes=minutes)


def partition(store: Store) -> set[frozenset[Key]]:
    """The merged records' memberships, without their ids."""
    return {frozenset((m["library"], m["record"]) for m in row["members"])
            for row in clusters(store)}


def ids(store: Store) -> dict[Key, str]:
    return {(m["library"], m["record"]): row["id"]
            for row in clusters(store) for m in row["members"]}


def pairs(groups: Iterator[frozenset[Key]] | set[frozenset[Key]]) -> set[frozenset[Key]]:
    return {frozenset(pair) for group in groups for pair in itertools.combinations(group, 2)}


def live_records(sandbox: SandboxServer) -> set[Key]:
    return {(label.library_id, label.local_id) for label in sandbox.network.truth().labels
            if not label.deleted}


def first_cluster(store: Store, *, size: int) -> list[Key]:
    """The members of the first merged record (in id order) with at least ``size`` members."""
    return next(sorted((m["library"], m["record"]) for m in row["members"])
                for row in clusters(store) if len(row["members"]) >= size)


def singletons(store: Store) -> list[Key]:
    return [(row["members"][0]["library"], row["members"][0]["record"])
            for row in clusters(store) if len(row["members"]) == 1]


def test_merging_a_harvest_makes_no_false_merge_and_keeps_formats_apart(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    summary = merge(store, CONFIG)
    live = live_records(sandbox)
    assert summary.records == len(list(store.iter_records())) and summary.deleted == 0
    found = partition(store)
    assert set().union(*found) == live  # every live record once, no deleted one
    assert sum(len(group) for group in found) == len(live)
    predicted, true = pairs(found), sandbox.network.truth().duplicate_pairs()
    assert predicted - true == set(), "false merges"
    recall = len(predicted & true) / len(true)
    assert recall >= 0.95, recall
    assert summary.created == len(found)
    for group in found:  # records of different formats never share a merged record
        formats = set()
        for key in group:
            stored = store.get_record(*key)
            assert stored is not None
            formats.add(stored.normalized.format)
        assert len(formats) == 1, group


def test_the_display_record_unites_identifiers_subjects_and_holdings(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    members = first_cluster(store, size=3)
    merged = merged_for(store, *members[0])
    assert merged is not None and merged.display is not None and merged.member_count == 3
    records = [store.get_record(*key) for key in members]
    display = merged.display
    assert {(h["library"], h["record"]) for h in display["holdings"]} == set(members)
    for record in records:
        assert record is not None
        assert set(record.normalized.subjects) <= set(display["subjects"])
        held = next(h for h in display["holdings"] if h["record"] == record.local_id)
        assert len(held["items"]) == len(record.normalized.items)
        for raw in record.normalized.isbns:
            assert (isbn13(raw) or raw) in display["isbns"]
    assert display["title"] in {r.normalized.title for r in records if r is not None}
    assert merged.work and "|" in merged.work


def test_ids_survive_reruns_reharvests_and_rebuilds(sandbox: SandboxServer,
                                                    store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = ids(store)
    assert merge(store, CONFIG).records == 0 and ids(store) == before
    for lib in sandbox.network.libraries[:2]:
        sandbox.network.tick(lib.id, changed=25, deleted=0, now=later(5))
    harvest(store, sandbox)
    summary = merge(store, CONFIG)
    assert summary.records == 50 and summary.changed > 0 and summary.created == 0
    assert ids(store) == before  # new copies, same manifestations: same merged records
    harvest(store, sandbox, full=True)
    assert merge(store, CONFIG).records == 0
    rebuilt = merge(store, CONFIG, full=True)
    assert rebuilt.full and rebuilt.deleted == 0
    assert ids(store) == before


def test_deleted_records_leave_their_merged_record_which_keeps_its_id(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = ids(store)
    counts = {row["id"]: len(row["members"]) for row in clusters(store)}
    library_id = sandbox.network.libraries[0].id
    gone = sandbox.network.tick(library_id, changed=0, deleted=40, now=later(5)).deleted
    harvest(store, sandbox)
    summary = merge(store, CONFIG)
    kept = vanished = 0
    for local_id in gone:
        assert merged_for(store, library_id, local_id) is None
        old_id = before[(library_id, local_id)]
        merged = get_merged(store, old_id)
        assert merged is not None
        if counts[old_id] > 1:  # others remain: same id, one member fewer
            kept += 1
            assert not merged.deleted and merged.member_count == counts[old_id] - 1
            assert all(h["record"] != local_id for h in (merged.display or {})["holdings"])
        else:  # it was alone: a tombstone leading nowhere
            vanished += 1
            assert merged.deleted and merged.replaced_by is None
            assert explain(store, old_id).redirect is None
    assert kept and vanished and summary.deleted == vanished
    assert all(before[key] == merged_id for key, merged_id in ids(store).items())


def test_a_merged_record_absorbed_by_another_redirects_to_it(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    alone = singletons(store)[0]
    pair = next(group for group in first_clusters(store, 2) if alone[0] not in
                {key[0] for key in group})
    absorbed, absorber = ids(store)[alone], ids(store)[pair[0]]
    joined = join(store, alone, pair[0], config=CONFIG)
    assert joined is not None and joined.id == absorber and joined.member_count == 3
    tombstone = get_merged(store, absorbed)
    assert tombstone is not None and tombstone.deleted and tombstone.replaced_by == absorber
    explanation = explain(store, absorbed)
    assert explanation.redirect == absorber and explanation.members == []


def first_clusters(store: Store, size: int) -> list[list[Key]]:
    return [sorted((m["library"], m["record"]) for m in row["members"])
            for row in clusters(store) if len(row["members"]) == size]


def test_a_full_rebuild_equals_the_sum_of_incremental_runs(
        sandbox: SandboxServer, store: Store, tmp_path: Path) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    network = sandbox.network
    for minutes, libs in ((5, network.libraries[:3]), (10, network.libraries[1:])):
        for lib in libs:
            network.tick(lib.id, changed=15, deleted=8, now=later(minutes))
        harvest(store, sandbox)
        merge(store, CONFIG, batch=97)  # small batches: regions cut across clusters
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.create_schema()
    try:
        harvest(fresh, sandbox)
        merge(fresh, CONFIG, full=True)
        assert partition(fresh) == partition(store)
    finally:
        fresh.close()
    incremental = ids(store)
    rebuilt = merge(store, CONFIG, full=True)
    assert ids(store) == incremental  # a rebuild in place keeps every id...
    # ...and finds nothing to write: the search index and the OAI provider see no change
    assert (rebuilt.created, rebuilt.changed, rebuilt.deleted) == (0, 0, 0)


def test_split_and_join_hold_after_reharvest_and_rebuild(sandbox: SandboxServer,
                                                         store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    library_id = sandbox.network.libraries[0].id
    tick = sandbox.network.tick(library_id, changed=60, deleted=0, now=later(5))
    grouped = {key: group for group in partition(store) for key in group}
    split_off = next((library_id, local_id) for local_id in tick.changed
                     if len(grouped[(library_id, local_id)]) == 2)
    lonely = next((library_id, local_id) for local_id in tick.changed
                  if len(grouped[(library_id, local_id)]) == 1)
    partner = next(key for key in singletons(store) if key[0] != library_id
                   and key != lonely)
    others = grouped[split_off] - {split_off}

    def honoured() -> None:
        found = partition(store)
        assert frozenset({split_off}) in found
        assert frozenset({lonely, partner}) in found
        assert any(others <= group for group in found)

    merged = split(store, *split_off, config=CONFIG)
    assert merged is not None and merged.member_count == 1
    join(store, lonely, partner, config=CONFIG)
    honoured()
    harvest(store, sandbox)  # both corrected records changed at the source
    assert merge(store, CONFIG).records == 60
    honoured()
    merge(store, CONFIG, full=True)
    honoured()
    rules = {(m.library, m.record): m.rule for m in explain(store, ids(store)[lonely]).members}
    assert "join" in rules.values()


def test_explain_shows_members_keys_and_rules(sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    members = first_cluster(store, size=3)
    merged_id = ids(store)[members[0]]
    explanation = explain(store, merged_id)
    assert explanation.merged.id == merged_id and explanation.redirect == merged_id
    assert {(m.library, m.record) for m in explanation.members} == set(members)
    root, *rest = explanation.members
    assert root.rule == "best" and root.linked is None
    for member in rest:
        assert member.rule in RULES and member.reason
        assert member.linked in set(members) - {(member.library, member.record)}
    for member in explanation.members:
        assert member.keys["title"] and member.keys["work"] and "isbns" in member.keys
        assert member.title and member.format


def test_clusters_export_one_json_object_per_merged_record(sandbox: SandboxServer,
                                                           store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    rows = [json.loads(json.dumps(row)) for row in clusters(store)]
    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"id", "work", "members"}
        assert row["id"].startswith("m") and row["members"]
        assert all(set(member) == {"library", "record"} for member in row["members"])
    assert {(m["library"], m["record"]) for row in rows for m in row["members"]} == (
        live_records(sandbox))


def test_a_blocklisted_number_stops_matching_and_forces_a_rebuild(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    member = next(m for row in clusters(store) if len(row["members"]) > 1
                  for m in explain(store, row["id"]).members if m.rule == "shared-isbn")
    isbn = member.reason.rsplit(" ", 1)[-1]
    summary = merge(store, MergeConfig(blocklist=[f"isbn:{isbn}"]))
    assert summary.full  # the settings changed: everything merged again
    for row in clusters(store):
        for explained in explain(store, row["id"]).members:
            assert isbn not in explained.reason
            assert isbn not in explained.keys["isbns"]


def test_corrections_refuse_unknown_deleted_and_identical_records(
        sandbox: SandboxServer, store: Store) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    library_id = sandbox.network.libraries[0].id
    live = next(r for r in sandbox.network.records(library_id) if not r.deleted)
    dead = next(r for r in sandbox.network.records(library_id) if r.deleted)
    with pytest.raises(CatalogueError, match="no record nowhere:1"):
        split(store, "nowhere", "1", config=CONFIG)
    with pytest.raises(CatalogueError, match="with itself"):
        join(store, (library_id, live.local_id), (library_id, live.local_id), config=CONFIG)
    with pytest.raises(CatalogueError, match="deleted at its source"):
        join(store, (library_id, live.local_id), (library_id, dead.local_id), config=CONFIG)
    with pytest.raises(CatalogueError, match="no merged record"):
        explain(store, "m000000000000")
