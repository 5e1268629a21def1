"""Merging the whole catalogue at once: the first merge, and full rebuilds.

An incremental run takes changed records in change order, a thousand at a time. Given every
record, that order scatters each cluster over many batches, and a cluster is read and
written again each time one more of its members arrives. A rebuild instead makes three
streaming passes:

1. Profiles: every live record's match profile and keys are computed again (they may have
   changed with the code or the blocklist), in change order.
2. Components: the blocking keys shared by 2 to ``key_cap`` records (the incremental run's
   candidates too) are streamed key by key; each pair under a key is decided by the same
   rules, and the records that merge, or that a librarian joined, are united in a
   disjoint-set forest. The forest is the one structure held for the whole catalogue: a
   few dozen bytes for each record that has a candidate. No pair is compared unless its
   records share a key.
3. Clusters: batches of whole components, then the records in none, are merged each as a
   ``Region`` of an incremental run, so the same code refines components, keeps ids and
   writes; that is why a rebuild equals the sum of incremental runs. Each component is read
   and written once, in one transaction with the rest of its batch.

Memory is the forest plus one batch. The settings fingerprint is cleared while a rebuild
runs, so one that is killed is started again by the next run. Records changed during a
rebuild are left to the incremental run that follows it: the watermark is set to the last
change the rebuild started from.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from catalogue_sync.merge.graph import UnionFind
from catalogue_sync.merge.profiles import from_json
from catalogue_sync.merge.region import Region, WholeComponents, log_capped, save_profiles
from catalogue_sync.merge.rules import decide
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.merge.writer import RegionOutcome
from catalogue_sync.store import Store, matching
from catalogue_sync.store import clusters as stored
from catalogue_sync.store.matching import RecordKey, SourceState

log = logging.getLogger(__name__)

Row = tuple[RecordKey, dict[str, Any]]
"""A record sharing a key, and its stored profile."""


class Rebuild:
    """One full merge of every record in ``store`` (see the module's text)."""

    def __init__(self, store: Store, settings: MergeSettings, batch: int) -> None:
        self.store = store
        self.settings = settings
        self.batch = batch
        self.logged: set[str] = set()
        self.outcome = RegionOutcome()
        self.records = 0

    def run(self) -> int:
        """Rebuild; the last change number it covered (the next run's watermark)."""
        started = time.monotonic()
        upto = self._start()
        self._profile(upto)
        profiled = time.monotonic()
        forest = self._components()
        whole = WholeComponents(self._capped())
        grouped = _grouped(forest)
        found = time.monotonic()
        log.info("merge: %d records have duplicate candidates, in %d components (profiles "
                 "%.0f s, components %.0f s)", len(forest.parent), len(grouped),
                 profiled - started, found - profiled)
        for keys in _batches(grouped, self.batch):
            self._merge(self._read(keys), whole)
        del grouped
        for states in self._alone(forest, upto):
            self._merge(states, whole)
        self._finish(upto)
        log.info("merge: clusters written in %.0f s", time.monotonic() - found)
        return upto

    def _start(self) -> int:
        with self.store.transaction("starting a full merge", writes=True) as connection:
            stored.lock_counter(connection, stored.MERGE_WATERMARK)
            stored.lock_counter(connection, stored.MERGE_SETTINGS)
            stored.set_counter(connection, stored.MERGE_SETTINGS, 0)  # until it is done
            matching.clear_profiles(connection)
            return matching.last_change(connection)

    def _profile(self, upto: int) -> None:
        after = 0
        while True:
            with self.store.transaction("computing match profiles", writes=True) as connection:
                changes = matching.read_changes(connection, after, self.batch, upto,
                                                for_profiles=True)
                save_profiles(connection, self.settings, changes, fresh=True)
            if len(changes) < self.batch:
                return
            after = changes[-1].change_seq

    def _components(self) -> UnionFind:
        """The components of the match graph (joins included), as a forest."""
        forest = UnionFind(())
        with self.store.transaction("finding duplicate candidates") as connection:
            for group in _key_groups(matching.shared_keys(connection, self.settings.key_cap)):
                self._unite_matches(forest, group)
            joins = [c for c in stored.all_corrections(connection) if c.kind == "join"]
        for join in joins:
            forest.union((join.library, join.local_id),
                         (join.other_library or "", join.other_local_id or ""))
        return forest

    def _unite_matches(self, forest: UnionFind, group: list[Row]) -> None:
        profiles = [(record, from_json(data)) for record, data in group]
        for n, (first, first_keys) in enumerate(profiles):
            for second, second_keys in profiles[n + 1:]:
                if forest.same(first, second):
                    continue
                if decide(first_keys, second_keys, self.settings.match).merge:
                    forest.union(first, second)

    def _capped(self) -> frozenset[str]:
        """The keys no run uses, shared by too many records; each is logged."""
        with self.store.transaction("finding over-shared keys") as connection:
            counts = matching.keys_over(connection, self.settings.key_cap)
        for key, count in sorted(counts.items()):
            log_capped(key, count, self.logged)
        return frozenset(counts)

    def _read(self, keys: list[RecordKey]) -> list[SourceState]:
        with self.store.transaction("reading records to merge") as connection:
            return list(matching.read_sources(connection, keys).values())

    def _alone(self, forest: UnionFind, upto: int) -> Iterator[list[SourceState]]:
        """The records in no component (deleted ones too), in batches, in change order."""
        after = 0
        while True:
            with self.store.transaction("reading records to merge") as connection:
                changes = matching.read_changed_keys(connection, after, self.batch * 2, upto)
                alone = [key for key, _ in changes if key not in forest.parent]
                states = list(matching.read_sources(connection, alone).values())
            if states:
                yield states
            if len(changes) < self.batch * 2:
                return
            after = changes[-1][1]

    def _merge(self, states: list[SourceState], whole: WholeComponents) -> None:
        with self.store.transaction("merging records", writes=True) as connection:
            stored.lock_counter(connection, stored.MERGE_WATERMARK)
            # Each batch is stamped when it is written, as in an incremental run: OAI-PMH
            # harvesters ask for what changed since their last visit by these stamps.
            region = Region(connection, self.settings, datetime.now(UTC), self.logged)
            outcome = region.run(states, whole=whole)
        self.outcome.created += outcome.created
        self.outcome.changed += outcome.changed
        self.outcome.deleted += outcome.deleted
        self.records += len(states)

    def _finish(self, upto: int) -> None:
        with self.store.transaction("finishing a full merge", writes=True) as connection:
            stored.lock_counter(connection, stored.MERGE_WATERMARK)
            stored.set_counter(connection, stored.MERGE_WATERMARK, upto)
            stored.set_counter(connection, stored.MERGE_SETTINGS, self.settings.fingerprint)


def _key_groups(rows: Iterator[tuple[str, RecordKey, dict[str, Any]]]
                ) -> Iterator[list[Row]]:
    """The rows of one key at a time (the rows come ordered by key)."""
    current: str | None = None
    group: list[Row] = []
    for key, record, profile in rows:
        if key != current and group:
            yield group
            group = []
        current = key
        group.append((record, profile))
    if group:
        yield group


def _grouped(forest: UnionFind) -> list[list[RecordKey]]:
    members: dict[RecordKey, list[RecordKey]] = defaultdict(list)
    for record in forest.parent:
        members[forest.find(record)].append(record)
    return list(members.values())


def _batches(components: list[list[RecordKey]], size: int) -> Iterator[list[RecordKey]]:
    """Whole components, about ``size`` records at a time."""
    batch: list[RecordKey] = []
    for component in components:
        batch += component
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
