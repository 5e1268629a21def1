"""Harvesting the sandbox network over real HTTP into SQLite and PostgreSQL.

Each fault the sandbox can inject is survived or reported; nothing is lost or dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from catalogue_sync.config import LibraryConfig
from catalogue_sync.pipeline import LibraryOutcome, harvest_libraries
from catalogue_sync.store import Store
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox

FAST = {"backoff": 0.01, "max_retries": 3, "timeout": 5.0}


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=7, total_records=300), page_size=25) as server:
        yield server


def library(sandbox: SandboxServer, library_id: str, **connector: Any) -> LibraryConfig:
    """The library as the sandbox declares it in network.toml, with connector overrides."""
    data = library_table(sandbox.base_url, sandbox.network.library(library_id)).unwrap()
    data["connector"] = {**data["connector"], **FAST, **connector}
    return LibraryConfig(id=library_id, **data)


def every_library(sandbox: SandboxServer) -> list[LibraryConfig]:
    return [library(sandbox, lib.id) for lib in sandbox.network.libraries]


def harvest(store: Store, libraries: list[LibraryConfig], *,
            full: bool = False) -> dict[str, LibraryOutcome]:
    async def run() -> list[LibraryOutcome]:
        async with httpx.AsyncClient() as client:
            return await harvest_libraries(
                store, libraries, lambda lib: registry.build(lib, client), full=full)

    return {outcome.library: outcome for outcome in asyncio.run(run())}


def live_and_deleted(sandbox: SandboxServer, library_id: str) -> tuple[int, int]:
    records = list(sandbox.network.records(library_id))
    deleted = sum(record.deleted for record in records)
    return len(records) - deleted, deleted


def first_id(sandbox: SandboxServer) -> str:
    return sandbox.network.libraries[0].id


def test_harvests_every_library_in_both_flavours(sandbox: SandboxServer, store: Store) -> None:
    outcomes = harvest(store, every_library(sandbox))
    assert all(outcome.ok for outcome in outcomes.values()), outcomes
    flavours = {lib.flavour.value for lib in sandbox.network.libraries}
    assert flavours == {"marc21", "unimarc"}
    for status in store.status([lib.id for lib in sandbox.network.libraries]):
        live, deleted = live_and_deleted(sandbox, status.id)
        assert (status.records, status.deleted, status.quarantined) == (live, deleted, 0)
        assert status.last_harvest is not None and status.last_error is None


def test_stored_records_carry_what_later_steps_need(sandbox: SandboxServer,
                                                   store: Store) -> None:
    harvest(store, every_library(sandbox))
    for lib in sandbox.network.libraries:
        record = next(r for r in sandbox.network.records(lib.id) if not r.deleted)
        stored = store.get_record(lib.id, record.local_id)
        assert stored is not None, f"{lib.id} {record.local_id} missing"
        assert stored.data == record.marcxml()  # byte-exact
        assert stored.normalized.title
        if lib.granularity == "day":  # the server only tells the day
            assert stored.datestamp and stored.datestamp.date() == record.datestamp.date()
        else:
            assert stored.datestamp == record.datestamp


def test_reharvesting_changes_nothing(sandbox: SandboxServer, store: Store) -> None:
    libraries = every_library(sandbox)
    first = harvest(store, libraries)
    again = harvest(store, libraries, full=True)
    for library_id, outcome in again.items():
        assert outcome.counts.added == outcome.counts.updated == 0
        seen = first[library_id].counts
        assert outcome.counts.unchanged + outcome.counts.deleted == (
            seen.added + seen.deleted)


def test_incremental_harvest_takes_only_what_changed(sandbox: SandboxServer,
                                                     store: Store) -> None:
    library_id = first_id(sandbox)
    harvest(store, [library(sandbox, library_id)])
    later = datetime.now(UTC) + timedelta(minutes=5)
    tick = sandbox.network.tick(library_id, changed=4, deleted=3, now=later)
    outcome = harvest(store, [library(sandbox, library_id)])[library_id]
    assert outcome.mode == "incremental"
    assert (outcome.counts.updated, outcome.counts.deleted, outcome.counts.added) == (4, 3, 0)
    for local_id in tick.deleted:
        stored = store.get_record(library_id, local_id)
        assert stored is not None and stored.deleted and stored.normalized.title  # tombstone
    live, deleted = live_and_deleted(sandbox, library_id)
    status = store.status([library_id])[0]
    assert (status.records, status.deleted) == (live, deleted)


@pytest.mark.parametrize("fault", [
    {"kind": "unavailable", "count": 2, "retry_after": 0},
    {"kind": "rate-limited", "count": 2, "retry_after": 0},
    {"kind": "server-error", "count": 2},
    {"kind": "truncated", "count": 2, "after": 2},
    {"kind": "timeout", "count": 1, "after": 2, "seconds": 3.0},
    {"kind": "bad-token", "count": 1},
    {"kind": "invalid-chars", "count": 1},
    {"kind": "invalid-chars", "count": 1, "entity": True},
])
def test_faults_are_survived_without_losing_a_record(sandbox: SandboxServer, store: Store,
                                                     fault: dict[str, Any]) -> None:
    library_id = first_id(sandbox)
    sandbox.faults.inject(library_id, **fault)
    outcome = harvest(store, [library(sandbox, library_id, timeout=1.0)])[library_id]
    assert outcome.ok, outcome.error
    status = store.status([library_id])[0]
    assert (status.records, status.deleted) == live_and_deleted(sandbox, library_id)
    assert not sandbox.faults.pending()


def test_a_huge_response_is_stored_whole(sandbox: SandboxServer, store: Store) -> None:
    library_id = first_id(sandbox)
    sandbox.faults.inject(library_id, "huge", size_mb=11)
    outcome = harvest(store, [library(sandbox, library_id)])[library_id]
    assert outcome.ok, outcome.error
    biggest = max(len(r.data) for r in store.iter_records(library_id))
    assert biggest > 11 * 1024 * 1024


def test_a_broken_record_is_quarantined_and_the_rest_stored(sandbox: SandboxServer,
                                                           store: Store) -> None:
    library_id = first_id(sandbox)
    sandbox.faults.inject(library_id, "broken-record")
    outcome = harvest(store, [library(sandbox, library_id)])[library_id]
    assert outcome.ok and outcome.counts.quarantined == 1
    live, _ = live_and_deleted(sandbox, library_id)
    status = store.status([library_id])[0]
    assert (status.records, status.quarantined) == (live - 1, 1)
    entry = store.quarantine_list(library_id)[0]
    assert entry.local_id and entry.reason and b"not a MARC record" in entry.data
    assert entry.origin.startswith(sandbox.oai_url(library_id))
    # Fixed at the source: the next full harvest stores it and empties the quarantine.
    harvest(store, [library(sandbox, library_id)], full=True)
    assert store.status([library_id])[0].quarantined == 0
    assert store.status([library_id])[0].records == live


def test_a_looping_server_fails_its_library_and_the_others_complete(
        sandbox: SandboxServer, store: Store) -> None:
    looping, other = (lib.id for lib in sandbox.network.libraries[:2])
    sandbox.faults.inject(looping, "repeat-token", count=100)
    outcomes = harvest(store, [library(sandbox, looping), library(sandbox, other)])
    assert not outcomes[looping].ok and "a second time" in (outcomes[looping].error or "")
    assert outcomes[other].ok
    assert store.status([looping])[0].last_error == outcomes[looping].error
    assert store.status([other])[0].records == live_and_deleted(sandbox, other)[0]


def test_an_oai_error_in_a_400_answer_is_reported(sandbox: SandboxServer,
                                                   store: Store) -> None:
    library_id = first_id(sandbox)
    sandbox.faults.inject(library_id, "oai-error", code="cannotDisseminateFormat",
                          status=400, count=10)
    outcome = harvest(store, [library(sandbox, library_id)])[library_id]
    assert not outcome.ok and "cannotDisseminateFormat" in (outcome.error or "")


def test_an_unreachable_library_is_reported_with_its_url(store: Store,
                                                        sandbox: SandboxServer) -> None:
    lib = library(sandbox, first_id(sandbox), url="http://127.0.0.1:9/oai", max_retries=1)
    outcome = harvest(store, [lib])[lib.id]
    assert not outcome.ok
    assert "http://127.0.0.1:9/oai" in (outcome.error or "") and lib.id in (outcome.error or "")


def dump_library(sandbox: SandboxServer, library_id: str, fmt: str = "mrc",
                 **options: Any) -> LibraryConfig:
    lib = library(sandbox, library_id)
    connector = {"type": "marc-file", "url": sandbox.dump_url(library_id, fmt), **options}
    return lib.model_copy(update={"connector": type(lib.connector)(**connector)})


@pytest.mark.parametrize("fmt", ["mrc", "xml"])
def test_a_dump_marks_absent_records_deleted(sandbox: SandboxServer, store: Store,
                                             fmt: str) -> None:
    library_id = first_id(sandbox)
    lib = dump_library(sandbox, library_id, fmt)
    first = harvest(store, [lib])[library_id]
    assert first.ok, first.error
    live, _ = live_and_deleted(sandbox, library_id)
    assert store.status([library_id])[0].records == live
    sandbox.network.tick(library_id, changed=2, deleted=4)
    second = harvest(store, [lib])[library_id]
    assert second.ok and second.counts.deleted == 4 and second.counts.updated == 2
    assert store.status([library_id])[0].records == live - 4


def test_a_dump_that_shrinks_too_much_deletes_nothing(sandbox: SandboxServer,
                                                      store: Store) -> None:
    library_id = first_id(sandbox)
    lib = dump_library(sandbox, library_id, max_shrink=0.1)
    harvest(store, [lib])
    live, _ = live_and_deleted(sandbox, library_id)
    sandbox.network.tick(library_id, changed=0, deleted=live // 2)
    outcome = harvest(store, [lib])[library_id]
    assert not outcome.ok and "max_shrink" in (outcome.error or "")
    assert store.status([library_id])[0].records == live


def test_an_empty_dump_deletes_nothing(sandbox: SandboxServer, store: Store,
                                       tmp_path: Any) -> None:
    library_id = first_id(sandbox)
    harvest(store, [dump_library(sandbox, library_id)])
    empty = tmp_path / "empty.mrc"
    empty.write_bytes(b"")
    lib = dump_library(sandbox, library_id)
    lib = lib.model_copy(update={"connector": type(lib.connector)(type="marc-file",
                                                                  path=str(empty))})
    outcome = harvest(store, [lib])[library_id]
    assert not outcome.ok and "none of the" in (outcome.error or "")
    assert store.status([library_id])[0].records == live_and_deleted(sandbox, library_id)[0]


def test_a_set_harvest_takes_only_that_set(sandbox: SandboxServer, store: Store) -> None:
    library_id = first_id(sandbox)
    records = list(sandbox.network.records(library_id))
    set_spec = records[0].sets[0]
    outcome = harvest(store, [library(sandbox, library_id, set=set_spec)])[library_id]
    assert outcome.ok, outcome.error
    in_set = [r for r in records if set_spec in r.sets]
    assert 0 < len(in_set) < len(records)
    status = store.status([library_id])[0]
    assert status.records + status.deleted == len(in_set)
    assert all(store.get_record(library_id, r.local_id) for r in in_set)


# --- a broken dump loses nothing (issue 12) ---------------------------------------------------


def test_a_broken_record_in_a_marcxml_dump_is_quarantined_not_dropped(
        sandbox: SandboxServer, store: Store) -> None:
    library_id = first_id(sandbox)
    sandbox.faults.inject(library_id, "broken-record", target="dump")
    outcome = harvest(store, [dump_library(sandbox, library_id, "xml")])[library_id]
    assert outcome.ok, outcome.error
    live, _ = live_and_deleted(sandbox, library_id)
    assert (outcome.counts.added, outcome.counts.quarantined) == (live - 1, 1)
    (entry,) = store.quarantine_list(library_id)
    assert "no leader" in entry.reason and b"not a MARC record" in entry.data


def test_a_damaged_record_in_a_dump_file_is_quarantined_by_its_001_and_line(
        sandbox: SandboxServer, store: Store, tmp_path: Any) -> None:
    library_id = first_id(sandbox)
    dump = httpx.get(sandbox.dump_url(library_id, "xml"), timeout=30).content
    records = dump.split(b"<record ")
    damaged = records[10].replace(b"</subfield>", b"</subfeld>", 1)
    local_id = damaged.split(b'tag="001">', 1)[1].split(b"<", 1)[0].decode()
    path = tmp_path / "dump.xml"
    # The head (declaration, <collection>) on lines 1-2, then record n on line n + 2.
    path.write_bytes(b"\n<record ".join([*records[:10], damaged, *records[11:]]))
    lib = dump_library(sandbox, library_id)
    lib = lib.model_copy(update={"connector": type(lib.connector)(type="marc-file",
                                                                  path=str(path))})
    outcome = harvest(store, [lib])[library_id]
    assert outcome.ok, outcome.error
    assert (outcome.counts.added, outcome.counts.quarantined) == (len(records) - 2, 1)
    (entry,) = store.quarantine_list(library_id)
    assert entry.local_id == local_id
    assert "(line 12)" in entry.reason and "tag mismatch: subfield" in entry.reason
    assert entry.origin == f"{path}#record=10"
    # Named, it leaves the quarantine once the library exports it sound again.
    path.write_bytes(b"\n<record ".join(records))
    assert harvest(store, [lib])[library_id].ok
    assert store.quarantine_list(library_id) == []
