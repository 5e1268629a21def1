"""Source records: the page upsert, dump deletions and streaming reads.

Every write that hands out ``change_seq`` numbers first takes the lock of the counter row
(``lock_change_seq``) and holds it until commit. Numbers therefore become visible in
increasing order even with concurrent writers on PostgreSQL: a merge step that has processed
everything up to N will never later find a record committed below N, which a plain
sequence would not promise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from catalogue_sync.errors import StoreError
from catalogue_sync.models import Format, Item, NormalizedRecord, RawFormat
from catalogue_sync.store.schema import CHANGE_SEQ, counters, dialect_insert, source_records
from catalogue_sync.store.types import IncomingRecord, PageCounts, StoredRecord

IN_CHUNK = 1000
"""Most ids put in one IN (...) list; SQLite refuses statements with too many parameters."""

KEY = ("library", "local_id")
# What a deletion changes on a known record: its raw data and fields stay, as history.
DELETION_UPDATES = ("deleted", "checksum", "harvested_at", "last_seen_run", "change_seq")
LIST_FIELDS = ("authors", "isbns", "issns", "other_ids", "subjects")
SCALAR_FIELDS = ("title", "subtitle", "year", "language", "publisher", "pages")
# Read once: dataclasses.asdict would deep-copy every item of every record.
ITEM_FIELDS = tuple(f.name for f in fields(Item))
EMPTY_FIELDS: dict[str, Any] = dict.fromkeys((*SCALAR_FIELDS, *LIST_FIELDS, "doc_format", "items"))
DERIVED_FIELDS = tuple(EMPTY_FIELDS)
"""The columns the normalizer derives from the raw record."""


def checksum(data: bytes, deleted: bool) -> str:
    """What tells a real change from a record sent again: its bytes and its deleted flag."""
    return hashlib.sha256(data + (b"\x01" if deleted else b"\x00")).hexdigest()


TOMBSTONE = checksum(b"", True)


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def lock_change_seq(connection: sa.Connection) -> int:
    """Lock the change counter until commit and return its current value."""
    row = connection.execute(
        sa.update(counters)
        .where(counters.c.name == CHANGE_SEQ)
        .values(value=counters.c.value)
        .returning(counters.c.value)
    ).first()
    if row is None:
        raise StoreError("the record store has no schema yet: create it first (create_schema)")
    return int(row.value)


def set_change_seq(connection: sa.Connection, value: int) -> None:
    connection.execute(
        sa.update(counters).where(counters.c.name == CHANGE_SEQ).values(value=value)
    )


@dataclass(frozen=True, slots=True)
class _Known:
    checksum: str
    deleted: bool
    normalizer_version: int
    settings_digest: str


@dataclass(slots=True)
class _Plan:
    """What storing a page will do, decided before writing anything."""

    counts: PageCounts = field(default_factory=PageCounts)
    changed: list[tuple[IncomingRecord, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[tuple[IncomingRecord, str]] = field(default_factory=list)
    """Sent again unchanged, but stored as an older normalizer or other settings derived
    it."""
    restamped: list[IncomingRecord] = field(default_factory=list)
    """Stale records the current normalizer derives the same fields from."""


def write_records(
    connection: sa.Connection,
    library: str,
    run_id: int,
    records: Sequence[IncomingRecord],
    now: datetime,
) -> PageCounts:
    """Upsert a page of records; only records that really changed get a new change_seq."""
    latest = _latest_per_id(records)
    if not latest:
        return PageCounts()
    first_seq = lock_change_seq(connection) + 1
    plan = _plan(latest, _known(connection, library, list(latest)))
    _renormalize_stale(connection, library, plan)
    live: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for seq, (record, digest) in enumerate(plan.changed, start=first_seq):
        row = _row(library, run_id, record, digest, seq, now)
        (gone if record.deleted else live).append(row)
    _upsert(connection, live, update=None)
    _upsert(connection, gone, update=DELETION_UPDATES)
    _mark_seen(connection, library, run_id, plan.unchanged)
    set_versions(connection, library, [(r.local_id, r.normalizer_version, r.settings_digest)
                                       for r in plan.restamped])
    if plan.changed:
        set_change_seq(connection, first_seq + len(plan.changed) - 1)
    return plan.counts


def _latest_per_id(records: Sequence[IncomingRecord]) -> dict[str, IncomingRecord]:
    # A page may list a record twice: the last is the source's latest word, and
    # ON CONFLICT may not touch the same row twice in one statement.
    return {record.local_id: record for record in records}


def _known(connection: sa.Connection, library: str, ids: list[str]) -> dict[str, _Known]:
    """Checksum and deleted flag of the page's records already stored."""
    table = source_records.c
    rows = lookup(connection, library, ids, [table.checksum, table.deleted,
                                             table.normalizer_version, table.settings_digest])
    return {row.local_id: _Known(row.checksum, row.deleted, row.normalizer_version,
                                 row.settings_digest)
            for row in rows}


def lookup(connection: sa.Connection, library: str, ids: Sequence[str],
           columns: Sequence[sa.ColumnElement[Any]]) -> Iterator[sa.Row[Any]]:
    """``local_id`` and ``columns`` of the library's stored records among ``ids``."""
    if connection.dialect.name == "postgresql":
        yield from connection.execute(_lookup_each(library, ids, columns))
        return
    for part in chunks(ids):
        yield from connection.execute(_lookup_in(library, part, columns))


def _lookup_in(library: str, ids: Sequence[str], columns: Sequence[sa.ColumnElement[Any]]
               ) -> sa.Select[Any]:
    table = source_records.c
    return sa.select(table.local_id, *columns).where(
        table.library == library, table.local_id.in_(ids)
    )


def _lookup_each(library: str, ids: Sequence[str], columns: Sequence[sa.ColumnElement[Any]]
                 ) -> sa.Select[Any]:
    """One primary-key probe per id, whatever PostgreSQL's statistics say.

    With ``library = X AND local_id IN (...)`` PostgreSQL reads all of X's records and
    filters them whenever its statistics underestimate X (a library's first harvest,
    autovacuum off): each page then costs a scan of the library. A LATERAL subquery on the
    whole key, kept from being flattened by LIMIT 1, can only be planned as a nested loop of
    probes.
    """
    table = source_records.c
    wanted = (
        sa.func.unnest(sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Text)))
        .table_valued("id")
        .render_derived(name="wanted")
    )
    known = (
        sa.select(table.local_id, *columns)
        .where(table.library == library, table.local_id == wanted.c.id)
        .limit(1)
        .lateral("known")
    )
    return sa.select(known).select_from(wanted).join(known, sa.true())


def _plan(records: dict[str, IncomingRecord], known: dict[str, _Known]) -> _Plan:
    plan = _Plan()
    for local_id, record in records.items():
        digest = checksum(record.data, record.deleted)
        before = known.get(local_id)
        if before is not None and before.checksum == digest:
            if _behind(record, before):
                plan.stale.append((record, digest))
                continue
            plan.unchanged.append(local_id)
            plan.counts.unchanged += 1
        else:
            plan.changed.append((record, digest))
            _count_change(plan.counts, record, before)
    return plan


def _behind(record: IncomingRecord, before: _Known) -> bool:
    """Whether the stored fields are stale to this process: see ``is_stale``."""
    return not record.deleted and is_stale(before.normalizer_version, before.settings_digest,
                                           record.normalizer_version, record.settings_digest)


def is_stale(version: int, digest: str, current: int, current_digest: str) -> bool:
    """Whether fields derived by ``version`` with settings ``digest`` are behind a process
    deriving with ``current`` and ``current_digest``.

    Versions are ordered, so an older version only is behind: a worker not yet upgraded
    never takes records back to its own. Settings have no order: under the same version,
    other settings are behind, so the last process to derive a record wins (processes
    reading different network.toml files would take turns).
    """
    return version < current or (version == current and digest != current_digest)


def _renormalize_stale(connection: sa.Connection, library: str, plan: _Plan) -> None:
    """Decide the stale records: a real change where the fields derived now differ from
    the stored ones, else the same record, its version brought up to date."""
    if not plan.stale:
        return
    stored = derived_fields(connection, library, [record.local_id for record, _ in plan.stale])
    for record, digest in plan.stale:
        if normalized_columns(record.normalized) == stored.get(record.local_id):
            plan.unchanged.append(record.local_id)
            plan.restamped.append(record)
            plan.counts.unchanged += 1
        else:
            plan.changed.append((record, digest))
            plan.counts.updated += 1


def derived_fields(connection: sa.Connection, library: str, ids: Sequence[str]
                   ) -> dict[str, dict[str, Any]]:
    """The stored normalized fields of these records, as ``normalized_columns`` gives them."""
    columns = [source_records.c[name] for name in DERIVED_FIELDS]
    return {row.local_id: {name: getattr(row, name) for name in DERIVED_FIELDS}
            for row in lookup(connection, library, ids, columns)}


def set_versions(connection: sa.Connection, library: str,
                 versions: Sequence[tuple[str, int, str]]) -> None:
    """Record that these records' fields are what these (local id, normalizer version,
    settings digest) derive."""
    if versions:
        table = source_records.c
        stamp = (
            sa.update(source_records)
            .where(table.library == library, table.local_id == sa.bindparam("b_local_id"))
            .values(normalizer_version=sa.bindparam("b_version"),
                    settings_digest=sa.bindparam("b_digest"))
        )
        connection.execute(stamp, [{"b_local_id": local_id, "b_version": version,
                                    "b_digest": digest}
                                   for local_id, version, digest in versions])


def _count_change(counts: PageCounts, record: IncomingRecord, before: _Known | None) -> None:
    if record.deleted:
        counts.deleted += 1
    elif before is None or before.deleted:
        counts.added += 1  # new, or back in the live catalogue after a deletion
    else:
        counts.updated += 1


def _row(
    library: str, run_id: int, record: IncomingRecord, digest: str, seq: int, now: datetime
) -> dict[str, Any]:
    return {
        "library": library,
        "local_id": record.local_id,
        "datestamp": record.datestamp,
        "deleted": record.deleted,
        "data": record.data,
        "raw_format": RawFormat(record.format).value,
        "checksum": digest,
        **normalized_columns(None if record.deleted else record.normalized),
        "harvested_at": now,
        "last_seen_run": run_id,
        "change_seq": seq,
        "normalizer_version": record.normalizer_version,
        "settings_digest": record.settings_digest,
    }


def normalized_columns(normalized: NormalizedRecord | None) -> dict[str, Any]:
    """The normalized fields as column values; all NULL when there are none."""
    if normalized is None:
        return dict(EMPTY_FIELDS)
    values = {name: getattr(normalized, name) for name in (*SCALAR_FIELDS, *LIST_FIELDS)}
    values["doc_format"] = Format(normalized.format).value
    values["items"] = [_item_dict(item) for item in normalized.items]
    return values


def _item_dict(item: Item) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def _upsert(
    connection: sa.Connection, rows: list[dict[str, Any]], update: Sequence[str] | None
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE for a batch; ``update`` limits what a conflict sets."""
    if not rows:
        return
    insert = dialect_insert(connection, source_records)
    names = update or [column.name for column in source_records.c if column.name not in KEY]
    set_: dict[str, Any] = {name: insert.excluded[name] for name in names}
    if update is not None:
        # A deletion without a datestamp keeps the one the record had.
        set_["datestamp"] = sa.func.coalesce(
            insert.excluded.datestamp, source_records.c.datestamp
        )
    connection.execute(insert.on_conflict_do_update(index_elements=KEY, set_=set_), rows)


def _mark_seen(connection: sa.Connection, library: str, run_id: int, ids: list[str]) -> None:
    # One statement per id (executemany), for the planner reason given in _lookup_each.
    if ids:
        table = source_records.c
        mark = (
            sa.update(source_records)
            .where(table.library == library, table.local_id == sa.bindparam("b_local_id"))
            .values(last_seen_run=run_id)
        )
        connection.execute(mark, [{"b_local_id": local_id} for local_id in ids])


def _unseen(library: str, run_id: int) -> sa.ColumnElement[bool]:
    table = source_records.c
    return sa.and_(
        table.library == library, sa.not_(table.deleted), table.last_seen_run != run_id
    )


def count_unseen(connection: sa.Connection, library: str, run_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(source_records).where(_unseen(library, run_id))
    return int(connection.execute(query).scalar_one())


def count_live(connection: sa.Connection, library: str) -> int:
    table = source_records.c
    query = sa.select(sa.func.count()).where(table.library == library, sa.not_(table.deleted))
    return int(connection.execute(query).scalar_one())


def delete_unseen(connection: sa.Connection, library: str, run_id: int, now: datetime) -> int:
    """Mark deleted, in batches, the live records a complete dump did not contain."""
    seq = lock_change_seq(connection)
    table = source_records.c
    mark = (
        sa.update(source_records)
        .where(table.library == library, table.local_id == sa.bindparam("b_local_id"))
        .values(deleted=True, checksum=TOMBSTONE, harvested_at=now,
                change_seq=sa.bindparam("b_seq"))
    )
    total = 0
    # Each batch leaves the unseen set, so the same query yields the next batch.
    while ids := _unseen_batch(connection, library, run_id):
        connection.execute(
            mark, [{"b_local_id": local_id, "b_seq": seq + n} for n, local_id in
                   enumerate(ids, start=1)]
        )
        seq += len(ids)
        total += len(ids)
    set_change_seq(connection, seq)
    return total


def _unseen_batch(connection: sa.Connection, library: str, run_id: int) -> list[str]:
    query = sa.select(source_records.c.local_id).where(_unseen(library, run_id)).limit(IN_CHUNK)
    return list(connection.execute(query).scalars())


def record_counts(
    connection: sa.Connection, libraries: Sequence[str]
) -> dict[tuple[str, bool], int]:
    """Records per (library, deleted), read from the (library, deleted) index."""
    table = source_records.c
    query = (
        sa.select(table.library, table.deleted, sa.func.count())
        .where(table.library.in_(libraries))
        .group_by(table.library, table.deleted)
    )
    return {(library, bool(deleted)): int(count)
            for library, deleted, count in connection.execute(query)}


def get_record(connection: sa.Connection, library: str, local_id: str) -> StoredRecord | None:
    table = source_records.c
    row = connection.execute(
        sa.select(source_records).where(table.library == library, table.local_id == local_id)
    ).first()
    return None if row is None else stored_record(row)


def read_batch(
    connection: sa.Connection, library: str | None, after_seq: int, limit: int
) -> list[StoredRecord]:
    """Up to ``limit`` records changed after ``after_seq``, in change order (keyset page)."""
    table = source_records.c
    query = sa.select(source_records).where(table.change_seq > after_seq)
    if library is not None:
        query = query.where(table.library == library)
    rows = connection.execute(query.order_by(table.change_seq).limit(limit))
    return [stored_record(row) for row in rows]


def stored_record(row: sa.Row[Any]) -> StoredRecord:
    return StoredRecord(
        library=row.library,
        local_id=row.local_id,
        datestamp=row.datestamp,
        deleted=row.deleted,
        data=bytes(row.data),
        format=RawFormat(row.raw_format),
        normalized=normalized_record(row),
        checksum=row.checksum,
        change_seq=row.change_seq,
        harvested_at=row.harvested_at,
        normalizer_version=row.normalizer_version,
        settings_digest=row.settings_digest,
    )


def normalized_record(row: sa.Row[Any]) -> NormalizedRecord:
    """The normalized fields read back; a tombstone never seen alive has them all empty."""
    return NormalizedRecord(
        local_id=row.local_id,
        title=row.title,
        subtitle=row.subtitle,
        authors=list(row.authors or []),
        year=row.year,
        isbns=list(row.isbns or []),
        issns=list(row.issns or []),
        other_ids=list(row.other_ids or []),
        format=Format(row.doc_format) if row.doc_format else Format.OTHER,
        language=row.language,
        publisher=row.publisher,
        pages=row.pages,
        subjects=list(row.subjects or []),
        items=[Item(**item) for item in row.items or []],
    )
