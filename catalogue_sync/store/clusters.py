"""The union catalogue's tables: merged records, their members, librarians' corrections.

Every merged record ever handed out keeps its row: one that no longer holds any record is a
tombstone (``deleted``) whose ``replaced_by`` names where its records went, so a link to it
can be redirected. ``change_seq`` numbers the union catalogue's changes, as the source
records' own do, for the search index and the OAI provider.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.store.matching import RecordKey, is_one_of, pair_chunks
from catalogue_sync.store.schema import (
    cluster_members,
    counters,
    dialect_insert,
    merge_corrections,
    merged_records,
)

MERGE_WATERMARK = "merge_watermark"
"""Counter: the last source change_seq the merge has processed."""
MERGED_SEQ = "merged_seq"
"""Counter: hands out merged records' change_seq."""
MERGE_SETTINGS = "merge_settings"
"""Counter: a fingerprint of the [merge] settings the clusters were built with."""


@dataclass(frozen=True, slots=True)
class MergedRecord:
    """One record of the union catalogue, or the tombstone of one."""

    id: str
    work: str
    deleted: bool
    replaced_by: str | None
    display: dict[str, Any] | None
    member_count: int
    change_seq: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ClusterMember:
    """A source record in a merged record, and the edge that joined it (rule, reason, to whom).

    The display record's own source has no link: ``linked_library`` is None.
    """

    library: str
    local_id: str
    merged_id: str
    component: str
    rule: str
    reason: str
    linked_library: str | None
    linked_record: str | None


@dataclass(frozen=True, slots=True)
class Correction:
    """A librarian's split (one record stands alone) or join (two records are one)."""

    id: int
    kind: str
    library: str
    local_id: str
    other_library: str | None
    other_local_id: str | None
    created_at: datetime


# Counters


def lock_counter(connection: sa.Connection, name: str) -> int:
    """Create the counter if needed, lock it until commit, and return its value."""
    insert = dialect_insert(connection, counters).values(name=name, value=0)
    connection.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
    query = (sa.update(counters).where(counters.c.name == name)
             .values(value=counters.c.value).returning(counters.c.value))
    return int(connection.execute(query).scalar_one())


def read_counter(connection: sa.Connection, name: str) -> int:
    query = sa.select(counters.c.value).where(counters.c.name == name)
    return int(connection.execute(query).scalar_one_or_none() or 0)


def set_counter(connection: sa.Connection, name: str, value: int) -> None:
    connection.execute(sa.update(counters).where(counters.c.name == name).values(value=value))


# Members


def clusters_of(connection: sa.Connection, keys: Iterable[RecordKey]) -> dict[RecordKey, str]:
    """The merged id of each named record that is in a cluster."""
    table = cluster_members.c
    found: dict[RecordKey, str] = {}
    for part in pair_chunks(keys):
        query = sa.select(table.library, table.local_id, table.merged_id).where(
            is_one_of(connection, table.library, table.local_id, part))
        found.update(((row.library, row.local_id), row.merged_id)
                     for row in connection.execute(query))
    return found


def component_members(connection: sa.Connection, keys: Iterable[RecordKey]
                      ) -> dict[RecordKey, ClusterMember]:
    """Every member of the components the named records are in."""
    table = cluster_members.c
    components: set[str] = set()
    for part in pair_chunks(keys):
        query = sa.select(table.component).where(
            is_one_of(connection, table.library, table.local_id, part))
        components.update(connection.execute(query).scalars())
    found: dict[RecordKey, ClusterMember] = {}
    for names in _chunks(components):
        query = sa.select(cluster_members).where(table.component.in_(names))
        found.update(((row.library, row.local_id), ClusterMember(**row._asdict()))
                     for row in connection.execute(query))
    return found


def members_of(connection: sa.Connection, merged_ids: Iterable[str]
               ) -> dict[str, list[RecordKey]]:
    """The records of each named merged record (live ones only have members)."""
    table = cluster_members.c
    found: dict[str, list[RecordKey]] = defaultdict(list)
    for part in _chunks(merged_ids):
        query = sa.select(table.library, table.local_id, table.merged_id).where(
            table.merged_id.in_(part))
        for row in connection.execute(query):
            found[row.merged_id].append((row.library, row.local_id))
    return dict(found)


def member_rows(connection: sa.Connection, merged_id: str) -> list[ClusterMember]:
    """The members of one merged record, with the edge that joined each."""
    table = cluster_members.c
    query = (sa.select(cluster_members).where(table.merged_id == merged_id)
             .order_by(table.library, table.local_id))
    return [ClusterMember(**row._asdict()) for row in connection.execute(query)]


def replace_members(connection: sa.Connection, remove: Iterable[RecordKey],
                    rows: Sequence[ClusterMember]) -> None:
    """Take ``remove`` out of their clusters, then write the new memberships."""
    table = cluster_members.c
    for part in pair_chunks(remove):
        connection.execute(sa.delete(cluster_members).where(
            is_one_of(connection, table.library, table.local_id, part)))
    if rows:
        connection.execute(sa.insert(cluster_members),
                           [{"library": row.library, "local_id": row.local_id,
                             "merged_id": row.merged_id, "component": row.component,
                             "rule": row.rule,
                             "reason": row.reason, "linked_library": row.linked_library,
                             "linked_record": row.linked_record} for row in rows])


# Merged records


def read_merged(connection: sa.Connection, merged_ids: Iterable[str]) -> dict[str, MergedRecord]:
    found: dict[str, MergedRecord] = {}
    for part in _chunks(merged_ids):
        query = sa.select(merged_records).where(merged_records.c.id.in_(part))
        found.update((row.id, MergedRecord(**row._asdict())) for row in connection.execute(query))
    return found


def write_merged(connection: sa.Connection, rows: Sequence[MergedRecord]) -> None:
    """Insert or replace merged records (new ones, changed ones and new tombstones)."""
    if not rows:
        return
    insert = dialect_insert(connection, merged_records)
    names = [column.name for column in merged_records.c if column.name != "id"]
    upsert = insert.on_conflict_do_update(
        index_elements=["id"], set_={name: insert.excluded[name] for name in names})
    connection.execute(upsert, [_merged_values(row) for row in rows])


def _merged_values(row: MergedRecord) -> dict[str, Any]:
    return {"id": row.id, "work": row.work, "deleted": row.deleted,
            "replaced_by": row.replaced_by, "display": row.display,
            "member_count": row.member_count, "change_seq": row.change_seq,
            "updated_at": row.updated_at}


def live_page(connection: sa.Connection, after: str, limit: int) -> list[MergedRecord]:
    """Up to ``limit`` live merged records whose id sorts after ``after``, in id order."""
    table = merged_records.c
    query = (sa.select(merged_records).where(table.id > after, sa.not_(table.deleted))
             .order_by(table.id).limit(limit))
    return [MergedRecord(**row._asdict()) for row in connection.execute(query)]


# Corrections


def add_correction(connection: sa.Connection, kind: str, record: RecordKey,
                   other: RecordKey | None, now: datetime) -> None:
    connection.execute(sa.insert(merge_corrections).values(
        kind=kind, library=record[0], local_id=record[1],
        other_library=other[0] if other else None, other_local_id=other[1] if other else None,
        created_at=now))


def has_corrections(connection: sa.Connection) -> bool:
    """Whether any correction exists: most networks have few or none, so one cheap probe
    spares looking them up record by record."""
    query = sa.select(merge_corrections.c.id).limit(1)
    return connection.execute(query).first() is not None


def corrections_touching(connection: sa.Connection, keys: Iterable[RecordKey]
                         ) -> list[Correction]:
    """Every split of, and every join with, one of the named records (oldest first)."""
    table = merge_corrections.c
    found: dict[int, Correction] = {}
    for part in pair_chunks(keys):
        query = sa.select(merge_corrections).where(sa.or_(
            is_one_of(connection, table.library, table.local_id, part),
            is_one_of(connection, table.other_library, table.other_local_id, part)))
        found.update((row.id, Correction(**row._asdict())) for row in connection.execute(query))
    return [found[key] for key in sorted(found)]


def all_corrections(connection: sa.Connection) -> list[Correction]:
    """Every correction in force, oldest first."""
    query = sa.select(merge_corrections).order_by(merge_corrections.c.id)
    return [Correction(**row._asdict()) for row in connection.execute(query)]


def delete_correction(connection: sa.Connection, correction_id: int) -> Correction | None:
    """Forget one correction; returns what it was, or None if there is no such id."""
    query = (sa.delete(merge_corrections).where(merge_corrections.c.id == correction_id)
             .returning(*merge_corrections.c))
    row = connection.execute(query).first()
    return Correction(**row._asdict()) if row else None


def delete_joins(connection: sa.Connection, record: RecordKey) -> list[RecordKey]:
    """Forget the joins of a record (it is split off); returns the records it was joined to."""
    joins = [c for c in corrections_touching(connection, [record]) if c.kind == "join"]
    if joins:
        connection.execute(sa.delete(merge_corrections).where(
            merge_corrections.c.id.in_([c.id for c in joins])))
    return [_other_end(c, record) for c in joins]


def _other_end(correction: Correction, record: RecordKey) -> RecordKey:
    if (correction.library, correction.local_id) == record:
        return (correction.other_library or "", correction.other_local_id or "")
    return (correction.library, correction.local_id)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), 800):
        yield ordered[start : start + 800]


# The search index's reads


def changed_page(connection: sa.Connection, after_seq: int, limit: int) -> list[MergedRecord]:
    """Up to ``limit`` merged records changed after ``after_seq`` (tombstones included), in
    change order: what an index that has seen everything up to ``after_seq`` must apply."""
    table = merged_records.c
    query = (sa.select(merged_records).where(table.change_seq > after_seq)
             .order_by(table.change_seq).limit(limit))
    return [MergedRecord(**row._asdict()) for row in connection.execute(query)]


def last_change_seq(connection: sa.Connection) -> int:
    """The union catalogue's latest change number (0 before the first merge)."""
    query = sa.select(sa.func.max(merged_records.c.change_seq))
    return int(connection.execute(query).scalar_one_or_none() or 0)
