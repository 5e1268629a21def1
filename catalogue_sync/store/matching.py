"""What the merge reads and keeps per source record: its fields, match profile and keys.

The merge reads source records without their raw bytes (it never needs them), and keeps for
each live record its match profile (JSON) and the blocking keys it is found under; a record
deleted at the source loses both. Records are named by ``(library, local_id)`` pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from catalogue_sync.models import NormalizedRecord
from catalogue_sync.store.records import normalized_record
from catalogue_sync.store.schema import dialect_insert, match_keys, match_profiles, source_records

RecordKey = tuple[str, str]
"""A source record: (library, local id)."""

PAIR_CHUNK = 400
"""Most records named in one statement: two parameters each, well under SQLite's limit."""

# Everything the merge needs of a source record: all but the raw bytes.
_SOURCE_COLUMNS = [column for column in source_records.c
                   if column.name not in ("data", "raw_format", "checksum")]
# What a match profile is computed from: holdings and subjects never change a record's keys,
# and decoding them is most of the cost of reading a record.
_PROFILE_COLUMNS = [*(column for column in _SOURCE_COLUMNS
                      if column.name not in ("items", "subjects")),
                    sa.null().label("items"), sa.null().label("subjects")]


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source record as the merge sees it: live or deleted, and its normalized fields."""

    library: str
    local_id: str
    deleted: bool
    change_seq: int
    normalized: NormalizedRecord

    @property
    def key(self) -> RecordKey:
        return (self.library, self.local_id)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """What to store for one live record: its profile, work key and blocking keys."""

    library: str
    local_id: str
    profile: dict[str, Any]
    work: str
    keys: list[str]


def pair_chunks(keys: Iterable[RecordKey]) -> Iterator[list[RecordKey]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), PAIR_CHUNK):
        yield ordered[start : start + PAIR_CHUNK]


def is_one_of(connection: sa.Connection, library: sa.ColumnElement[Any],
              local_id: sa.ColumnElement[Any], keys: Sequence[RecordKey]
              ) -> sa.ColumnElement[bool]:
    """``(library, local_id) IN keys``.

    PostgreSQL plans a long list of row values as one OR branch per pair; two arrays
    unnested in a subquery are planned and run in a third of the time. SQLite scans the
    whole table for row values; ``library = ? AND local_id IN (...)`` per library searches
    the index instead, some thirty times faster for a few hundred records.
    """
    pair = sa.tuple_(library, local_id)
    if not keys:
        return sa.false()
    if connection.dialect.name != "postgresql":
        by_library: dict[str, list[str]] = defaultdict(list)
        for one, record in keys:
            by_library[one].append(record)
        return sa.or_(*(sa.and_(library == one, local_id.in_(records))
                        for one, records in by_library.items()))
    arrays = [sa.bindparam(name, [key[n] for key in keys], type_=postgresql.ARRAY(sa.Text),
                           unique=True) for n, name in enumerate(("libraries", "local_ids"))]
    return pair.in_(sa.select(*(sa.func.unnest(array) for array in arrays)))


def _is_one_of(connection: sa.Connection, table: sa.Table, keys: Sequence[RecordKey]
               ) -> sa.ColumnElement[bool]:
    return is_one_of(connection, table.c.library, table.c.local_id, keys)


def _source(row: sa.Row[Any]) -> SourceState:
    return SourceState(row.library, row.local_id, bool(row.deleted), int(row.change_seq),
                       normalized_record(row))


def read_changes(connection: sa.Connection, after_seq: int, limit: int,
                 up_to: int | None = None, *, for_profiles: bool = False
                 ) -> list[SourceState]:
    """Up to ``limit`` source records changed after ``after_seq`` (and at ``up_to`` or
    before), in change order; ``for_profiles``: without their holdings and subjects."""
    query = sa.select(*(_PROFILE_COLUMNS if for_profiles else _SOURCE_COLUMNS))
    query = _changed(query, after_seq, limit, up_to)
    return [_source(row) for row in connection.execute(query)]


def read_changed_keys(connection: sa.Connection, after_seq: int, limit: int, up_to: int
                      ) -> list[tuple[RecordKey, int]]:
    """The records ``read_changes`` would return, and their change numbers only."""
    table = source_records.c
    query = _changed(sa.select(table.library, table.local_id, table.change_seq),
                     after_seq, limit, up_to)
    return [((row.library, row.local_id), int(row.change_seq))
            for row in connection.execute(query)]


def _changed(query: sa.Select[Any], after_seq: int, limit: int, up_to: int | None
             ) -> sa.Select[Any]:
    table = source_records.c
    query = query.where(table.change_seq > after_seq)
    if up_to is not None:
        query = query.where(table.change_seq <= up_to)
    return query.order_by(table.change_seq).limit(limit)


def read_sources(connection: sa.Connection, keys: Iterable[RecordKey]) -> dict[RecordKey,
                                                                               SourceState]:
    """The named source records that exist, deleted or not."""
    found: dict[RecordKey, SourceState] = {}
    for part in pair_chunks(keys):
        query = sa.select(*_SOURCE_COLUMNS).where(_is_one_of(connection, source_records, part))
        found.update((state.key, state) for state in map(_source, connection.execute(query)))
    return found


def last_change(connection: sa.Connection) -> int:
    """The highest change number handed out to a source record (0 for an empty store)."""
    query = sa.select(sa.func.max(source_records.c.change_seq))
    return int(connection.execute(query).scalar_one() or 0)


# Profiles and keys


def load_profiles(connection: sa.Connection, keys: Iterable[RecordKey]
                  ) -> dict[RecordKey, dict[str, Any]]:
    """The stored profiles of the named records that have one (live, merged at least once)."""
    table = match_profiles.c
    found: dict[RecordKey, dict[str, Any]] = {}
    for part in pair_chunks(keys):
        query = sa.select(table.library, table.local_id, table.profile).where(
            _is_one_of(connection, match_profiles, part))
        found.update(((row.library, row.local_id), row.profile)
                     for row in connection.execute(query))
    return found


def save_profiles(connection: sa.Connection, rows: Sequence[ProfileRow], *,
                  fresh: bool = False) -> None:
    """Store the profiles and replace the blocking keys of these records (``fresh``: they
    have none, every key was cleared)."""
    if not rows:
        return
    if not fresh:
        drop_keys(connection, [(row.library, row.local_id) for row in rows])
    insert = dialect_insert(connection, match_profiles)
    upsert = insert.on_conflict_do_update(
        index_elements=["library", "local_id"],
        set_={"profile": insert.excluded.profile, "work": insert.excluded.work})
    connection.execute(upsert, [{"library": row.library, "local_id": row.local_id,
                                 "profile": row.profile, "work": row.work} for row in rows])
    keys = [{"key": key, "library": row.library, "local_id": row.local_id}
            for row in rows for key in dict.fromkeys(row.keys)]
    if keys:
        connection.execute(sa.insert(match_keys), keys)


def drop_keys(connection: sa.Connection, keys: Iterable[RecordKey]) -> None:
    for part in pair_chunks(keys):
        connection.execute(sa.delete(match_keys).where(_is_one_of(connection, match_keys, part)))


def drop_profiles(connection: sa.Connection, keys: Sequence[RecordKey]) -> None:
    """Forget the profiles and keys of records deleted at their source."""
    drop_keys(connection, keys)
    for part in pair_chunks(keys):
        connection.execute(sa.delete(match_profiles).where(
            _is_one_of(connection, match_profiles, part)))


def clear_profiles(connection: sa.Connection) -> None:
    """Forget every profile and key (a full rebuild computes them all again)."""
    connection.execute(sa.delete(match_keys))
    connection.execute(sa.delete(match_profiles))


def shared_keys(connection: sa.Connection, cap: int) -> Iterator[tuple[str, RecordKey,
                                                                       dict[str, Any]]]:
    """(key, record, profile) for every blocking key that 2 to ``cap`` records share,
    grouped by key: the only places where two records can match."""
    keys, profiles = match_keys.c, match_profiles.c
    shared = (sa.select(keys.key).group_by(keys.key)
              .having(sa.func.count().between(2, cap)))
    query = (sa.select(keys.key, keys.library, keys.local_id, profiles.profile)
             .join(match_profiles, sa.and_(profiles.library == keys.library,
                                           profiles.local_id == keys.local_id))
             .where(keys.key.in_(shared)).order_by(keys.key))
    rows = connection.execution_options(yield_per=2000).execute(query)
    for row in rows:
        yield row.key, (row.library, row.local_id), row.profile


def keys_over(connection: sa.Connection, cap: int) -> dict[str, int]:
    """The blocking keys shared by more than ``cap`` records, and by how many."""
    table = match_keys.c
    query = (sa.select(table.key, sa.func.count()).group_by(table.key)
             .having(sa.func.count() > cap))
    return {key: int(count) for key, count in connection.execute(query)}


def key_counts(connection: sa.Connection, keys: Iterable[str]) -> dict[str, int]:
    """How many records each blocking key is shared by (keys nobody has are left out)."""
    table = match_keys.c
    counts: dict[str, int] = {}
    for part in _text_chunks(keys):
        query = (sa.select(table.key, sa.func.count()).where(table.key.in_(part))
                 .group_by(table.key))
        counts.update((key, int(count)) for key, count in connection.execute(query))
    return counts


def key_members(connection: sa.Connection, keys: Iterable[str]) -> dict[str, list[RecordKey]]:
    """The records found under each blocking key."""
    table = match_keys.c
    members: dict[str, list[RecordKey]] = defaultdict(list)
    for part in _text_chunks(keys):
        query = sa.select(table.key, table.library, table.local_id).where(table.key.in_(part))
        for row in connection.execute(query):
            members[row.key].append((row.library, row.local_id))
    return dict(members)


def _text_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), PAIR_CHUNK * 2):
        yield ordered[start : start + PAIR_CHUNK * 2]
