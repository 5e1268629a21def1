"""The variant set: its records with their truth, and the pairs scored against it."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

from bench.variants.kinds import KINDS
from bench.variants.layout import M21, UNI
from catalogue_sync.config import LibraryConfig
from catalogue_sync.models import Flavour, RawFormat

Key = tuple[str, str]
Pair = frozenset[Key]


@dataclass(frozen=True, slots=True)
class VariantRecord:
    """One record of the set, as a simulated library sends it, with its truth."""

    library: str
    local_id: str
    manifestation: str
    work: str
    source: str
    """The fixture file (or derived record) it was made from."""
    kind: str
    round: int
    flavour: Flavour
    format: RawFormat
    data: bytes
    changes: str
    """What was done to the source, for reports."""

    @property
    def key(self) -> Key:
        return (self.library, self.local_id)


@dataclass(frozen=True)
class VariantSet:
    """The records, their simulated libraries and the look-alikes that must stay apart."""

    seed: int
    rounds: int
    records: list[VariantRecord]
    libraries: dict[str, LibraryConfig]
    relations: list[tuple[str, str, str]]
    """(manifestation, manifestation, why): look-alikes, fixtures' first, then derived."""
    fixture_relations: int

    def by_manifestation(self) -> dict[str, list[VariantRecord]]:
        found: dict[str, list[VariantRecord]] = defaultdict(list)
        for record in self.records:
            found[record.manifestation].append(record)
        return found

    def true_pairs(self) -> set[Pair]:
        """Every pair of records of one manifestation (never in one library, by design)."""
        return {frozenset((a.key, b.key)) for members in self.by_manifestation().values()
                for a, b in itertools.combinations(members, 2)}

    def hard_negative_pairs(self) -> dict[Pair, tuple[str, bool]]:
        """Pairs of look-alike records in two libraries: (why, from the fixtures?)."""
        found = self.by_manifestation()
        pairs: dict[Pair, tuple[str, bool]] = {}
        for index, (first, second, why) in enumerate(self.relations):
            for a in found.get(first, ()):
                pairs.update({frozenset((a.key, b.key)): (why, index < self.fixture_relations)
                              for b in found.get(second, ()) if a.library != b.library})
        return pairs

    def describe(self) -> list[str]:
        """The set's composition, in a few lines."""
        flavours = Counter(r.flavour for r in self.records)
        formats = Counter(r.format for r in self.records)
        found = self.by_manifestation()
        derived = sum(1 for m in found if "~" in m)
        hard = self.hard_negative_pairs()
        from_fixtures = sum(1 for _, fixture in hard.values() if fixture)
        originals = sum(1 for r in self.records if r.kind == "original")
        return [
            f"{len(self.records)} records (MARC 21 {flavours[M21]}, UNIMARC {flavours[UNI]}; "
            f"MARCXML {formats[RawFormat.MARCXML]}, ISO 2709 {formats[RawFormat.ISO2709]}) "
            f"in {len(self.libraries)} simulated libraries, seed {self.seed}, "
            f"{self.rounds} round(s)",
            f"{originals} fixture files as shipped; {len(found) - derived} real manifestations "
            f"and {derived} derived ones (other author, other edition, volumes 1 and 2), "
            f"rewritten by {len(KINDS)} variant kinds",
            f"true pairs {len(self.true_pairs())}; hard-negative pairs {len(hard)} "
            f"({from_fixtures} between the fixtures' look-alikes, {len(hard) - from_fixtures} "
            f"with derived records) from {len(self.relations)} look-alike manifestation pairs",
        ]
