"""What renormalizing reads and writes: records an older normalizer derived, their new
fields, the quarantine entries of those that no longer parse, and each library's cursor.

The batch read is a keyset page in local id order after the cursor; the writes of a batch,
its cursor and its counts are one transaction (``catalogue_sync/renormalize.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.models import RawFormat
from catalogue_sync.store.records import DERIVED_FIELDS, chunks, lookup, set_change_seq
from catalogue_sync.store.schema import (
    dialect_insert,
    quarantine,
    renormalize_state,
    source_records,
)
from catalogue_sync.store.types import IncomingProblem

ORIGIN = "the stored record, normalized again (catalogue-sync records renormalize)"
"""The origin of a quarantine entry renormalizing made; such entries are replaced by the
next renormalization's verdict on the same record."""


@dataclass(frozen=True, slots=True)
class StaleRecord:
    """A live record an older normalizer derived: its raw bytes and its stored fields."""

    local_id: str
    checksum: str
    data: bytes
    format: RawFormat
    version: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a library's renormalization stands: done up to ``after``, with its counts."""

    version: int
    after: str
    counts: dict[str, int]
    finished: bool


def read_stale(connection: sa.Connection, library: str, version: int, after: str,
               limit: int) -> list[StaleRecord]:
    """Up to ``limit`` live records of ``library`` derived before ``version``, after the
    local id ``after``, in local id order."""
    table = source_records.c
    query = (
        sa.select(table.local_id, table.checksum, table.data, table.raw_format,
                  table.normalizer_version, *(table[name] for name in DERIVED_FIELDS))
        .where(table.library == library, sa.not_(table.deleted),
               table.normalizer_version < version, table.local_id > after)
        .order_by(table.local_id).limit(limit)
    )
    return [StaleRecord(row.local_id, row.checksum, bytes(row.data), RawFormat(row.raw_format),
                        row.normalizer_version, {name: getattr(row, name) for name in
                                                 DERIVED_FIELDS})
            for row in connection.execute(query)]


def still_stale(connection: sa.Connection, library: str, records: Sequence[StaleRecord]
                ) -> set[str]:
    """The records whose raw bytes and version are still those read: a harvest may have
    stored a new version of the others meanwhile, whose fields are then its own."""
    table = source_records.c
    read = {record.local_id: (record.checksum, record.version) for record in records}
    rows = lookup(connection, library, list(read),
                  [table.checksum, table.normalizer_version, table.deleted])
    return {row.local_id for row in rows
            if not row.deleted and read[row.local_id] == (row.checksum, row.normalizer_version)}


def rewrite(connection: sa.Connection, library: str, first_seq: int, version: int,
            rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Store new fields, each record with a change number from ``first_seq`` on (the next
    merge re-merges them); the counter must be locked (``lock_change_seq``)."""
    if not rows:
        return
    table = source_records.c
    values: dict[str, Any] = {name: sa.bindparam(f"b_{name}", type_=table[name].type)
                              for name in DERIVED_FIELDS}
    update = (
        sa.update(source_records)
        .where(table.library == library, table.local_id == sa.bindparam("b_local_id"))
        .values(**values, normalizer_version=version, change_seq=sa.bindparam("b_seq"))
    )
    params = [{"b_local_id": local_id, "b_seq": seq,
               **{f"b_{name}": fields[name] for name in DERIVED_FIELDS}}
              for seq, (local_id, fields) in enumerate(rows, start=first_seq)]
    connection.execute(update, params)
    set_change_seq(connection, first_seq + len(rows) - 1)


def replace_problems(connection: sa.Connection, library: str, local_ids: Sequence[str],
                     problems: Sequence[IncomingProblem], now: datetime) -> None:
    """Forget the entries earlier renormalizations made for these records, then quarantine
    ``problems`` (those of them that no longer parse)."""
    for part in chunks(local_ids):
        connection.execute(sa.delete(quarantine).where(
            quarantine.c.library == library, quarantine.c.local_id.in_(part),
            quarantine.c.origin == ORIGIN))
    if problems:
        connection.execute(sa.insert(quarantine), [
            {"library": library, "local_id": problem.local_id, "reason": problem.reason,
             "origin": ORIGIN, "data": problem.data, "format": problem.format.value,
             "run_id": None, "created_at": now}
            for problem in problems])


def read_cursor(connection: sa.Connection, library: str) -> Cursor | None:
    row = connection.execute(
        sa.select(renormalize_state).where(renormalize_state.c.library == library)).first()
    if row is None:
        return None
    return Cursor(row.version, row.after, dict(row.counts), row.finished_at is not None)


def start_cursor(connection: sa.Connection, library: str, version: int, counts: dict[str, int],
                 now: datetime) -> None:
    """A new renormalization of ``library`` to ``version``, from its first record."""
    values = {"version": version, "after": "", "counts": counts, "started_at": now,
              "updated_at": now, "finished_at": None}
    insert = dialect_insert(connection, renormalize_state).values(library=library, **values)
    connection.execute(insert.on_conflict_do_update(index_elements=["library"], set_=values))


def save_cursor(connection: sa.Connection, library: str, after: str, counts: dict[str, int],
                now: datetime, *, finished: bool = False) -> None:
    connection.execute(
        sa.update(renormalize_state).where(renormalize_state.c.library == library)
        .values(after=after, counts=counts, updated_at=now,
                finished_at=now if finished else None))


def count_stale(connection: sa.Connection, libraries: Sequence[str], version: int
                ) -> dict[str, tuple[int, int]]:
    """Per library: live records derived before ``version`` that renormalizing would read,
    and those of them it found unreadable (in quarantine, see ``ORIGIN``)."""
    table = source_records.c
    unreadable = sa.exists().where(
        quarantine.c.library == table.library, quarantine.c.local_id == table.local_id,
        quarantine.c.origin == ORIGIN)
    query = (
        sa.select(table.library, sa.func.count(),
                  sa.func.sum(sa.case((unreadable, 1), else_=0)))
        .where(table.normalizer_version < version, table.library.in_(libraries),
               sa.not_(table.deleted))
        .group_by(table.library)
    )
    return {library: (int(count) - int(bad or 0), int(bad or 0))
            for library, count, bad in connection.execute(query)}
