"""What the OAI-PMH provider reads: merged records in datestamp order, and the library sets.

A list is read a page at a time in (datestamp, id) order from the last record sent, so a
page costs one range scan of an index whatever the catalogue's size:
``ix_merged_records_updated_at`` for the whole catalogue, ``ix_oai_set_records_list`` for
one library's set. A record that changes while a harvester pages through a list moves to
its end, so it is sent again, never skipped.

A library's set is kept in ``oai_set_records``, which remembers the merged records that
*left* the set (the library's last record in it was deleted or moved to another merged
record), so that a harvester of the set is told: they are listed as deleted in that set.
``sync_sets`` brings it up to date from the merged records' ``change_seq``; the provider
calls it before any set list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.store.clusters import (
    MERGED_SEQ,
    MergedRecord,
    lock_counter,
    read_counter,
    set_counter,
)
from catalogue_sync.store.schema import (
    cluster_members,
    dialect_insert,
    merged_records,
    oai_set_records,
)

OAI_SETS_SEQ = "oai_sets_seq"
"""Counter: the last merged record change_seq that oai_set_records has taken in."""
SYNC_SPAN = 50_000
"""Change numbers taken in per transaction by ``sync_sets``."""
_MERGED_COLUMNS = tuple(merged_records.c)


@dataclass(frozen=True, slots=True)
class Window:
    """The datestamps a list asks for: ``start`` included, ``end`` excluded; None is open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """The last record a page sent: the next page starts after it."""

    datestamp: datetime
    id: str


@dataclass(frozen=True, slots=True)
class Listed:
    """A merged record as a list shows it: its datestamp there, and whether it is deleted
    there (a tombstone, or a record that left the set listed)."""

    merged: MergedRecord
    datestamp: datetime
    deleted: bool


def earliest_datestamp(connection: sa.Connection) -> datetime | None:
    """The oldest datestamp of any merged record, tombstones included."""
    query = sa.select(sa.func.min(merged_records.c.updated_at))
    earliest: datetime | None = connection.execute(query).scalar_one_or_none()
    return earliest


def count_listed(connection: sa.Connection, window: Window, library: str | None) -> int:
    """How many records the list holds (for completeListSize)."""
    stamp = _stamp_column(library)
    query = sa.select(sa.func.count()).select_from(stamp.table).where(
        *_window(stamp, window), *_in_set(library))
    return int(connection.execute(query).scalar_one())


def list_page(connection: sa.Connection, window: Window, library: str | None,
              after: Position | None, limit: int) -> list[Listed]:
    """Up to ``limit`` records of the list after ``after``, in (datestamp, id) order."""
    if library is None:
        return _catalogue_page(connection, window, after, limit)
    return _set_page(connection, window, library, after, limit)


def _catalogue_page(connection: sa.Connection, window: Window, after: Position | None,
                    limit: int) -> list[Listed]:
    table = merged_records.c
    query = (sa.select(merged_records)
             .where(*_window(table.updated_at, window),
                    *_after(table.updated_at, table.id, after))
             .order_by(table.updated_at, table.id).limit(limit))
    found = [MergedRecord(**row._asdict()) for row in connection.execute(query)]
    return [Listed(merged, merged.updated_at, merged.deleted) for merged in found]


def _set_page(connection: sa.Connection, window: Window, library: str,
              after: Position | None, limit: int) -> list[Listed]:
    sets = oai_set_records.c
    query = (sa.select(*_MERGED_COLUMNS, sets.present, sets.updated_at.label("set_stamp"))
             .join_from(oai_set_records, merged_records,
                        merged_records.c.id == sets.merged_id)
             .where(sets.library == library, *_window(sets.updated_at, window),
                    *_after(sets.updated_at, sets.merged_id, after))
             .order_by(sets.updated_at, sets.merged_id).limit(limit))
    return [_listed_in_set(row._mapping) for row in connection.execute(query)]


def _listed_in_set(row: Any) -> Listed:
    merged = MergedRecord(**{column.name: row[column] for column in _MERGED_COLUMNS})
    return Listed(merged, row["set_stamp"], merged.deleted or not row["present"])


def _stamp_column(library: str | None) -> sa.Column[Any]:
    return merged_records.c.updated_at if library is None else oai_set_records.c.updated_at


def _in_set(library: str | None) -> list[sa.ColumnElement[bool]]:
    return [] if library is None else [oai_set_records.c.library == library]


def _window(stamp: sa.ColumnElement[Any], window: Window) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if window.start is not None:
        conditions.append(stamp >= window.start)
    if window.end is not None:
        conditions.append(stamp < window.end)
    return conditions


def _after(stamp: sa.ColumnElement[Any], key: sa.ColumnElement[Any], after: Position | None
           ) -> list[sa.ColumnElement[bool]]:
    # (stamp, key) > (datestamp, id), spelt so that both databases scan the index from
    # ``datestamp`` on rather than filtering the whole table.
    if after is None:
        return []
    return [stamp >= after.datestamp,
            sa.or_(stamp > after.datestamp, key > after.id)]


# The set log


def sets_behind(connection: sa.Connection) -> bool:
    """Whether merged records changed since oai_set_records was last brought up to date."""
    return read_counter(connection, OAI_SETS_SEQ) < read_counter(connection, MERGED_SEQ)


def sync_sets(connection: sa.Connection, span: int = SYNC_SPAN) -> bool:
    """Take in the merged records of the next ``span`` change numbers (in a writing
    transaction); returns whether more remain.

    Done in the database, two statements a span: a record's libraries are read in the same
    statement as the record itself, so they describe one state even while a merge commits;
    the records that left a library are then those whose row says present but whose
    members no longer include one of that library.
    """
    done = lock_counter(connection, OAI_SETS_SEQ)
    latest = read_counter(connection, MERGED_SEQ)
    upto = min(done + span, latest)
    if upto <= done:
        return False
    merged, members, sets = merged_records.c, cluster_members.c, oai_set_records.c
    in_span = sa.and_(merged.change_seq > done, merged.change_seq <= upto)
    current = (sa.select(members.library, merged.id, sa.literal(True, sa.Boolean),
                         merged.updated_at).distinct()
               .join_from(merged_records, cluster_members, members.merged_id == merged.id)
               .where(in_span))
    insert = dialect_insert(connection, oai_set_records).from_select(
        ["library", "merged_id", "present", "updated_at"], current)
    connection.execute(insert.on_conflict_do_update(
        index_elements=["merged_id", "library"],
        set_={"present": insert.excluded.present, "updated_at": insert.excluded.updated_at},
        # Rows already as they should be are left alone: rewriting them costs as much as
        # writing them, and most records of a span keep their libraries.
        where=sa.or_(sets.present.is_distinct_from(insert.excluded.present),
                     sets.updated_at.is_distinct_from(insert.excluded.updated_at))))
    still_member = (sa.select(members.merged_id)
                    .where(members.merged_id == sets.merged_id, members.library == sets.library)
                    .exists())
    stamp = sa.select(merged.updated_at).where(merged.id == sets.merged_id).scalar_subquery()
    connection.execute(sa.update(oai_set_records)
                       .where(sets.present, sets.merged_id.in_(sa.select(merged.id)
                                                                .where(in_span)),
                              ~still_member)
                       .values(present=False, updated_at=stamp))
    set_counter(connection, OAI_SETS_SEQ, upto)
    return upto < latest


