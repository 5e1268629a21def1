"""Stable merged ids: a cluster keeps its id while any of its records remains in it.

Within a region being merged again, old ids go to new clusters by how many of their records
each cluster holds: the (cluster, old id) pairs sharing the most records are settled first,
then those keeping the largest share of the old cluster (so when one record moves from a
two-record cluster to a one-record one, both keep their ids), then bigger clusters, then the
smaller id. Each id goes to one cluster, each cluster takes one id. A cluster with nothing
to inherit gets a new id derived from its first record. An old id no cluster inherits
becomes a tombstone that points to the cluster that took most of its records, so links and
bookmarks can be redirected.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from catalogue_sync.store.matching import RecordKey

TakenIds = Callable[[Iterable[str]], set[str]]
"""Which of these ids already name a live merged record outside the region."""


@dataclass(slots=True)
class Assignment:
    """The id of each new cluster, whether it was inherited, and the old ids retired."""

    ids: list[str] = field(default_factory=list)
    inherited: list[bool] = field(default_factory=list)
    tombstones: dict[str, str | None] = field(default_factory=dict)
    """Retired id -> the id that took most of its records (None: they are all gone)."""


def new_id(first: RecordKey) -> str:
    """"m" and 12 hex digits of the SHA-1 of the cluster's first "library:local_id"."""
    digest = hashlib.sha1(f"{first[0]}:{first[1]}".encode()).hexdigest()
    return "m" + digest[:12]


def assign_ids(clusters: Sequence[Sequence[RecordKey]], old: dict[RecordKey, str],
               taken: TakenIds) -> Assignment:
    """Ids for ``clusters`` (biggest first), given the old id of each record that had one."""
    inherited = _inherit(clusters, old)
    result = Assignment(ids=[inherited.get(n, "") for n in range(len(clusters))],
                        inherited=[n in inherited for n in range(len(clusters))])
    used = set(inherited.values())
    fresh = [number for number in range(len(clusters)) if number not in inherited]
    _name_fresh(result, [clusters[n][0] for n in fresh], fresh,
                avoid=used | set(old.values()), taken=taken)
    result.tombstones = _retired(clusters, result.ids, old, used)
    return result


def _inherit(clusters: Sequence[Sequence[RecordKey]], old: dict[RecordKey, str]
             ) -> dict[int, str]:
    """Which old id each cluster keeps (by cluster number), best-supported pairs first."""
    sizes = Counter(old.values())
    pairs = []
    for number, members in enumerate(clusters):
        shared = Counter(old[member] for member in members if member in old)
        pairs += [(-count, -count / sizes[old_id], -len(members), old_id, number)
                  for old_id, count in shared.items()]
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, _, old_id, number in sorted(pairs):
        if number not in chosen and old_id not in taken:
            chosen[number] = old_id
            taken.add(old_id)
    return chosen


def _name_fresh(result: Assignment, firsts: list[RecordKey], numbers: list[int],
                avoid: set[str], taken: TakenIds) -> None:
    """New ids; an id taken elsewhere gets a suffix (-2, -3...)."""
    wanted = {number: new_id(first) for number, first in zip(numbers, firsts, strict=True)}
    busy = avoid | taken(wanted.values())
    for number, base in wanted.items():
        candidate, suffix = base, 1
        while candidate in busy or (suffix > 1 and taken([candidate])):
            suffix += 1
            candidate = f"{base}-{suffix}"
        busy.add(candidate)
        result.ids[number] = candidate


def _retired(clusters: Sequence[Sequence[RecordKey]], ids: list[str],
             old: dict[RecordKey, str], used: set[str]) -> dict[str, str | None]:
    went: dict[str, Counter[str]] = {old_id: Counter() for old_id in set(old.values()) - used}
    for members, new in zip(clusters, ids, strict=True):
        for member in members:
            previous = old.get(member)
            if previous in went:
                went[previous][new] += 1
    return {old_id: min(counts, key=lambda i: (-counts[i], i)) if counts else None
            for old_id, counts in went.items()}
