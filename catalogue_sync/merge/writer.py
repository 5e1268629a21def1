"""Writing a merged region: new memberships, changed merged records and tombstones.

Only what changed is written: a cluster with the same members, component and display as
before keeps its rows and its change number, so the search index and the OAI provider,
which follow ``merged_records.change_seq``, see real changes only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.merge.graph import Edge, Link, group_edges
from catalogue_sync.merge.identity import Assignment
from catalogue_sync.store import clusters as stored
from catalogue_sync.store.clusters import ClusterMember, MergedRecord
from catalogue_sync.store.matching import RecordKey


@dataclass(slots=True)
class RegionOutcome:
    """What merging a region did to the union catalogue."""

    created: int = 0
    changed: int = 0
    deleted: int = 0


@dataclass(frozen=True, slots=True)
class RegionPlan:
    """A region's new clusters (biggest first), their components and ids, and the old state."""

    clusters: list[list[RecordKey]]
    labels: list[str]
    """The component of each cluster."""
    assignment: Assignment
    old: dict[RecordKey, tuple[str, str]]
    """(merged id, component) each record of the region had."""
    edges: list[Edge]

    def changed_clusters(self, changed: set[RecordKey]) -> list[int]:
        """The clusters to write: all but those identical to an old one, member for member."""
        before: dict[str, set[RecordKey]] = defaultdict(set)
        for key, (merged_id, _) in self.old.items():
            before[merged_id].add(key)
        return [number for number, members in enumerate(self.clusters)
                if not (self.assignment.inherited[number]
                        and before[self.assignment.ids[number]] == set(members)
                        and changed.isdisjoint(members)
                        and all(self.old[key][1] == self.labels[number] for key in members))]

    def edges_by_cluster(self) -> list[list[Edge]]:
        return [inside for _, inside in group_edges(self.clusters, self.edges)]

    def removed(self, redo: list[int], changed: set[RecordKey]) -> set[RecordKey]:
        """Records whose old membership rows go: every record of a rewritten or retired
        cluster, old or new, and every changed record."""
        rewritten = {self.assignment.ids[number] for number in redo}
        rewritten |= self.assignment.tombstones.keys()
        gone = {key for key, (merged_id, _) in self.old.items() if merged_id in rewritten}
        return gone | changed | {key for number in redo for key in self.clusters[number]}


class RegionWriter:
    """Collects a region's memberships and merged records, then writes them at once."""

    def __init__(self, connection: sa.Connection, now: datetime,
                 previous: dict[str, MergedRecord],
                 previous_rows: dict[RecordKey, ClusterMember]) -> None:
        self.connection = connection
        self.now = now
        self.previous = previous
        self.previous_rows = previous_rows
        self.kept: set[RecordKey] = set()
        """Records whose membership row is already as written: left alone (a rebuild that
        finds the same clusters rewrites nothing)."""
        self.seq = stored.lock_counter(connection, stored.MERGED_SEQ)
        self.members: list[ClusterMember] = []
        self.merged: list[MergedRecord] = []
        self.outcome = RegionOutcome()

    def cluster(self, merged_id: str, component: str, members: list[RecordKey], *,
                links: dict[RecordKey, Link], work: str, display: dict[str, Any]) -> None:
        """A live cluster; its merged record is rewritten only if it reads differently."""
        for key in members:
            link = links[key]
            linked = link.linked or (None, None)
            row = ClusterMember(key[0], key[1], merged_id, component, link.rule, link.reason,
                                linked[0], linked[1])
            if self.previous_rows.get(key) == row:
                self.kept.add(key)
            else:
                self.members.append(row)
        before = self.previous.get(merged_id)
        if (before is not None and not before.deleted and before.display == display
                and before.work == work and before.member_count == len(members)):
            return
        if before is None or before.deleted:
            self.outcome.created += 1
        else:
            self.outcome.changed += 1
        self._add(merged_id, work=work, deleted=False, replaced_by=None, display=display,
                  member_count=len(members))

    def tombstone(self, merged_id: str, replaced_by: str | None) -> None:
        """A merged record that lost all its records: links to it go to ``replaced_by``."""
        before = self.previous.get(merged_id)
        self.outcome.deleted += 1
        self._add(merged_id, work=before.work if before else "", deleted=True,
                  replaced_by=replaced_by, display=before.display if before else None,
                  member_count=0)

    def _add(self, merged_id: str, *, work: str, deleted: bool, replaced_by: str | None,
             display: dict[str, Any] | None, member_count: int) -> None:
        self.seq += 1
        self.merged.append(MergedRecord(merged_id, work, deleted, replaced_by, display,
                                        member_count, self.seq, self.now))

    def commit(self, remove: set[RecordKey]) -> RegionOutcome:
        stored.replace_members(self.connection, remove - self.kept, self.members)
        stored.write_merged(self.connection, self.merged)
        stored.set_counter(self.connection, stored.MERGED_SEQ, self.seq)
        return self.outcome
