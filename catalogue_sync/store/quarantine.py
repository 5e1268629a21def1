"""The quarantine: records that could not be used, kept with their raw bytes and reason.

Nothing is dropped silently: a record leaves the quarantine only when the same record is
later stored successfully, which means the library fixed it at the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.models import QuarantinedRecord, RawFormat
from catalogue_sync.store.records import chunks
from catalogue_sync.store.schema import quarantine
from catalogue_sync.store.types import IncomingProblem


def add_problems(
    connection: sa.Connection,
    library: str,
    run_id: int,
    problems: Sequence[IncomingProblem],
    now: datetime,
) -> int:
    """Quarantine a page's problems; returns how many."""
    if problems:
        rows = [_row(library, run_id, problem, now) for problem in problems]
        connection.execute(sa.insert(quarantine), rows)
    return len(problems)


def _row(library: str, run_id: int, problem: IncomingProblem, now: datetime) -> dict[str, Any]:
    return {
        "library": library,
        "local_id": problem.local_id,
        "reason": problem.reason,
        "origin": problem.origin,
        "data": problem.data,
        "format": RawFormat(problem.format).value,
        "run_id": run_id,
        "created_at": now,
    }


def release_fixed(connection: sa.Connection, library: str, local_ids: Sequence[str]) -> None:
    """Forget the quarantined versions of records that have now been stored."""
    # Most libraries have nothing in quarantine: one cheap probe spares a DELETE per page.
    if not local_ids or not _has_problems(connection, library):
        return
    for part in chunks(local_ids):
        connection.execute(
            sa.delete(quarantine).where(
                quarantine.c.library == library, quarantine.c.local_id.in_(part)
            )
        )


def clear(connection: sa.Connection, library: str) -> int:
    """Forget every quarantined record of a source whose list is read whole each time (a
    KBART list): its new problems replace them."""
    result = connection.execute(sa.delete(quarantine).where(quarantine.c.library == library))
    return int(result.rowcount)


def _has_problems(connection: sa.Connection, library: str) -> bool:
    query = sa.select(quarantine.c.id).where(quarantine.c.library == library).limit(1)
    return connection.execute(query).first() is not None


def list_problems(
    connection: sa.Connection, library: str | None, limit: int
) -> list[QuarantinedRecord]:
    """The newest quarantined records first."""
    query = sa.select(quarantine).order_by(quarantine.c.id.desc()).limit(limit)
    if library is not None:
        query = query.where(quarantine.c.library == library)
    return [_quarantined(row) for row in connection.execute(query)]


def get_problem(connection: sa.Connection, quarantine_id: int) -> QuarantinedRecord | None:
    row = connection.execute(sa.select(quarantine).where(quarantine.c.id == quarantine_id)).first()
    return None if row is None else _quarantined(row)


def count_by_library(connection: sa.Connection, libraries: Sequence[str]) -> dict[str, int]:
    query = (
        sa.select(quarantine.c.library, sa.func.count())
        .where(quarantine.c.library.in_(libraries))
        .group_by(quarantine.c.library)
    )
    return {library: int(count) for library, count in connection.execute(query)}


def _quarantined(row: sa.Row[Any]) -> QuarantinedRecord:
    return QuarantinedRecord(
        id=row.id,
        library=row.library,
        local_id=row.local_id,
        reason=row.reason,
        origin=row.origin,
        data=bytes(row.data),
        format=RawFormat(row.format),
        created_at=row.created_at,
    )
