"""The record store, on SQLite and PostgreSQL (the ``store`` fixture runs each test on both)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from catalogue_sync.errors import StoreError
from catalogue_sync.models import Format, Item, NormalizedRecord, RawFormat
from catalogue_sync.store import (
    IncomingProblem,
    IncomingRecord,
    PageCounts,
    RunStatus,
    Store,
)

LIBRARY = "poitiers-fm"
DATESTAMP = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def marcxml(local_id: str, title: str) -> bytes:
    """A UNIMARC record as Koha's OAI-PMH server sends it (accents in UTF-8)."""
    return (
        '<record xmlns="http://www.loc.gov/MARC21/slim">'
        "<leader>00000cam a2200000   4500</leader>"
        f'<controlfield tag="001">{local_id}</controlfield>'
        '<datafield tag="200" ind1="1" ind2=" ">'
        f'<subfield code="a">{title}</subfield><subfield code="f">Victor Hugo</subfield>'
        "</datafield>"
        '<datafield tag="995" ind1=" " ind2=" "><subfield code="f">B0001</subfield>'
        '<subfield code="k">R HUG</subfield></datafield>'
        "</record>"
    ).encode()


def record(local_id: str, title: str = "Les Misérables", **changes: object) -> IncomingRecord:
    normalized = NormalizedRecord(
        local_id=local_id,
        title=title,
        subtitle="roman",
        authors=["Hugo, Victor"],
        year=1862,
        isbns=["9782070409228"],
        format=Format.BOOK,
        language="fre",
        publisher="Gallimard",
        pages=1664,
        subjects=["Paris (France) -- 19e siècle"],
        items=[Item(barcode="B0001", call_number="R HUG", location="Adultes")],
    )
    values: dict[str, object] = {
        "local_id": local_id,
        "datestamp": DATESTAMP,
        "deleted": False,
        "data": marcxml(local_id, title),
        "format": RawFormat.MARCXML,
        "normalized": normalized,
    }
    values.update(changes)
    return IncomingRecord(**values)  # type: ignore[arg-type]


def deletion(local_id: str, datestamp: datetime | None = DATESTAMP) -> IncomingRecord:
    return IncomingRecord(local_id, datestamp, True, b"", RawFormat.MARCXML, None)


def problem(
    local_id: str | None, reason: str = "leader/09 says UTF-8, bytes are MARC-8"
) -> IncomingProblem:
    origin = "https://koha.example.org/oai?token=abc#3"
    return IncomingProblem(local_id, reason, origin, b"\x1b(B\xe9", RawFormat.ISO2709)


def store_pages(store: Store, *pages: list[IncomingRecord], mode: str = "full") -> int:
    """Store pages in a new run, finished; returns the run id."""
    run_id = store.start_run(LIBRARY, mode)
    for n, page in enumerate(pages):
        store.store_page(LIBRARY, run_id, page, [], {"token": f"page-{n + 1}"})
    store.finish_run(LIBRARY, run_id, next_since="2024-03-01T08:30:00Z", counts=PageCounts())
    return run_id


def store_once(store: Store, records: list[IncomingRecord]) -> PageCounts:
    run_id = store.start_run(LIBRARY, "incremental")
    return store.store_page(LIBRARY, run_id, records, [], None)


# Adding, updating, unchanged


def test_new_records_are_added_and_read_back_byte_exact(store: Store) -> None:
    iso2709 = b"00095nam  2200049   4500001000800000\x1eppn-1\x1e\x1d\xc3\xa9\xff"
    page = [record("1"), record("2", data=iso2709, format=RawFormat.ISO2709)]

    counts = store_once(store, page)

    assert counts == PageCounts(added=2)
    first, second = store.get_record(LIBRARY, "1"), store.get_record(LIBRARY, "2")
    assert first is not None and second is not None
    assert first.data == marcxml("1", "Les Misérables")
    assert (second.data, second.format) == (iso2709, RawFormat.ISO2709)
    assert first.normalized == page[0].normalized
    assert first.datestamp == DATESTAMP
    assert first.harvested_at.tzinfo is not None and not first.deleted
    assert store.get_record(LIBRARY, "3") is None
    assert store.get_record("another-library", "1") is None


def test_storing_the_same_records_again_changes_nothing(store: Store) -> None:
    store_once(store, [record("1"), record("2")])
    before = store.get_record(LIBRARY, "1")

    counts = store_once(store, [record("1"), record("2")])

    assert counts == PageCounts(unchanged=2)
    assert store.get_record(LIBRARY, "1") == before


def test_a_changed_record_is_updated_with_a_new_change_seq(store: Store) -> None:
    store_once(store, [record("1"), record("2")])
    before = store.get_record(LIBRARY, "1")

    counts = store_once(store, [record("1", "Notre-Dame de Paris"), record("2")])

    after = store.get_record(LIBRARY, "1")
    assert counts == PageCounts(updated=1, unchanged=1)
    assert before is not None and after is not None
    assert after.normalized.title == "Notre-Dame de Paris"
    assert after.data == marcxml("1", "Notre-Dame de Paris")
    assert after.change_seq > before.change_seq
    assert after.checksum != before.checksum


def test_a_record_listed_twice_in_a_page_keeps_the_last_version(store: Store) -> None:
    counts = store_once(store, [record("1", "Brouillon"), record("1", "Les Misérables")])

    stored = store.get_record(LIBRARY, "1")
    assert counts == PageCounts(added=1)
    assert stored is not None and stored.normalized.title == "Les Misérables"


# Deletions


def test_deleting_a_known_record_keeps_its_last_data_and_fields(store: Store) -> None:
    store_once(store, [record("1"), record("2")])
    before = store.get_record(LIBRARY, "1")

    counts = store_once(store, [deletion("1", DATESTAMP + timedelta(days=1))])

    after = store.get_record(LIBRARY, "1")
    assert counts == PageCounts(deleted=1)
    assert before is not None and after is not None
    assert after.deleted
    assert after.data == before.data
    assert after.normalized == before.normalized
    assert after.datestamp == DATESTAMP + timedelta(days=1)
    assert after.change_seq > before.change_seq
    assert store.live_count(LIBRARY) == 1
    assert store_once(store, [deletion("1")]) == PageCounts(unchanged=1)


def test_deleting_an_unknown_record_stores_an_empty_tombstone(store: Store) -> None:
    counts = store_once(store, [deletion("ghost", datestamp=None)])

    tombstone = store.get_record(LIBRARY, "ghost")
    assert counts == PageCounts(deleted=1)
    assert tombstone is not None and tombstone.deleted
    assert tombstone.data == b"" and tombstone.datestamp is None
    assert tombstone.normalized == NormalizedRecord(local_id="ghost")
    assert store.live_count(LIBRARY) == 0


def test_a_deleted_record_that_reappears_is_live_again(store: Store) -> None:
    store_once(store, [record("1")])
    store_once(store, [deletion("1")])

    counts = store_once(store, [record("1")])

    stored = store.get_record(LIBRARY, "1")
    assert counts == PageCounts(added=1)
    assert stored is not None and not stored.deleted
    assert store.live_count(LIBRARY) == 1


# change_seq


def test_change_seq_moves_only_on_real_changes_and_never_repeats(store: Store) -> None:
    store_once(store, [record(str(n)) for n in range(5)])
    first_seqs = [stored.change_seq for stored in store.iter_records(LIBRARY)]
    store_once(store, [record(str(n)) for n in range(5)])
    assert [stored.change_seq for stored in store.iter_records(LIBRARY)] == first_seqs

    store_once(store, [record("0", "Changed"), deletion("1"), record("5")])

    seqs = {stored.local_id: stored.change_seq for stored in store.iter_records(LIBRARY)}
    assert len(set(seqs.values())) == 6
    assert min(seqs["0"], seqs["1"], seqs["5"]) > max(first_seqs)
    assert [seqs[n] for n in "234"] == first_seqs[2:]


def test_concurrent_writers_get_distinct_change_seqs(store: Store) -> None:
    # The pipeline harvests several libraries at once, each in a thread, on one Store.
    libraries = ["lib-a", "lib-b", "lib-c"]
    errors: list[BaseException] = []

    def harvest(library: str) -> None:
        try:
            run_id = store.start_run(library, "full")
            for page in range(4):
                records = [record(f"{page}-{n}") for n in range(50)]
                store.store_page(library, run_id, records, [], {"page": page})
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=harvest, args=(library,)) for library in libraries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    seqs = [stored.change_seq for stored in store.iter_records()]
    assert errors == []
    assert len(seqs) == 600
    assert len(set(seqs)) == 600
    assert [status.records for status in store.status(libraries)] == [200, 200, 200]


# Runs, cursors, resume


def test_a_new_process_resumes_the_interrupted_run_at_its_last_cursor(
    store: Store, store_url: str
) -> None:
    run_id, cursor = store.resume_or_start_run(LIBRARY, "full")
    assert cursor is None
    store.store_page(LIBRARY, run_id, [record("1"), record("2")], [], {"token": "p2"})
    store.store_page(LIBRARY, run_id, [record("3")], [problem("4")], {"token": "p3"})
    store.close()  # the process is killed here: neither finish_run nor fail_run

    restarted = Store(store_url)
    resumed_id, resumed_cursor = restarted.resume_or_start_run(LIBRARY, "full")
    restarted.store_page(LIBRARY, resumed_id, [record("5")], [], None)

    assert (resumed_id, resumed_cursor) == (run_id, {"token": "p3"})
    assert restarted.unseen_live_count(LIBRARY, run_id) == 0
    assert restarted.runs(LIBRARY)[0].counts == PageCounts(added=4, quarantined=1)
    restarted.close()


def test_a_page_that_fails_stores_neither_records_nor_cursor(store: Store) -> None:
    run_id, _ = store.resume_or_start_run(LIBRARY, "full")
    store.store_page(LIBRARY, run_id, [record("1")], [], {"token": "p2"})
    other_run = store.start_run("other-library", "full")

    with pytest.raises(StoreError, match=f"no harvest run {other_run}"):
        store.store_page(LIBRARY, other_run, [record("2")], [problem("3")], {"token": "p3"})

    assert store.get_record(LIBRARY, "2") is None
    assert store.quarantine_list(LIBRARY) == []
    assert store.harvest_state(LIBRARY).resume == {"token": "p2"}


def test_finish_run_moves_since_and_clears_the_cursor(store: Store) -> None:
    run_id = store.start_run(LIBRARY, "incremental")
    store.store_page(LIBRARY, run_id, [record("1")], [], {"token": "p2"})

    store.finish_run(LIBRARY, run_id, next_since="2024-03-02", counts=PageCounts(added=1))

    state = store.harvest_state(LIBRARY)
    assert (state.since, state.resume, state.run_id, state.last_error) == (
        "2024-03-02", None, None, None
    )
    assert state.last_harvest is not None
    assert datetime.now(UTC) - state.last_harvest < timedelta(minutes=1)
    run_id = store.start_run(LIBRARY, "incremental")
    store.finish_run(LIBRARY, run_id, next_since=None, counts=PageCounts())
    assert store.harvest_state(LIBRARY).since == "2024-03-02"
    assert store.resume_or_start_run(LIBRARY, "incremental")[1] is None


def test_fail_run_keeps_the_cursor_for_the_next_harvest(store: Store) -> None:
    run_id = store.start_run(LIBRARY, "incremental")
    store.store_page(LIBRARY, run_id, [record("1")], [], {"token": "p2"})

    store.fail_run(LIBRARY, run_id, "koha.example.org: 503 Service Unavailable", PageCounts())

    state = store.harvest_state(LIBRARY)
    assert state.last_error == "koha.example.org: 503 Service Unavailable"
    assert (state.resume, state.run_id) == ({"token": "p2"}, run_id)
    assert store.runs(LIBRARY)[0].status == RunStatus.FAILED
    assert store.resume_or_start_run(LIBRARY, "incremental") == (run_id, {"token": "p2"})
    assert store.runs(LIBRARY)[0].status == RunStatus.RUNNING
    store.finish_run(LIBRARY, run_id, next_since="2024-03-02", counts=PageCounts())
    assert store.harvest_state(LIBRARY).last_error is None


def test_a_full_harvest_does_not_resume_an_incremental_one(store: Store) -> None:
    incremental = store.start_run(LIBRARY, "incremental")
    store.store_page(LIBRARY, incremental, [record("1")], [], {"token": "p2"})

    full, cursor = store.resume_or_start_run(LIBRARY, "full")

    assert full != incremental and cursor is None
    history = {run.id: run for run in store.runs(LIBRARY)}
    assert history[incremental].status == RunStatus.FAILED
    assert history[incremental].error is not None
    assert history[full].status == RunStatus.RUNNING


def test_runs_history_newest_first(store: Store) -> None:
    first = store_pages(store, [record("1"), record("2")])
    second = store_pages(store, [record("1")], mode="incremental")

    history = store.runs()

    assert [run.id for run in history] == [second, first]
    assert history[1].counts == PageCounts(added=2)
    assert history[0].counts == PageCounts(unchanged=1)
    assert (history[0].mode, history[0].status) == ("incremental", RunStatus.OK)
    assert history[0].finished is not None and history[0].finished >= history[0].started
    assert store.runs(LIBRARY, limit=1) == history[:1]
    assert store.runs("other-library") == []


# Full dumps


def test_a_dump_marks_the_records_it_no_longer_contains_deleted(store: Store) -> None:
    store_pages(store, [record("1"), record("2")], [record("3")])
    run_id = store.start_run(LIBRARY, "full")
    store.store_page(LIBRARY, run_id, [record("1"), record("2", "Changed")], [], None)
    before = store.get_record(LIBRARY, "3")

    assert store.unseen_live_count(LIBRARY, run_id) == 1
    assert store.delete_unseen(LIBRARY, run_id) == 1

    after = store.get_record(LIBRARY, "3")
    assert before is not None and after is not None
    assert after.deleted and after.data == before.data
    assert after.change_seq > before.change_seq
    assert store.live_count(LIBRARY) == 2
    assert store.unseen_live_count(LIBRARY, run_id) == 0
    assert store.delete_unseen(LIBRARY, run_id) == 0
    assert store.runs(LIBRARY)[0].counts == PageCounts(updated=1, unchanged=1, deleted=1)


def test_delete_unseen_leaves_other_libraries_alone(store: Store) -> None:
    other = store.start_run("other-library", "full")
    store.store_page("other-library", other, [record("1")], [], None)
    run_id = store.start_run(LIBRARY, "full")
    store.store_page(LIBRARY, run_id, [record("2")], [], None)

    assert store.delete_unseen(LIBRARY, run_id) == 0
    assert store.live_count("other-library") == 1


# Quarantine


def test_a_problem_stays_in_quarantine_until_the_record_is_fixed(store: Store) -> None:
    run_id = store.start_run(LIBRARY, "incremental")
    counts = store.store_page(LIBRARY, run_id, [], [problem("7"), problem(None, "no 001")], None)

    listed = store.quarantine_list(LIBRARY)
    assert counts == PageCounts(quarantined=2)
    assert [entry.local_id for entry in listed] == [None, "7"]  # newest first
    kept = store.quarantine_get(listed[1].id)
    assert kept is not None
    assert (kept.library, kept.data, kept.format) == (LIBRARY, b"\x1b(B\xe9", RawFormat.ISO2709)
    assert kept.reason == "leader/09 says UTF-8, bytes are MARC-8"
    assert kept.origin == "https://koha.example.org/oai?token=abc#3"
    assert kept.created_at.tzinfo is not None
    assert store.quarantine_list("other-library") == []
    assert store.quarantine_get(10_000) is None

    store.store_page(LIBRARY, run_id, [record("7")], [], None)

    assert [entry.local_id for entry in store.quarantine_list()] == [None]


# Status and reading


def test_status_counts_records_deletions_and_problems(store: Store) -> None:
    run_id = store.start_run(LIBRARY, "full")
    page = [record("1"), record("2"), record("3"), deletion("4")]
    store.store_page(LIBRARY, run_id, page, [problem("5")], None)
    store.fail_run(LIBRARY, run_id, "timeout", PageCounts())

    status, never = store.status([LIBRARY, "never-harvested"])

    assert (status.id, status.records, status.deleted, status.quarantined) == (LIBRARY, 3, 1, 1)
    assert (status.last_error, status.last_run_status) == ("timeout", RunStatus.FAILED)
    assert status.last_harvest is None
    assert (never.records, never.deleted, never.quarantined, never.last_run_status) == (
        0, 0, 0, None
    )


def test_iter_records_streams_in_change_order(store: Store) -> None:
    store_once(store, [record(f"{n:02}") for n in range(10)])
    other = store.start_run("other-library", "full")
    store.store_page("other-library", other, [record("x")], [], None)
    store_once(store, [record("03", "Changed")])

    streamed = list(store.iter_records(LIBRARY, batch=3))

    assert [stored.local_id for stored in streamed][-1] == "03"
    assert len(streamed) == 10
    seqs = [stored.change_seq for stored in streamed]
    assert seqs == sorted(seqs)
    everything = list(store.iter_records(batch=4))
    assert len(everything) == 11
    later = list(store.iter_records(since_seq=seqs[-2]))
    assert [(stored.library, stored.local_id) for stored in later] == [
        ("other-library", "x"), (LIBRARY, "03")
    ]


def test_datetimes_come_back_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    store_once(store, [record("1", datestamp=datetime(2024, 3, 1, 9, 30, tzinfo=paris))])

    stored = store.get_record(LIBRARY, "1")

    assert stored is not None
    assert stored.datestamp == DATESTAMP
    assert stored.datestamp is not None and stored.datestamp.utcoffset() == timedelta(0)


# Opening the store


def test_unreachable_postgresql_is_a_store_error_without_the_password() -> None:
    store = Store("postgresql://librarian:s3cret-pw@127.0.0.1:1/catalogue")

    with pytest.raises(StoreError) as raised:
        store.create_schema()

    message = str(raised.value)
    assert "s3cret-pw" not in message
    assert "postgresql+psycopg://librarian:***@127.0.0.1:1/catalogue" in message
    store.close()


def test_a_bad_url_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        Store("postgresql://librarian:s3cret-pw@127.0.0.1:notaport/catalogue")

    assert "s3cret-pw" not in str(raised.value)


def test_sqlite_store_creates_its_directory(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'deep' / 'var' / 'store.db'}")
    store.create_schema()
    store.create_schema()  # idempotent

    assert (tmp_path / "deep" / "var" / "store.db").exists()
    assert store.live_count(LIBRARY) == 0
    store.close()


def test_a_store_without_schema_says_so(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")

    with pytest.raises(StoreError):
        store.live_count(LIBRARY)
    store.close()
