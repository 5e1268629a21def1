"""Harvest runs and each library's harvest state (high-water mark, resume cursor, errors).

A run interrupted (killed, or failed) keeps its id and the resume cursor saved with its last
stored page; the next harvest of the same mode continues that run, so records it saw before
the interruption still count as seen when a dump's absentees are marked deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.errors import StoreError
from catalogue_sync.store.schema import dialect_insert, harvest_runs, harvest_state
from catalogue_sync.store.types import HarvestState, PageCounts, RunStatus, RunSummary

INTERRUPTED = "interrupted and not resumed: a new run started"


def read_state(connection: sa.Connection, library: str) -> HarvestState:
    """The library's state; an empty one if it was never harvested."""
    row = connection.execute(
        sa.select(harvest_state).where(harvest_state.c.library == library)
    ).first()
    if row is None:
        return HarvestState(library, None, None, None, None, None)
    return HarvestState(
        library=library,
        since=row.since,
        resume=row.resume,
        run_id=row.run_id,
        last_harvest=row.last_harvest,
        last_error=row.last_error,
    )


def lock_state(connection: sa.Connection, library: str) -> HarvestState:
    """Create the library's state row if needed, lock it until commit, and read it."""
    insert = dialect_insert(connection, harvest_state).values(library=library)
    connection.execute(insert.on_conflict_do_nothing(index_elements=["library"]))
    # FOR UPDATE on PostgreSQL; on SQLite the insert above already holds the write lock.
    connection.execute(
        sa.select(harvest_state.c.library)
        .where(harvest_state.c.library == library)
        .with_for_update()
    )
    return read_state(connection, library)


def start_run(connection: sa.Connection, library: str, mode: str, now: datetime) -> int:
    """Open a new run, closing any unfinished one of the library as failed."""
    lock_state(connection, library)
    _close_unfinished(connection, library, now)
    run_id = connection.execute(
        sa.insert(harvest_runs)
        .values(library=library, mode=mode, status=RunStatus.RUNNING.value, started_at=now,
                counts=PageCounts().as_dict())
        .returning(harvest_runs.c.id)
    ).scalar_one()
    _update_state(connection, library, run_id=run_id, resume=None)
    return int(run_id)


def resume_or_start(
    connection: sa.Connection, library: str, mode: str, now: datetime
) -> tuple[int, dict[str, Any] | None]:
    """Continue the interrupted run of the same mode if it saved a cursor, else start one."""
    state = lock_state(connection, library)
    run_id, resume = state.run_id, state.resume
    if run_id is not None and resume is not None and _mode(connection, run_id) == mode:
        _set_run(connection, library, run_id, status=RunStatus.RUNNING,
                 finished_at=None, error=None)
        return run_id, resume
    return start_run(connection, library, mode, now), None


def _mode(connection: sa.Connection, run_id: int) -> str | None:
    query = sa.select(harvest_runs.c.mode).where(harvest_runs.c.id == run_id)
    return connection.execute(query).scalar_one_or_none()


def _close_unfinished(connection: sa.Connection, library: str, now: datetime) -> None:
    connection.execute(
        sa.update(harvest_runs)
        .where(harvest_runs.c.library == library,
               harvest_runs.c.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.FAILED.value, finished_at=now, error=INTERRUPTED)
    )


def save_cursor(
    connection: sa.Connection, library: str, run_id: int, resume: dict[str, Any] | None
) -> None:
    _update_state(connection, library, run_id=run_id, resume=resume)


def add_counts(connection: sa.Connection, library: str, run_id: int, counts: PageCounts) -> None:
    """Add a page's counts to the run's totals, which thus survive a kill."""
    row = connection.execute(
        sa.select(harvest_runs.c.counts)
        .where(harvest_runs.c.id == run_id, harvest_runs.c.library == library)
        .with_for_update()
    ).first()
    if row is None:
        raise StoreError(f"[{library}] no harvest run {run_id} for this library")
    total = PageCounts.from_dict(row.counts) + counts
    _set_run(connection, library, run_id, counts=total.as_dict())


def finish(connection: sa.Connection, library: str, run_id: int, *, next_since: str | None,
           now: datetime) -> None:
    """Close the run as successful and move the library's high-water mark."""
    _set_run(connection, library, run_id, status=RunStatus.OK, finished_at=now, error=None)
    values: dict[str, Any] = {"resume": None, "run_id": None, "last_harvest": now,
                              "last_error": None}
    if next_since is not None:
        values["since"] = next_since
    _update_state(connection, library, **values)


def fail(connection: sa.Connection, library: str, run_id: int, error: str, now: datetime) -> None:
    """Close the run as failed; its resume cursor stays for the next harvest to continue."""
    _set_run(connection, library, run_id, status=RunStatus.FAILED, finished_at=now, error=error)
    _update_state(connection, library, last_error=error)


def _set_run(connection: sa.Connection, library: str, run_id: int, **values: Any) -> None:
    result = connection.execute(
        sa.update(harvest_runs)
        .where(harvest_runs.c.id == run_id, harvest_runs.c.library == library)
        .values(**values)
    )
    if result.rowcount == 0:
        raise StoreError(f"[{library}] no harvest run {run_id} for this library")


def _update_state(connection: sa.Connection, library: str, **values: Any) -> None:
    connection.execute(
        sa.update(harvest_state).where(harvest_state.c.library == library).values(**values)
    )


def list_runs(connection: sa.Connection, library: str | None, limit: int) -> list[RunSummary]:
    """The newest runs first."""
    query = sa.select(harvest_runs).order_by(harvest_runs.c.id.desc()).limit(limit)
    if library is not None:
        query = query.where(harvest_runs.c.library == library)
    return [run_summary(row) for row in connection.execute(query)]


def run_summary(row: sa.Row[Any]) -> RunSummary:
    """A row of harvest_runs as a RunSummary."""
    return RunSummary(
        id=row.id,
        library=row.library,
        mode=row.mode,
        status=RunStatus(row.status),
        started=row.started_at,
        finished=row.finished_at,
        counts=PageCounts.from_dict(row.counts),
        error=row.error,
    )


def last_run_statuses(connection: sa.Connection, libraries: Sequence[str]) -> dict[str, RunStatus]:
    latest = (
        sa.select(sa.func.max(harvest_runs.c.id))
        .where(harvest_runs.c.library.in_(libraries))
        .group_by(harvest_runs.c.library)
    )
    query = sa.select(harvest_runs.c.library, harvest_runs.c.status).where(
        harvest_runs.c.id.in_(latest)
    )
    return {library: RunStatus(status) for library, status in connection.execute(query)}


def states(connection: sa.Connection, libraries: Sequence[str]) -> dict[str, HarvestState]:
    return {library: read_state(connection, library) for library in libraries}


def totals(connection: sa.Connection) -> dict[tuple[str, RunStatus], tuple[int, PageCounts]]:
    """Per library and run status: how many runs, and their counts added up."""
    sums: dict[tuple[str, RunStatus], tuple[int, PageCounts]] = {}
    query = sa.select(harvest_runs.c.library, harvest_runs.c.status, harvest_runs.c.counts)
    for library, status, counts in connection.execute(query):
        key = (library, RunStatus(status))
        runs, total = sums.get(key, (0, PageCounts()))
        sums[key] = (runs + 1, total + PageCounts.from_dict(counts))
    return sums
