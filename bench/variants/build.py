"""Assembling the set: every source rewritten by every kind, each record in a simulated library."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterable

from bench.variants.changes import Context, some_changes
from bench.variants.kinds import DERIVED_KINDS_PER_ROUND, KINDS, ORIGINAL, Kind
from bench.variants.layout import M21
from bench.variants.serialize import serialize
from bench.variants.sources import Source, derived_sources, fixture_sources
from bench.variants.truth import FIXTURES, MANIFESTATIONS, RELATIONS, flavour_of
from bench.variants.variant_set import VariantRecord, VariantSet
from catalogue_sync.config import ConnectorConfig, HoldingsMapping, LibraryConfig
from catalogue_sync.models import Flavour, RawFormat


class _Libraries:
    """Hands out simulated libraries so that none holds two records of one manifestation."""

    def __init__(self) -> None:
        self.configs: dict[str, LibraryConfig] = {}
        self._held: dict[str, set[str]] = defaultdict(set)

    def place(self, kind: Kind, rnd: int, flavour: Flavour, manifestation: str) -> str:
        base = f"{kind.name}-{'m21' if flavour is M21 else 'uni'}-r{rnd}"
        for slot in itertools.count(1):
            library = base if slot == 1 else f"{base}-{slot}"
            if manifestation not in self._held[library]:
                break
        if library not in self.configs:
            self.configs[library] = _config(library, kind, rnd, flavour)
        self._held[library].add(manifestation)
        return library


def _config(library: str, kind: Kind, rnd: int, flavour: Flavour) -> LibraryConfig:
    preset = kind.preset if flavour is M21 else "koha-unimarc"
    return LibraryConfig(
        id=library, name=f"{kind.name} ({flavour.value}), round {rnd}", flavour=flavour,
        encoding=kind.encodings[rnd % len(kind.encodings)],
        connector=ConnectorConfig.model_validate({"type": "marc-file",
                                                  "path": f"{library}.mrc"}),
        holdings=HoldingsMapping(preset=preset))


def build_variant_set(rounds: int = 1, seed: int = 42) -> VariantSet:
    """The fixture files as shipped, then ``rounds`` rounds of variants (see the module doc)."""
    libraries = _Libraries()
    records = list(_originals(libraries))
    derived, derived_relations = derived_sources(seed)
    sources = fixture_sources() + derived
    for rnd in range(rounds):
        for source in sources:
            kinds = [kind for kind in KINDS if source.flavour in kind.flavours]
            if source.derived:
                kinds = random.Random(f"{seed}:{rnd}:{source.name}:kinds").sample(
                    kinds, DERIVED_KINDS_PER_ROUND)
            records += [made for kind in kinds
                        if (made := _variant(source, kind, rnd, seed, libraries))]
    relations = list(RELATIONS) + derived_relations
    return VariantSet(seed, rounds, records, libraries.configs, relations, len(RELATIONS))


def _originals(libraries: _Libraries) -> Iterable[VariantRecord]:
    for each in MANIFESTATIONS:
        for name in each.files + each.shipped:
            flavour = flavour_of(name)
            library = libraries.place(ORIGINAL, 0, flavour, each.id)
            raw_format = RawFormat.MARCXML if name.endswith(".xml") else RawFormat.ISO2709
            yield VariantRecord(library, name.rpartition("/")[2], each.id, each.work, name,
                                ORIGINAL.name, 0, flavour, raw_format,
                                (FIXTURES / name).read_bytes(), "as shipped")


def _variant(source: Source, kind: Kind, rnd: int, seed: int,
             libraries: _Libraries) -> VariantRecord | None:
    """The source rewritten by one kind (after one extra change from round 1 on)."""
    rng = random.Random(f"{seed}:{rnd}:{source.name}:{kind.name}")
    record = source.build(rng)
    ctx = Context(source.flavour, rng, source.bnf)
    said = some_changes(record, ctx, 1, skip=kind.name) if rnd else []
    if kind.change:
        done = kind.change(record, ctx)
        if done is None:
            return None
        said.append(done)
    how = kind.serialization or rng.choice(
        ("marcxml", "iso2709-utf8" if source.flavour is M21 else "iso2709-unmarked"))
    try:
        data, raw_format = serialize(record, source.flavour, how)
    except ValueError:  # a character MARC-8 cannot write: no such record in a MARC-8 library
        return None
    library = libraries.place(kind, rnd, source.flavour, source.manifestation)
    return VariantRecord(library, source.name, source.manifestation, source.work,
                         source.template if not source.derived else source.name, kind.name,
                         rnd, source.flavour, raw_format, data, "; ".join([*said, how]))
