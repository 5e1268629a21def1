"""Stable merged ids: a cluster keeps its id while any of its records remains in it.

Within a region being merged again, each new cluster inherits the old id it shares the most
records with (ties: the smaller id), each old id going to one cluster only, biggest clusters
choosing first. A cluster with nothing to inherit gets a new id derived from its first
record. An old id no cluster inherits becomes a tombstone that points to the cluster that
took most of its records, so links and bookmarks can be redirected.
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
    result = Assignment()
    used: set[str] = set()
    fresh: list[int] = []
    for number, members in enumerate(clusters):
        overlap = Counter(old[member] for member in members if member in old)
        choices = sorted((-count, old_id) for old_id, count in overlap.items()
                         if old_id not in used)
        if choices:
            used.add(choices[0][1])
            result.ids.append(choices[0][1])
            result.inherited.append(True)
        else:
            result.ids.append("")
            result.inherited.append(False)
            fresh.append(number)
    _name_fresh(result, [clusters[n][0] for n in fresh], fresh,
                avoid=used | set(old.values()), taken=taken)
    result.tombstones = _retired(clusters, result.ids, old, used)
    return result


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
