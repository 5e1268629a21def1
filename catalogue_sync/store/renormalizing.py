"""What renormalizing reads and writes: stale records (an older normalizer or other
settings of their library derived them, ``records.is_stale``), their new fields, the
quarantine entries of those that no longer parse, and each library's cursor.

The batch read is a keyset page in local id order after the cursor; the writes of a batch,
its cursor and its counts are one transaction (``catalogue_sync/renormalize.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.models import RawFormat
from catalogue_sync.store.records import (
    DERIVED_FIELDS,
    chunks,
    is_stale,
    lookup,
    set_change_seq,
)
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
    """A live stale record: its raw bytes and its stored fields."""

    local_id: str
    checksum: str
    data: bytes
    format: RawFormat
    version: int
    digest: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Derivation:
    """What records are derived with now: the normalizer's version and, for a library, the
    digest of its settings (``config.NormalizerSettings``; empty for a vendor package)."""

    version: int
    digest: str


@dataclass(frozen=True, slots=True)
class StaleTally:
    """A library's live stale records, and those of them found unreadable."""

    stale: int = 0
    unreadable: int = 0
    settings: int = 0
    """Of ``stale``, those the current version derived with other settings."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a library's renormalization stands: done up to ``after``, with its counts."""

    version: int
    digest: str
    after: str
    counts: dict[str, int]
    finished: bool


def _stale(now: Derivation) -> sa.ColumnElement[bool]:
    """``records.is_stale`` in SQL."""
    table = source_records.c
    return sa.or_(table.normalizer_version < now.version,
                  sa.and_(table.normalizer_version == now.version,
                          table.settings_digest != now.digest))


def read_stale(connection: sa.Connection, library: str, now: Derivation, after: str,
               limit: int) -> list[StaleRecord]:
    """Up to ``limit`` live records of ``library`` stale to ``now``, after the local id
    ``after``, in local id order."""
    table = source_records.c
    query = (
        sa.select(table.local_id, table.checksum, table.data, table.raw_format,
                  table.normalizer_version, table.settings_digest,
                  *(table[name] for name in DERIVED_FIELDS))
        .where(table.library == library, sa.not_(table.deleted), _stale(now),
               table.local_id > after)
        .order_by(table.local_id).limit(limit)
    )
    return [StaleRecord(row.local_id, row.checksum, bytes(row.data), RawFormat(row.raw_format),
                        row.normalizer_version, row.settings_digest,
                        {name: getattr(row, name) for name in DERIVED_FIELDS})
            for row in connection.execute(query)]


def still_stale(connection: sa.Connection, library: str, records: Sequence[StaleRecord]
                ) -> set[str]:
    """The records whose raw bytes, version and settings are still those read: a harvest may
    have stored the others again meanwhile, whose fields are then its own."""
    table = source_records.c
    read = {record.local_id: (record.checksum, record.version, record.digest)
            for record in records}
    rows = lookup(connection, library, list(read), [table.checksum, table.normalizer_version,
                                                    table.settings_digest, table.deleted])
    return {row.local_id for row in rows if not row.deleted and read[row.local_id] == (
        row.checksum, row.normalizer_version, row.settings_digest)}


def rewrite(connection: sa.Connection, library: str, first_seq: int, now: Derivation,
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
        .values(**values, normalizer_version=now.version, settings_digest=now.digest,
                change_seq=sa.bindparam("b_seq"))
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
    return Cursor(row.version, row.settings_digest, row.after, dict(row.counts),
                  row.finished_at is not None)


def start_cursor(connection: sa.Connection, library: str, to: Derivation,
                 counts: dict[str, int], now: datetime) -> None:
    """A new renormalization of ``library`` to ``to``, from its first record."""
    values = {"version": to.version, "settings_digest": to.digest, "after": "",
              "counts": counts, "started_at": now, "updated_at": now, "finished_at": None}
    insert = dialect_insert(connection, renormalize_state).values(library=library, **values)
    connection.execute(insert.on_conflict_do_update(index_elements=["library"], set_=values))


def save_cursor(connection: sa.Connection, library: str, after: str, counts: dict[str, int],
                now: datetime, *, finished: bool = False) -> None:
    connection.execute(
        sa.update(renormalize_state).where(renormalize_state.c.library == library)
        .values(after=after, counts=counts, updated_at=now,
                finished_at=now if finished else None))


def count_stale(connection: sa.Connection, now: Mapping[str, Derivation]
                ) -> dict[str, StaleTally]:
    """Per library of ``now`` (its id to what it derives with now): its live records stale
    to that, those of them it found unreadable (in quarantine, see ``ORIGIN``), and those
    stale by settings only.

    The records are counted per (library, version, digest), a handful of groups, and the
    groups judged by ``is_stale``: a digest differs per library, which no index serves.
    """
    table = source_records.c
    grouping = (table.library, table.normalizer_version, table.settings_digest)
    live = (sa.select(*grouping, sa.func.count())
            .where(table.library.in_(list(now)), sa.not_(table.deleted)).group_by(*grouping))
    unreadable = live.join_from(source_records, quarantine, sa.and_(
        quarantine.c.library == table.library, quarantine.c.local_id == table.local_id,
    )).where(quarantine.c.origin == ORIGIN)
    bad = {(library, version, digest): int(count)
           for library, version, digest, count in connection.execute(unreadable)}
    tallies: dict[str, StaleTally] = {}
    for library, version, digest, count in connection.execute(live):
        current = now[library]
        if not is_stale(version, digest, current.version, current.digest):
            continue
        found = bad.get((library, version, digest), 0)
        tally = tallies.get(library, StaleTally())
        tallies[library] = StaleTally(
            tally.stale + int(count) - found, tally.unreadable + found,
            tally.settings + (int(count) - found if version == current.version else 0))
    return tallies
