"""Usage reports: requests and distinct sessions per resource, library, patron category,
commune or département, or for the whole network, by day, by month or over the whole
range, with every cell of too few sessions suppressed.

Total requests are usage events; unique requests are distinct session hashes in the cell
(COUNTER R5's Unique_Item_Requests, with our session standing for COUNTER's user-session).
The database groups by hour, key and session; days and months are made here, in Python, so
that the same query runs on SQLite and PostgreSQL and distinct sessions are counted over the
whole day or month, not summed over its hours (one session over two hours is one).
Territories and the whole network are made the same way: the query groups by library, and
each library is put in its commune, its département or the network here, so that a session
that used two libraries of one commune is one session of that commune.

Days and months are UTC, as the events' hours are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args

import sqlalchemy as sa

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.stats.territory import territory_of
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events

By = Literal["resource", "library", "category", "commune", "departement", "network"]
Period = Literal["day", "month", "total"]
"""``total``: one cell per key over the whole range (COUNTER's granularity Totals)."""
NETWORK_KEY = "network"
"""The one key of a report ``by="network"``."""
FIRST_YEAR, LAST_YEAR = 1970, 9998
DEFAULT_THRESHOLD = 5
"""Cells with fewer distinct sessions than this are suppressed: small counts can point at a
patron (the one reader of a title in a small library)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One cell: a period, a key; its numbers are None when suppressed."""

    period: str
    key: str
    total: int | None
    unique: int | None

    @property
    def suppressed(self) -> bool:
        return self.total is None


@dataclass(frozen=True, slots=True)
class Report:
    """A usage report; ``rows`` sorted by period then key."""

    by: By
    period: Period
    start: date
    end: date
    threshold: int
    created: datetime
    rows: list[Row] = field(default_factory=list)

    def shown_total(self) -> int:
        """Requests over the shown cells only.

        A total over every cell would give the suppressed cells away: total minus the shown
        cells is what was hidden. Unique sessions are not summed at all: one session that
        opened two resources is one, so a sum of uniques would be wrong, and a true count
        over all cells would again leak the hidden ones."""
        return sum(row.total for row in self.rows if row.total is not None)

    @property
    def suppressed_count(self) -> int:
        return sum(1 for row in self.rows if row.suppressed)


def usage_report(store: Store, *, by: By = "resource", period: Period = "month",
                 start: date, end: date, threshold: int = DEFAULT_THRESHOLD,
                 network: NetworkConfig | None = None) -> Report:
    """Requests and distinct sessions from ``start`` to ``end`` (both included).

    ``network`` places the libraries in their commune or département: a report by commune
    or by département needs it."""
    _check(by, period, start, end, threshold)
    column, key_of = _keys(by, network)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for hour, key, session, requests in _grouped(store, column, start, end):
        cell = (_bucket(hour, period, start, end), key_of(key))
        counts[cell] += requests
        sessions[cell].add(session)
    rows = [_row(cell, counts[cell], len(sessions[cell]), threshold) for cell in sorted(counts)]
    return Report(by, period, start, end, threshold, datetime.now(UTC), rows)


def _check(by: str, period: str, start: date, end: date, threshold: int) -> None:
    if by not in get_args(By):
        raise InvalidRequest(f"a usage report is by {', '.join(get_args(By))}, not {by!r}")
    if period not in get_args(Period):
        raise InvalidRequest(f"a usage report's period is day, month or total, not {period!r}")
    if end < start:
        raise InvalidRequest(f"the report ends ({end}) before it starts ({start})")
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:
        raise InvalidRequest(f"a usage report's dates are from {FIRST_YEAR} to {LAST_YEAR}, "
                             f"not {start} to {end}")
    if threshold < 1:
        raise InvalidRequest(f"the suppression threshold is at least 1 session, not {threshold}")


def _keys(by: By, network: NetworkConfig | None) -> tuple[str, Callable[[str], str]]:
    """The column the query groups by, and how its value becomes the report's key."""
    if by == "network":
        return "library", lambda _library: NETWORK_KEY
    if by == "commune" or by == "departement":
        if network is None:
            raise InvalidRequest(f"a report by {by} needs the network file, where the "
                                 "libraries' communes are")
        return "library", territory_of(network, by)
    return by, lambda key: key


def _grouped(store: Store, column: str, start: date, end: date
             ) -> list[tuple[datetime, str, str, int]]:
    key = usage_events.c[column]
    query = (sa.select(usage_events.c.hour, key, usage_events.c.session_hash, sa.func.count())
             .where(usage_events.c.hour >= _midnight(start),
                    usage_events.c.hour < _midnight(end + timedelta(days=1)))
             .group_by(usage_events.c.hour, key, usage_events.c.session_hash))
    with store.transaction(f"counting usage by {column} from {start} to {end}") as connection:
        return [(row[0], row[1], row[2], int(row[3])) for row in connection.execute(query)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _bucket(hour: datetime, period: Period, start: date, end: date) -> str:
    if period == "total":
        return f"{start.isoformat()}/{end.isoformat()}"  # an ISO 8601 interval
    hour = hour.astimezone(UTC)
    return hour.strftime("%Y-%m-%d" if period == "day" else "%Y-%m")


def _row(cell: tuple[str, str], total: int, unique: int, threshold: int) -> Row:
    if unique < threshold:
        return Row(cell[0], cell[1], None, None)
    return Row(cell[0], cell[1], total, unique)
