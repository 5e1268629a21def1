"""The union catalogue: merging, librarians' corrections, explanations and exports.

    merge(store, network)                     what changed since the last run (full=True: all)
    split(store, LIB, ID, config=network)     this record stands alone, now and in every run
    join(store, (LIB, ID), (LIB, ID), config=network)   these two records are one, likewise
    corrections(store, record=(LIB, ID))      the corrections in force, where their records are
    undo(store, correction_id, config=network)   take one back, merging its records again
    explain(store, merged_id)                 members, their keys and the rule joining each
    clusters(store)                           every merged record's members, for exports
    get_merged(store, merged_id), merged_for(store, LIB, ID)

Corrections are stored and honoured by every later run, re-harvest and full rebuild; the
records they touch are merged again at once, which is why they need the merge settings.
A split drops the record's earlier joins; a join leaves a split in place (the record then
stands with the records it is joined to, and no others). Undoing a correction merges its
records again under the rules and the corrections that remain; the joins a split dropped do
not come back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.config import MergeConfig, NetworkConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.merge.engine import MergeSummary, merge, merge_records
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.store import Store, matching
from catalogue_sync.store import clusters as stored
from catalogue_sync.store.clusters import Correction, MergedRecord
from catalogue_sync.store.matching import RecordKey

__all__ = ["CorrectedRecord", "CorrectionStatus", "ExplainedMember", "Explanation",
           "MergeSummary", "MergedRecord", "clusters", "corrections", "explain", "get_merged",
           "join", "merge", "merged_for", "split", "undo"]

Config = NetworkConfig | MergeConfig | MergeSettings
EXPORT_PAGE = 500
MAX_REDIRECTS = 50
MAX_ID = 2**63 - 1
"""The largest id the store can hold; anything above is no correction's, not a crash."""


@dataclass(frozen=True, slots=True)
class ExplainedMember:
    """One member of a merged record: what it is, its keys, and the edge that joined it."""

    library: str
    record: str
    rule: str
    reason: str
    linked: RecordKey | None
    """The member it matched; None for the display record's own source."""
    keys: dict[str, Any]
    """Its match profile, as the rules compared it."""
    title: str | None
    authors: list[str]
    year: int | None
    format: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a merged record holds what it holds; for a tombstone, where its records went."""

    merged: MergedRecord
    members: list[ExplainedMember]
    corrections: list[Correction]
    redirect: str | None
    """The live merged record a link to this one should lead to (itself when live; None
    when its records are all gone)."""


@dataclass(frozen=True, slots=True)
class CorrectedRecord:
    """A record a correction names, and the merged record it is in now."""

    library: str
    record: str
    merged: str | None
    """None when the record is deleted at its source, or not merged yet."""
    member_count: int
    """How many records that merged record holds (0 without one)."""


@dataclass(frozen=True, slots=True)
class CorrectionStatus:
    """A librarian's split or join, and where the records it names are now."""

    id: int
    kind: str
    records: list[CorrectedRecord]
    """The split record; or the two joined records, in the order the librarian gave."""
    created_at: datetime


def split(store: Store, library: str, local_id: str, *, config: Config) -> MergedRecord | None:
    """Take a record out of its merged record for good; returns its merged record now."""
    record = (library, local_id)
    with store.transaction("recording a split", writes=True) as connection:
        _live(connection, record)
        partners = stored.delete_joins(connection, record)
        if not any(c.kind == "split" and (c.library, c.local_id) == record
                   for c in stored.corrections_touching(connection, [record])):
            stored.add_correction(connection, "split", record, None, _now())
    merge_records(store, config, [record, *partners])
    return merged_for(store, library, local_id)


def join(store: Store, first: RecordKey, second: RecordKey, *, config: Config
         ) -> MergedRecord | None:
    """Put two records in one merged record for good; returns that merged record."""
    if first == second:
        raise CatalogueError(f"cannot join record {_name(first)} with itself")
    with store.transaction("recording a join", writes=True) as connection:
        _live(connection, first)
        _live(connection, second)
        if not any(c.kind == "join" and {_one(c), _other(c)} == {first, second}
                   for c in stored.corrections_touching(connection, [first])):
            stored.add_correction(connection, "join", first, second, _now())
    merge_records(store, config, [first, second])
    return merged_for(store, *first)


def corrections(store: Store, record: RecordKey | None = None) -> list[CorrectionStatus]:
    """The corrections in force, oldest first (only those naming ``record``, if given)."""
    with store.transaction("reading corrections") as connection:
        found = (stored.corrections_touching(connection, [record]) if record
                 else stored.all_corrections(connection))
        return _statuses(connection, found)


def undo(store: Store, correction_id: int, *, config: Config) -> CorrectionStatus:
    """Take a correction back and merge its records again; returns where they are now."""
    correction = None
    if 0 < correction_id <= MAX_ID:
        with store.transaction("undoing a correction", writes=True) as connection:
            correction = stored.delete_correction(connection, correction_id)
    if correction is None:
        raise CatalogueError(f"no correction {correction_id} "
                             "(catalogue-sync merge corrections lists those in force)")
    merge_records(store, config, _records(correction))
    with store.transaction("reading corrected records") as connection:
        return _statuses(connection, [correction])[0]


def get_merged(store: Store, merged_id: str) -> MergedRecord | None:
    """A merged record or its tombstone; None if the id was never handed out."""
    with store.transaction("reading a merged record") as connection:
        return stored.read_merged(connection, [merged_id]).get(merged_id)


def merged_for(store: Store, library: str, local_id: str) -> MergedRecord | None:
    """The merged record holding a source record (None: deleted, or not merged yet)."""
    with store.transaction("reading a merged record") as connection:
        merged_id = stored.clusters_of(connection, [(library, local_id)]).get((library,
                                                                               local_id))
        if merged_id is None:
            return None
        return stored.read_merged(connection, [merged_id]).get(merged_id)


def explain(store: Store, merged_id: str) -> Explanation:
    """The members of a merged record, their keys, and the rule that joined each."""
    with store.transaction("explaining a merged record") as connection:
        merged = stored.read_merged(connection, [merged_id]).get(merged_id)
        if merged is None:
            raise CatalogueError(f"no merged record {merged_id} (ids look like m1a2b3c4d5e6)")
        rows = stored.member_rows(connection, merged_id)
        keys = [(row.library, row.local_id) for row in rows]
        profiles = matching.load_profiles(connection, keys)
        sources = matching.read_sources(connection, keys)
        members = [_explained(row, profiles.get(key, {}), sources.get(key))
                   for row, key in zip(rows, keys, strict=True)]
        corrections = stored.corrections_touching(connection, keys)
        redirect = _redirect(connection, merged)
    members.sort(key=lambda member: (member.linked is not None, member.library, member.record))
    return Explanation(merged, members, corrections, redirect)


def clusters(store: Store) -> Iterator[dict[str, Any]]:
    """Every live merged record as {"id", "work", "members": [{"library", "record"}]}."""
    after = ""
    while True:
        with store.transaction("reading merged records") as connection:
            page = stored.live_page(connection, after, EXPORT_PAGE)
            members = stored.members_of(connection, [merged.id for merged in page])
        for merged in page:
            yield {"id": merged.id, "work": merged.work,
                   "members": [{"library": library, "record": record}
                               for library, record in sorted(members.get(merged.id, []))]}
        if len(page) < EXPORT_PAGE:
            return
        after = page[-1].id


def _explained(row: stored.ClusterMember, profile: dict[str, Any],
               source: matching.SourceState | None) -> ExplainedMember:
    normalized = source.normalized if source else None
    linked = (row.linked_library, row.linked_record or "") if row.linked_library else None
    return ExplainedMember(
        library=row.library, record=row.local_id, rule=row.rule, reason=row.reason,
        linked=linked, keys=profile, title=normalized.title if normalized else None,
        authors=list(normalized.authors) if normalized else [],
        year=normalized.year if normalized else None,
        format=normalized.format.value if normalized else "",
    )


def _redirect(connection: sa.Connection, merged: MergedRecord) -> str | None:
    """Follow ``replaced_by`` from a tombstone to the live record it leads to."""
    current: MergedRecord | None = merged
    for _ in range(MAX_REDIRECTS):
        if current is None:
            return None
        if not current.deleted:
            return current.id
        if current.replaced_by is None:
            return None
        current = stored.read_merged(connection, [current.replaced_by]).get(current.replaced_by)
    return None


def _statuses(connection: sa.Connection, found: list[Correction]) -> list[CorrectionStatus]:
    """Each correction with the merged record each of its records is in now."""
    where = stored.clusters_of(connection, {key for c in found for key in _records(c)})
    merged = stored.read_merged(connection, where.values())

    def placed(key: RecordKey) -> CorrectedRecord:
        merged_id = where.get(key)
        holder = merged.get(merged_id) if merged_id else None
        return CorrectedRecord(key[0], key[1], merged_id, holder.member_count if holder else 0)

    return [CorrectionStatus(c.id, c.kind, [placed(key) for key in _records(c)], c.created_at)
            for c in found]


def _records(correction: Correction) -> list[RecordKey]:
    """The records a correction names: one for a split, two for a join."""
    if correction.other_library is None:
        return [_one(correction)]
    return [_one(correction), _other(correction)]


def _live(connection: sa.Connection, record: RecordKey) -> None:
    state = matching.read_sources(connection, [record]).get(record)
    if state is None:
        raise CatalogueError(f"no record {_name(record)} in the store "
                             "(records are named LIBRARY:LOCAL_ID, as harvested)")
    if state.deleted:
        raise CatalogueError(f"record {_name(record)} is deleted at its source")


def _one(correction: Correction) -> RecordKey:
    return (correction.library, correction.local_id)


def _other(correction: Correction) -> RecordKey:
    return (correction.other_library or "", correction.other_local_id or "")


def _name(record: RecordKey) -> str:
    return f"{record[0]}:{record[1]}"


def _now() -> datetime:
    return datetime.now(UTC)
