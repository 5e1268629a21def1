"""The dashboard's figures (catalogue_sync.dashboard) on real stores, SQLite and PostgreSQL,
filled by a real harvest of the sandbox and a real merge, then by more runs."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from catalogue_sync import dashboard
from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.models import RawFormat
from catalogue_sync.store import Store
from catalogue_sync.store.schema import cluster_members, source_records
from catalogue_sync.store.types import IncomingRecord, PageCounts, RunStatus
from catalogue_sync.store.vendors import add_usage

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def live_ids(store: Store, library: str) -> list[str]:
    with store.transaction("reading") as connection:
        return sorted(connection.execute(
            sa.select(source_records.c.local_id).where(
                source_records.c.library == library, sa.not_(source_records.c.deleted))
        ).scalars())


def copy_of(store: Store, library: str, local_id: str, new_id: str) -> IncomingRecord:
    """A record of the store again, under another id (a new record for the next run)."""
    stored = store.get_record(library, local_id)
    assert stored is not None
    normalized = dataclasses.replace(stored.normalized, local_id=new_id)
    return IncomingRecord(new_id, stored.datestamp, False, stored.data + new_id.encode(),
                          stored.format, normalized)


def run(store: Store, library: str, records: list[IncomingRecord], *, full: bool = False
        ) -> None:
    """One more harvest run of ``library``: these records; a full one deletes the rest."""
    run_id = store.start_run(library, "full" if full else "incremental")
    store.store_page(library, run_id, records, [], None)
    if full:
        store.delete_unseen(library, run_id)
    store.finish_run(library, run_id, next_since=None, counts=PageCounts())


def deletion(local_id: str) -> IncomingRecord:
    return IncomingRecord(local_id, None, True, b"", RawFormat.MARCXML, None)


def test_records_after_each_run_are_the_live_counts_of_that_time(
        store: Store, merged_network: NetworkConfig) -> None:
    library = sorted(merged_network.libraries)[0]
    ids = live_ids(store, library)
    seen = [store.live_count(library)]
    run(store, library, [deletion(ids[0]), deletion(ids[1]), copy_of(store, library, ids[2],
                                                                     "nouveau-1")])
    seen.append(store.live_count(library))
    run(store, library, [copy_of(store, library, ids[3], ids[0])])  # deleted, back again
    seen.append(store.live_count(library))
    kept = ids[5:25]
    run(store, library, [copy_of(store, library, ids[4], "nouveau-2")]
        + [copy_of(store, library, i, i) for i in kept], full=True)
    seen.append(store.live_count(library))
    assert seen == [len(ids), len(ids) - 1, len(ids), len(kept) + 1]
    history = dashboard.record_history(store, sorted(merged_network.libraries), LONG_AGO)
    assert [point.live for point in history[library]] == seen
    for source in merged_network.libraries:
        assert history[source][-1].live == store.live_count(source), source
    since = datetime.now(UTC) + timedelta(days=1)
    later = dashboard.record_history(store, [library], since)[library]
    assert [(p.at, p.live) for p in later] == [(since, seen[-1])]  # the runs before


def test_added_minus_deleted_misses_only_the_tombstones_of_records_never_held(
        store: Store, merged_network: NetworkConfig) -> None:
    """The sandbox's repositories list deleted records in a first full harvest: their
    tombstones count in ``deleted`` though they were never live (docs/dashboard.md)."""
    sources = sorted(merged_network.libraries)
    run(store, sources[0], [deletion("jamais-vu")])
    with store.transaction("reading") as connection:
        empty = dict(connection.execute(
            sa.select(source_records.c.library, sa.func.count())
            .where(source_records.c.deleted, source_records.c.data == b"")
            .group_by(source_records.c.library)).all())
    assert dashboard.unmatched(store, sources) == {s: empty.get(s, 0) for s in sources}
    assert empty[sources[0]] >= 1


def test_duplicate_rates_match_the_clusters(store: Store, merged_network: NetworkConfig
                                            ) -> None:
    sources = sorted(merged_network.libraries)
    rates = dashboard.duplicate_rates(store, sources)
    with store.transaction("reading") as connection:
        members = connection.execute(sa.select(cluster_members.c.library,
                                               cluster_members.c.merged_id)).all()
    libraries_of: dict[str, set[str]] = defaultdict(set)
    for library, merged_id in members:
        libraries_of[merged_id].add(library)
    for source in sources:
        shared = sum(1 for library, merged_id in members
                     if library == source and len(libraries_of[merged_id]) > 1)
        assert rates[source] == dashboard.DuplicateRate(store.live_count(source), shared)
    assert any(rate.shared for rate in rates.values())  # the sandbox's libraries overlap
    assert all(0 <= rate.rate <= 1 for rate in rates.values())


def test_the_overview_shows_counts_last_runs_and_next_harvests(
        store: Store, merged_network: NetworkConfig) -> None:
    first = sorted(merged_network.libraries)[0]
    scheduled = merged_network.model_copy(update={"libraries": {
        **merged_network.libraries,
        first: merged_network.libraries[first].model_copy(update={"schedule": "every 6h"})}})
    now = datetime(2026, 3, 12, 13, 5, tzinfo=UTC)
    rows = {row.source.id: row for row in dashboard.overview(store, scheduled, now)}
    assert set(rows) == set(merged_network.libraries)
    for source, row in rows.items():
        assert row.live == store.live_count(source)
        assert row.last_run is not None and row.last_run.status is RunStatus.OK
        assert row.last_run.id == store.runs(source, limit=1)[0].id
    assert rows[first].next_harvest == datetime(2026, 3, 12, 18, tzinfo=UTC)
    assert {row.next_harvest for source, row in rows.items() if source != first} == {None}


def test_usage_per_resource_lists_every_period_and_hides_small_cells(
        store: Store, merged_network: NetworkConfig) -> None:
    with store.transaction("adding usage", writes=True) as connection:
        for month, sessions in ((1, "abcdef"), (2, "abc"), (4, "abcde")):
            for session in sessions:
                add_usage(connection, hour=datetime(2026, month, 3, 10, tzinfo=UTC),
                          resource="films", library="lib", category="adult",
                          session_hash=session)
    usage = dashboard.resource_usage(store, merged_network, period="month",
                                     start=date(2026, 1, 1), end=date(2026, 4, 30))
    assert usage.periods == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [usage.total(period, "films") for period in usage.periods] == [6, None, 0, 5]
    assert usage.threshold == merged_network.statistics.threshold == 5


@pytest.mark.parametrize(("text", "message"), [
    ("2026-13-01", "YYYY-MM-DD"), ("hier", "YYYY-MM-DD"), ("1850-01-01", "century")])
def test_a_bad_date_is_an_invalid_request(text: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        dashboard.parse_day(text, "du")


def test_months_and_days_have_their_limits() -> None:
    assert dashboard.months_before(date(2026, 3, 12), 12) == date(2025, 4, 1)
    assert dashboard.months_before(date(2026, 3, 12), 1) == date(2026, 3, 1)
    with pytest.raises(InvalidRequest, match="1 to 36 months"):
        dashboard.months_before(date(2026, 3, 12), 0)
    assert dashboard.periods_between("day", date(2026, 2, 27), date(2026, 3, 1)) == [
        "2026-02-27", "2026-02-28", "2026-03-01"]
