"""The generated network: member libraries whose catalogues overlap, with truth labels.

    network = SandboxNetwork(seed=42, total_records=2000)
    for record in network.records("mediatheque-fm"):
        record.local_id, record.datestamp, record.deleted, record.marcxml()
    network.truth()                       # which records share a manifestation or a work
    network.tick("mediatheque-fm", changed=10, deleted=3)   # for incremental harvests

Everything is deterministic from the seed: the same seed gives the same records, byte for
byte, and the same ticks change the same records. Records are built when asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import ceil
from typing import Literal

from catalogue_sync.models import Format
from services.sandbox.catalogue import LibraryCatalogue, PoolShare, coprime_step, utc
from services.sandbox.families_other import group
from services.sandbox.libraries import SandboxLibrary, default_libraries
from services.sandbox.works import SLOTS, Pool, Relation, Work, mix, text_code

DEFAULT_ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
"""Initial datestamps lie in the six years before this instant; ticks default to now."""
Grouping = Literal["manifestation", "work"]
OVERLAP = 1.7
"""How many libraries hold a manifestation of a pool, on average."""


@dataclass(frozen=True)
class SandboxRecord:
    """One source record of one library, with its truth labels.

    ``marcxml()`` and ``iso2709()`` give the record as it was when this object was made,
    even if a later tick changes it.
    """

    library_id: str
    local_id: str
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...]
    work_id: str
    manifestation_id: str
    format: Format
    index: int
    version: int
    catalogue: LibraryCatalogue = field(repr=False, compare=False)

    def marcxml(self) -> bytes:
        """The MARCXML ``<record>`` element (MARC 21 slim namespace, both flavours)."""
        return self.catalogue.render_marcxml(self.index, self.version, self._stamp)

    def iso2709(self) -> bytes:
        """The record in ISO 2709, UTF-8."""
        return self.catalogue.render_iso2709(self.index, self.version, self._stamp)

    @property
    def _stamp(self) -> int:
        return int(self.datestamp.timestamp())


@dataclass(frozen=True, slots=True)
class TruthLabel:
    """What a source record really is."""

    library_id: str
    local_id: str
    work_id: str
    manifestation_id: str
    format: Format
    deleted: bool


@dataclass(frozen=True)
class Truth:
    """Labels for measuring deduplication: records, their works, and look-alike works."""

    labels: list[TruthLabel]
    works: dict[str, Work]
    relations: list[Relation]
    """Works that look alike but must stay apart: a novel and its film, volumes, homonyms."""

    def clusters(self, by: Grouping = "manifestation", *, deleted: bool = False
                 ) -> dict[str, list[tuple[str, str]]]:
        """(library, local id) of the records of each manifestation (or ``by="work"``)."""
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for label in self.labels:
            if deleted or not label.deleted:
                key = label.manifestation_id if by == "manifestation" else label.work_id
                found[key].append((label.library_id, label.local_id))
        return dict(found)

    def duplicate_pairs(self, by: Grouping = "manifestation") -> set[frozenset[tuple[str, str]]]:
        """Every pair of live records that describe the same manifestation (or work)."""
        pairs: set[frozenset[tuple[str, str]]] = set()
        for members in self.clusters(by).values():
            for i, first in enumerate(members):
                pairs.update(frozenset((first, second)) for second in members[i + 1:])
        return pairs


@dataclass(frozen=True, slots=True)
class TickResult:
    """Local ids changed and deleted by a tick, and the datestamp they now carry."""

    changed: list[str]
    deleted: list[str]
    datestamp: datetime


def spread(total: int, libraries: list[SandboxLibrary]) -> list[int]:
    """Record counts per library: explicit ``records`` first, the rest by ``share``."""
    fixed = sum(lib.records or 0 for lib in libraries)
    flexible = [lib for lib in libraries if lib.records is None]
    remaining = max(total - fixed, 0)
    weight = sum(lib.share for lib in flexible) or 1.0
    exact = {lib.id: remaining * lib.share / weight for lib in flexible}
    counts = {lib_id: int(value) for lib_id, value in exact.items()}
    # Largest remainders get the leftover records, so the total is exact.
    leftover = remaining - sum(counts.values()) if flexible else 0
    for lib_id in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:leftover]:
        counts[lib_id] += 1
    return [lib.records if lib.records is not None else counts[lib.id] for lib in libraries]


def pool_counts(count: int, pools: dict[str, float]) -> dict[Pool, int]:
    """How many of a library's records come from each pool (exact total)."""
    weight = sum(pools.values())
    counts = {Pool(name): int(count * share / weight) for name, share in pools.items()}
    largest = max(counts, key=lambda pool: pools[pool.value])
    counts[largest] += count - sum(counts.values())
    return counts


class SandboxNetwork:
    """The member libraries of the sandbox and their generated catalogues."""

    def __init__(
        self, seed: int = 42, total_records: int = 2000,
        libraries: list[SandboxLibrary] | None = None, *, anchor: datetime = DEFAULT_ANCHOR,
    ) -> None:
        self.seed = seed
        self.libraries = list(libraries) if libraries is not None else default_libraries()
        if len({lib.id for lib in self.libraries}) != len(self.libraries):
            raise ValueError("library ids must be unique")
        counts = spread(total_records, self.libraries)
        per_pool = [pool_counts(n, lib.pools) for n, lib in zip(counts, self.libraries,
                                                                  strict=True)]
        sizes = {pool: pool_size([c.get(pool, 0) for c in per_pool]) for pool in Pool}
        self.catalogues: dict[str, LibraryCatalogue] = {}
        for lib, lib_pools in zip(self.libraries, per_pool, strict=True):
            shares = self._shares(lib, lib_pools, sizes)
            self.catalogues[lib.id] = LibraryCatalogue(seed, lib, shares,
                                                       int(anchor.timestamp()))

    def _shares(self, lib: SandboxLibrary, counts: dict[Pool, int], sizes: dict[Pool, int]
                ) -> list[PoolShare]:
        shares, start = [], 0
        for pool in Pool:
            count = counts.get(pool, 0)
            if count:
                size, h = sizes[pool], mix(self.seed, text_code(lib.id), text_code(pool), 4)
                shares.append(PoolShare(pool, start, count, size, coprime_step(size, h >> 20),
                                        h % size))
                start += count
        return shares

    def library(self, library_id: str) -> SandboxLibrary:
        """The library with this id (KeyError naming the known ones otherwise)."""
        return self.catalogue(library_id).library

    def catalogue(self, library_id: str) -> LibraryCatalogue:
        """The record state of one library (what the OAI provider serves from)."""
        try:
            return self.catalogues[library_id]
        except KeyError:
            raise KeyError(f"no sandbox library {library_id!r}; "
                           f"libraries: {', '.join(self.catalogues)}") from None

    def records(self, library_id: str) -> Iterator[SandboxRecord]:
        """Every record of a library, deleted ones included, in record-number order."""
        cat = self.catalogue(library_id)
        for index in range(cat.count):
            yield self.record(library_id, index)

    def record(self, library_id: str, index: int) -> SandboxRecord:
        """The library's ``index``-th record as it is now."""
        cat = self.catalogue(library_id)
        manifestation = cat.manifestation(index)
        return SandboxRecord(
            library_id=library_id, local_id=cat.library.local_id(index),
            datestamp=utc(cat.datestamps[index]), deleted=bool(cat.deleted[index]),
            sets=cat.sets(index), work_id=manifestation.work.id,
            manifestation_id=manifestation.id, format=manifestation.format, index=index,
            version=cat.versions[index], catalogue=cat,
        )

    def truth(self) -> Truth:
        """Truth labels of every record, the works, and the look-alike relations."""
        labels: list[TruthLabel] = []
        works: dict[str, Work] = {}
        relations: set[Relation] = set()
        for lib_id, cat in self.catalogues.items():
            for index in range(cat.count):
                share = cat.share_of(index)
                slot = share.slot(index)
                found = group(self.seed, share.pool, slot // SLOTS)
                m = found.manifestations[slot % SLOTS]
                works[m.work.id] = m.work
                relations.update(found.relations)
                labels.append(TruthLabel(lib_id, cat.library.local_id(index), m.work.id, m.id,
                                         m.format, bool(cat.deleted[index])))
        return Truth(labels, works, sorted(relations, key=lambda r: r.work_ids))

    def tick(
        self, library_id: str, changed: int, deleted: int, now: datetime | None = None
    ) -> TickResult:
        """Change ``changed`` live records and delete ``deleted`` others, stamped ``now``."""
        stamp = int((now or datetime.now(UTC)).timestamp())
        cat = self.catalogue(library_id)
        changed_ix, deleted_ix = cat.tick(changed, deleted, stamp)
        local = cat.library.local_id
        return TickResult([local(i) for i in changed_ix], [local(i) for i in deleted_ix],
                          utc(stamp))


def pool_size(counts: list[int]) -> int:
    """Enough manifestation slots for the biggest library, shared by ``OVERLAP`` on average."""
    needed = max([*counts, ceil(sum(counts) / OVERLAP), 1])
    return ceil(needed / SLOTS) * SLOTS
