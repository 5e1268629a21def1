"""What the librarians' dashboard shows, read from the store (no web framework here).

    sources(network)            the member libraries, then the vendors' KBART packages
    overview(store, ...)        per source: live and quarantined records, last run, next one
    record_history(store, ...)  per library: live records after each harvest run
    recent_runs(store, ...)     per source: its latest runs, with their durations
    duplicate_rates(store, ...) per source: the share of its live records merged with another's
    resource_usage(store, ...)  per digital resource and period: requests, small cells hidden

Record counts over time are rebuilt from the runs' own counts (``harvest_runs.counts``):
after each run, the total of ``added`` minus ``deleted`` over every run of the library so
far. That total misses the live count by the deletions of records the store never held
(``deleted`` counts their tombstones too, though nothing live went away): an OAI-PMH
repository that keeps its deletions lists them in a first full harvest. The history is
therefore anchored on the live count: each point is the total after its run plus that
difference, so the last point is the live count and the others are exact unless a later
run brought such tombstones. docs/dashboard.md says it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.online.sources import online_sources
from catalogue_sync.schedule import parse_schedule
from catalogue_sync.stats.report import Row, usage_report
from catalogue_sync.store import Store
from catalogue_sync.store.runs import run_summary
from catalogue_sync.store.schema import cluster_members, harvest_runs, source_records
from catalogue_sync.store.types import PageCounts, RunSummary

Period = Literal["day", "month"]
"""A usage chart's step."""
MAX_DAYS = 92
"""A daily usage chart covers at most this many days (a quarter)."""
MAX_MONTHS = 36
"""The longest history a chart goes back, in months."""


@dataclass(frozen=True, slots=True)
class Source:
    """A source of the union catalogue: a member library, or a vendor's KBART package."""

    id: str
    name: str
    package: bool = False
    enabled: bool = True
    schedule: str | None = None
    """When the harvester service harvests it (None: only when asked)."""


@dataclass(frozen=True, slots=True)
class SourceOverview:
    """One row of the network at a glance."""

    source: Source
    live: int
    quarantined: int
    last_run: RunSummary | None
    last_error: str | None
    next_harvest: datetime | None


@dataclass(frozen=True, slots=True)
class CountPoint:
    """A library's live records after one harvest run."""

    at: datetime
    live: int
    run_id: int


@dataclass(frozen=True, slots=True)
class DuplicateRate:
    """How many of a source's live records share their merged record with another source."""

    live: int
    shared: int

    @property
    def rate(self) -> float:
        return self.shared / self.live if self.live else 0.0


@dataclass(frozen=True, slots=True)
class Usage:
    """Usage per resource and period; every period of the range is listed, empty or not."""

    period: Period
    start: date
    end: date
    threshold: int
    periods: list[str]
    resources: list[str]
    cells: dict[tuple[str, str], Row]
    """(period, resource) -> its row; a cell absent had no event at all."""

    def total(self, period: str, resource: str) -> int | None:
        """Requests in a cell: 0 when nothing happened, None when suppressed."""
        row = self.cells.get((period, resource))
        return 0 if row is None else row.total


def duration(run: RunSummary) -> timedelta | None:
    """How long a finished run took."""
    return None if run.finished is None else run.finished - run.started


def sources(network: NetworkConfig) -> list[Source]:
    """The member libraries by name, then the vendors' packages by id."""
    libraries = sorted(network.libraries.values(), key=lambda lib: lib.name.casefold())
    found = [Source(lib.id, lib.name, enabled=lib.enabled, schedule=lib.schedule)
             for lib in libraries]
    return found + [Source(package.id, package.id, package=True)
                    for package in online_sources(network).values()]


def overview(store: Store, network: NetworkConfig, now: datetime) -> list[SourceOverview]:
    """Each source's figures from the store, and its next scheduled harvest after ``now``."""
    every = sources(network)
    statuses = {status.id: status for status in store.status([s.id for s in every])}
    last = last_runs(store, [s.id for s in every])
    return [SourceOverview(source, statuses[source.id].records,
                           statuses[source.id].quarantined, last.get(source.id),
                           statuses[source.id].last_error, next_harvest(source, now))
            for source in every]


def next_harvest(source: Source, now: datetime) -> datetime | None:
    if source.schedule is None or not source.enabled:
        return None
    return parse_schedule(source.schedule).next(now)


def last_runs(store: Store, ids: Sequence[str]) -> dict[str, RunSummary]:
    """Each source's latest run (the one running now, if any)."""
    latest = (sa.select(sa.func.max(harvest_runs.c.id))
              .where(harvest_runs.c.library.in_(ids)).group_by(harvest_runs.c.library))
    query = sa.select(harvest_runs).where(harvest_runs.c.id.in_(latest))
    with store.transaction("reading the latest runs") as connection:
        return {row.library: run_summary(row) for row in connection.execute(query)}


def recent_runs(store: Store, ids: Iterable[str], per_source: int = 5
                ) -> dict[str, list[RunSummary]]:
    """Each source's latest ``per_source`` runs, oldest first."""
    return {source: list(reversed(store.runs(source, limit=per_source))) for source in ids}


def record_history(store: Store, ids: Sequence[str], since: datetime
                   ) -> dict[str, list[CountPoint]]:
    """Live records of each source after each of its runs from ``since`` on (anchored on
    the live count, as the module says); the first point is at ``since``, with what the runs
    before had left, when there were runs before."""
    query = (sa.select(harvest_runs.c.id, harvest_runs.c.library, harvest_runs.c.counts,
                       harvest_runs.c.started_at, harvest_runs.c.finished_at)
             .where(harvest_runs.c.library.in_(ids)).order_by(harvest_runs.c.id))
    with store.transaction("reading the runs' counts") as connection:
        rows = connection.execute(query).all()
    offsets = {source: live - sum(_net(row.counts) for row in rows if row.library == source)
               for source, live in _live(store, ids).items()}
    history: dict[str, list[CountPoint]] = {source: [] for source in ids}
    totals: dict[str, int] = dict(offsets)
    for row in rows:
        totals[row.library] += _net(row.counts)
        point = CountPoint(row.finished_at or row.started_at, totals[row.library], row.id)
        _add_point(history[row.library], point, since)
    return history


def unmatched(store: Store, ids: Sequence[str]) -> dict[str, int]:
    """Per source, live records minus the runs' added minus deleted: the tombstones of
    records never held (0 when every change went through runs and none came so)."""
    query = sa.select(harvest_runs.c.library, harvest_runs.c.counts).where(
        harvest_runs.c.library.in_(ids))
    with store.transaction("reading the runs' counts") as connection:
        totals: dict[str, int] = defaultdict(int)
        for library, counts in connection.execute(query):
            totals[library] += _net(counts)
    return {source: live - totals[source] for source, live in _live(store, ids).items()}


def _live(store: Store, ids: Sequence[str]) -> dict[str, int]:
    return {status.id: status.records for status in store.status(list(ids))}


def _net(counts: dict[str, Any] | None) -> int:
    parsed = PageCounts.from_dict(counts)
    return parsed.added - parsed.deleted


def _add_point(points: list[CountPoint], point: CountPoint, since: datetime) -> None:
    """Keep the points from ``since`` on; the last one before stands at ``since``."""
    if point.at >= since:
        points.append(point)
    elif points:
        points[0] = CountPoint(since, point.live, point.run_id)
    else:
        points.append(CountPoint(since, point.live, point.run_id))


def duplicate_rates(store: Store, ids: Sequence[str]) -> dict[str, DuplicateRate]:
    """For each source, its live records and those whose merged record also holds a record
    of another source (tables cluster_members and source_records)."""
    mine, other = cluster_members.alias("mine"), cluster_members.alias("other")
    shared = sa.exists().where(other.c.merged_id == mine.c.merged_id,
                               other.c.library != mine.c.library)
    query = (sa.select(mine.c.library, sa.func.count())
             .join(source_records, sa.and_(source_records.c.library == mine.c.library,
                                           source_records.c.local_id == mine.c.local_id))
             .where(mine.c.library.in_(ids), sa.not_(source_records.c.deleted), shared)
             .group_by(mine.c.library))
    with store.transaction("counting shared records") as connection:
        counts = {library: int(count) for library, count in connection.execute(query)}
    live = _live(store, ids)
    return {source: DuplicateRate(live[source], counts.get(source, 0)) for source in ids}


def resource_usage(store: Store, network: NetworkConfig, *, period: Period, start: date,
                   end: date) -> Usage:
    """Requests per digital resource and period, cells of too few sessions suppressed
    (``[statistics] threshold``)."""
    if period == "day" and (end - start).days >= MAX_DAYS:
        raise InvalidRequest(f"a daily chart covers at most {MAX_DAYS} days, not "
                             f"{(end - start).days + 1} ({start} to {end})")
    threshold = network.statistics.threshold
    report = usage_report(store, by="resource", period=period, start=start, end=end,
                          threshold=threshold)
    cells = {(row.period, row.key): row for row in report.rows}
    resources = sorted({row.key for row in report.rows} | set(network.resources))
    return Usage(period, start, end, threshold, periods_between(period, start, end),
                 resources, cells)


def periods_between(period: Period, start: date, end: date) -> list[str]:
    """Every day or month from ``start`` to ``end``, as usage reports name them."""
    if period == "day":
        return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def months_before(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s."""
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidRequest(f"a chart goes back 1 to {MAX_MONTHS} months, not {months}")
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def parse_day(text: str, name: str) -> date:
    """A date written YYYY-MM-DD; InvalidRequest naming the field otherwise."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(f"{name}: a date is written YYYY-MM-DD, not {text[:40]!r}") from None
    if not 2000 <= day.year <= 2100:
        raise InvalidRequest(f"{name}: {day} is not a date of this dashboard's century")
    return day


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
