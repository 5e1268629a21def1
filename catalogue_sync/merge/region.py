"""Merging one region: records that changed, and every cluster they touch or may join.

Clusters come from the connected components of the match graph (see ``graph``). When some
records change, only components containing a changed record, or a record a changed record
now matches, can change; every other component, and its clusters, is untouched. The region
is therefore:

    the changed records and every member of their old components,
    + any record a record of the region now matches (a candidate sharing a blocking key,
      for which ``decide`` says merge) or was joined to by a librarian, with every member
      of its old component, until no record outside the region is matched.

The region is thus a union of whole old components and of whole new ones: no component
crosses its border, and recomputing the components inside it (then splitting them where
members conflict) gives the same result as recomputing everything. That is why a full
rebuild equals the sum of incremental runs, and why a rebuild can start from any state.
When the stored clusters are consistent, the region closes after one step.

A record with a ``split`` correction gets no automatic edge, only its ``join`` edges.
Records without a profile (deleted at their source) are not nodes: they leave whatever
cluster they were in.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from catalogue_sync.merge.display import best_member, display_record
from catalogue_sync.merge.graph import Edge, components, group_edges, refine, spanning_tree
from catalogue_sync.merge.identity import assign_ids
from catalogue_sync.merge.keys import MatchKeys, blocking_keys, match_keys
from catalogue_sync.merge.profiles import from_json, to_json
from catalogue_sync.merge.rules import Decision, decide
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.merge.writer import RegionOutcome, RegionPlan, RegionWriter
from catalogue_sync.models import NormalizedRecord
from catalogue_sync.store import clusters as stored
from catalogue_sync.store import matching
from catalogue_sync.store.clusters import ClusterMember, Correction
from catalogue_sync.store.matching import ProfileRow, RecordKey, SourceState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WholeComponents:
    """What a rebuild knows of the records it gives a region: their stored profiles are
    current, and they are whole components of the match graph, so every record one of them
    matches is among them; their keys need not be looked up in the store. ``capped`` are the
    keys shared by more than ``key_cap`` records, which no run uses."""

    capped: frozenset[str]


class Region:
    """One pass of the merge, inside one transaction, over the records given and their reach.

    The object caches what it reads (profiles, keys, decisions) for the pass; it is used once.
    """

    def __init__(self, connection: sa.Connection, settings: MergeSettings, now: datetime,
                 logged_keys: set[str] | None = None) -> None:
        self.connection = connection
        self.settings = settings
        self.now = now
        self.profiles: dict[RecordKey, MatchKeys] = {}
        self.sources: dict[RecordKey, NormalizedRecord] = {}
        self.keymap: dict[str, list[RecordKey]] = {}
        self.capped: set[str] = set()
        self.logged_keys = logged_keys if logged_keys is not None else set()
        self.decisions: dict[tuple[RecordKey, RecordKey], Decision] = {}
        self.splits: set[RecordKey] = set()
        self.joins: dict[RecordKey, list[tuple[RecordKey, Correction]]] = defaultdict(list)
        self._corrections_read: set[RecordKey] = set()
        self.old_rows: dict[RecordKey, ClusterMember] = {}
        self._any_corrections = stored.has_corrections(connection)

    def run(self, changed: Sequence[SourceState], *, whole: WholeComponents | None = None
            ) -> RegionOutcome:
        """Bring the clusters up to date with ``changed`` (deleted records included);
        ``whole``: given by a rebuild, see ``WholeComponents``."""
        seeds = self._update_profiles(changed, whole is not None)
        given = {state.key for state in changed}
        old = self._old_components(given)
        if whole is not None and old.keys() <= given:  # the region is the records given
            self._index(seeds, whole.capped)
        nodes = self._nodes(seeds | set(old))
        while True:
            edges, outside = self._edges(nodes)
            if not outside:
                break
            more = self._old_components(outside)
            old.update(more)
            nodes |= self._nodes(outside | set(more))
        found, labels = self._clusters(nodes, edges)
        old_ids = {key: merged_id for key, (merged_id, _) in old.items()}
        assignment = assign_ids(found, old_ids, self._taken)
        return self._write(RegionPlan(found, labels, assignment, old, edges),
                           {state.key for state in changed})

    # Profiles, keys, corrections

    def _update_profiles(self, changed: Sequence[SourceState], profiled: bool
                         ) -> set[RecordKey]:
        """Store the profiles of the live records, drop the deleted ones'; the live keys."""
        if profiled:  # computing them again costs less than reading them back
            self.profiles.update((state.key, profile_of(state, self.settings))
                                 for state in changed if not state.deleted)
        else:
            self.profiles.update(save_profiles(self.connection, self.settings, changed))
        self.sources.update((s.key, s.normalized) for s in changed if not s.deleted)
        return {state.key for state in changed if not state.deleted}

    def _index(self, records: Iterable[RecordKey], capped: frozenset[str]) -> None:
        """Find these records' keys among themselves alone: their candidates elsewhere cannot
        match them (see ``WholeComponents``)."""
        self.capped |= capped
        keymap: dict[str, list[RecordKey]] = defaultdict(list)
        for record in records:
            for key in blocking_keys(self.profiles[record]):
                if key not in capped:
                    keymap[key].append(record)
        self.keymap.update(keymap)

    def _load_profiles(self, keys: Iterable[RecordKey]) -> None:
        missing = [key for key in keys if key not in self.profiles]
        for key, data in matching.load_profiles(self.connection, missing).items():
            self.profiles[key] = from_json(data)

    def _look_up(self, records: Iterable[RecordKey]) -> None:
        """Fetch the members of the records' blocking keys, leaving out over-shared keys."""
        wanted = {key for record in records for key in blocking_keys(self.profiles[record])}
        wanted -= self.keymap.keys() | self.capped
        counts = matching.key_counts(self.connection, wanted)
        for key, count in counts.items():
            if count > self.settings.key_cap:
                self.capped.add(key)
                log_capped(key, count, self.logged_keys)
        usable = [key for key in wanted if key not in self.capped]
        members = matching.key_members(self.connection, usable)
        self.keymap.update({key: members.get(key, []) for key in usable})


    def _candidates(self, record: RecordKey) -> set[RecordKey]:
        found: set[RecordKey] = set()
        for key in blocking_keys(self.profiles[record]):
            found.update(self.keymap.get(key, ()))
        found.discard(record)
        return found

    def _read_corrections(self, records: Iterable[RecordKey]) -> None:
        if not self._any_corrections:
            return
        wanted = set(records) - self._corrections_read
        self._corrections_read |= wanted
        for correction in stored.corrections_touching(self.connection, wanted):
            one = (correction.library, correction.local_id)
            if correction.kind == "split":
                self.splits.add(one)
                continue
            other = (correction.other_library or "", correction.other_local_id or "")
            if all(other != seen for seen, _ in self.joins[one]):
                self.joins[one].append((other, correction))
                self.joins[other].append((one, correction))

    # The region and its graph

    def _decide(self, a: RecordKey, b: RecordKey) -> Decision:
        pair = (a, b) if a < b else (b, a)
        decision = self.decisions.get(pair)
        if decision is None:
            first, second = self.profiles[pair[0]], self.profiles[pair[1]]
            decision = decide(first, second, self.settings.match)
            self.decisions[pair] = decision
        return decision

    def _matches(self, a: RecordKey, b: RecordKey) -> bool:
        """An automatic edge: neither record is split off, and the rules merge them."""
        return a not in self.splits and b not in self.splits and self._decide(a, b).merge

    def _old_components(self, records: set[RecordKey]) -> dict[RecordKey, tuple[str, str]]:
        """(merged id, component) of every member of the components these records were in;
        their membership rows are kept for the writer."""
        rows = stored.component_members(self.connection, records)
        self.old_rows.update(rows)
        return {key: (row.merged_id, row.component) for key, row in rows.items()}

    def _nodes(self, records: set[RecordKey]) -> set[RecordKey]:
        """The records of the region that are in the graph: those with a profile."""
        self._load_profiles(records)
        return {record for record in records if record in self.profiles}

    def _edges(self, nodes: set[RecordKey]) -> tuple[list[Edge], set[RecordKey]]:
        """Every edge between two nodes (the rules' merges, the librarians' joins), and the
        records outside the nodes that some node has an edge to."""
        self._look_up(nodes)
        candidates = {record: self._candidates(record) for record in nodes}
        beyond = set().union(*candidates.values()) - nodes if candidates else set()
        self._load_profiles(beyond)
        self._read_corrections(nodes | beyond)
        edges: list[Edge] = []
        outside: set[RecordKey] = set()
        for record in sorted(nodes):
            for other in sorted(candidates[record]):
                if (other in nodes and other < record) or other not in self.profiles:
                    continue
                if self._matches(record, other):
                    decision = self._decide(record, other)
                    if other in nodes:
                        edges.append(Edge(record, other, decision.rule, decision.reason))
                    else:
                        outside.add(other)
            edges += self._joins(record, nodes, outside)
        return edges, outside

    def _joins(self, record: RecordKey, nodes: set[RecordKey], outside: set[RecordKey]
               ) -> list[Edge]:
        """The join edges from ``record`` to later nodes; partners beyond go to ``outside``."""
        partners = self.joins.get(record)
        if not partners:
            return []
        self._load_profiles(other for other, _ in partners if other not in nodes)
        edges = []
        for other, correction in partners:
            if other in nodes:
                if other > record:
                    edges.append(Edge(record, other, "join", _joined(correction)))
            elif other in self.profiles:
                outside.add(other)
        return edges

    def _clusters(self, nodes: set[RecordKey], edges: list[Edge]
                  ) -> tuple[list[list[RecordKey]], list[str]]:
        """The clusters, biggest first, and the component (its first record) of each."""
        found: list[tuple[list[RecordKey], str]] = []
        for component, inside in group_edges(components(nodes, edges), edges):
            label = f"{component[0][0]}:{component[0][1]}"
            found += [(cluster, label) for cluster in refine(component, inside, self._conflict)]
        found.sort(key=lambda pair: (-len(pair[0]), pair[0][0]))
        return [cluster for cluster, _ in found], [label for _, label in found]

    def _conflict(self, a: RecordKey, b: RecordKey) -> bool:
        """Do the rules say these two differ? Not asked of records a librarian joined: the
        librarian vouched for them, so joining A to B brings in B's whole cluster."""
        if self.joins.get(a) or self.joins.get(b):
            return False
        decision = self._decide(a, b)
        return decision.conflict

    def _taken(self, merged_ids: Iterable[str]) -> set[str]:
        rows = stored.read_merged(self.connection, merged_ids)
        return {merged_id for merged_id, row in rows.items() if not row.deleted}

    # Writing

    def _write(self, plan: RegionPlan, changed: set[RecordKey]) -> RegionOutcome:
        """Write the clusters that changed and retire the ids no cluster kept."""
        redo = plan.changed_clusters(changed)
        self._load_sources([key for number in redo for key in plan.clusters[number]])
        old_ids = {merged_id for merged_id, _ in plan.old.values()}
        writer = RegionWriter(self.connection, self.now, stored.read_merged(
            self.connection, old_ids | set(plan.assignment.ids)), self.old_rows)
        edges = plan.edges_by_cluster()
        for number in redo:
            members = plan.clusters[number]
            records = {key: self.sources[key] for key in members}
            best = best_member(records, self.settings.library_priority)
            writer.cluster(plan.assignment.ids[number], plan.labels[number], members,
                           links=spanning_tree(best, members, edges[number]),
                           work=self.profiles[best].work,
                           display=display_record(records, best))
        for merged_id, replaced_by in plan.assignment.tombstones.items():
            writer.tombstone(merged_id, replaced_by)
        return writer.commit(plan.removed(redo, changed))

    def _load_sources(self, keys: list[RecordKey]) -> None:
        missing = [key for key in keys if key not in self.sources]
        for key, state in matching.read_sources(self.connection, missing).items():
            self.sources[key] = state.normalized


def log_capped(key: str, count: int, logged: set[str]) -> None:
    """Warn once per run of a key too many records share."""
    if key not in logged:
        logged.add(key)
        log.warning("key %s is shared by %d records: it is not used to find duplicates; "
                    "if it is a wrong number, add it to [merge] blocklist", key, count,
                    extra={"key": key, "records": count})


def profile_of(state: SourceState, settings: MergeSettings) -> MatchKeys:
    return match_keys(state.library, state.normalized, settings.blocklist)


def save_profiles(connection: sa.Connection, settings: MergeSettings,
                  changed: Sequence[SourceState], *, fresh: bool = False
                  ) -> dict[RecordKey, MatchKeys]:
    """Store the match profiles and keys of the live records, drop the deleted ones'
    (``fresh``: no record has any, they were all cleared)."""
    profiles: dict[RecordKey, MatchKeys] = {}
    rows = []
    for state in changed:
        if not state.deleted:
            keys = profile_of(state, settings)
            profiles[state.key] = keys
            rows.append(ProfileRow(state.library, state.local_id, to_json(keys), keys.work,
                                   blocking_keys(keys)))
    matching.save_profiles(connection, rows, fresh=fresh)
    if not fresh:
        matching.drop_profiles(connection, [state.key for state in changed if state.deleted])
    return profiles


def _joined(correction: Correction) -> str:
    when = correction.created_at.date().isoformat()
    return f"joined by a librarian on {when} (correction {correction.id})"
