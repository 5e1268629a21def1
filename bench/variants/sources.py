"""The records each round rewrites: the fixture files, and the records derived from them."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pymarc import Record

from bench.variants.derived import Derived
from bench.variants.isbn import fresh_isbn, isbn_parts
from bench.variants.layout import BNF, LAYOUTS, M21, PAGES, Layout
from bench.variants.truth import AUTHORS, MANIFESTATIONS, Manifestation, flavour_of, read_fixture
from catalogue_sync.models import Flavour


@dataclass(frozen=True, slots=True)
class Source:
    """A record the rounds rewrite: a fixture file, or one derived from its manifestation's."""

    name: str
    manifestation: str
    work: str
    flavour: Flavour
    template: str
    derived: Derived | None = None
    bnf: str | None = None

    def build(self, rng: random.Random) -> Record:
        """A fresh copy to rewrite."""
        record = read_fixture(self.template)
        if self.derived:
            self.derived.apply(record, self.flavour, rng)
        return record


def fixture_sources() -> list[Source]:
    sources = []
    for each in MANIFESTATIONS:
        bnf = _bnf_number(each.files)
        sources += [Source(name.rpartition("/")[2], each.id, each.work, flavour_of(name), name,
                           bnf=bnf) for name in each.files]
    return sources


def _bnf_number(files: Iterable[str]) -> str | None:
    for name in files:
        for found in read_fixture(name).get_fields("003", "035"):
            if hit := BNF.search((found.data if found.control_field else found.get("a")) or ""):
                return hit.group(1)
    return None


def derived_sources(seed: int) -> tuple[list[Source], list[tuple[str, str, str]]]:
    """The derived records, and the relations that say each differs from its template."""
    taken = {"".join(parts)[:12] for name in _all_files() for found in
             read_fixture(name).get_fields(LAYOUTS[flavour_of(name)].isbn)
             if (parts := isbn_parts(found.get("a") or ""))}
    years: dict[str, set[int]] = defaultdict(set)
    for each in MANIFESTATIONS:
        if year := _year_of(read_fixture(each.files[0]), flavour_of(each.files[0])):
            years[each.work].add(year)
    authors = list(AUTHORS)
    sources: list[Source] = []
    relations: list[tuple[str, str, str]] = []
    for each in MANIFESTATIONS:
        for what in each.derive:
            rng = random.Random(f"{seed}:derive:{each.id}:{what}")
            made = _derive(each, what, rng, taken, years[each.work], authors)
            sources += made
            relations += [(s.manifestation, each.id, _WHY[s.derived.what]) for s in made
                          if s.derived]
            if len(made) == 2:
                relations.append((made[0].manifestation, made[1].manifestation,
                                  "volumes 1 and 2 of the title (derived)"))
    return sources, relations


_WHY = {"other-author": "same title, another author (derived)",
        "other-edition": "another edition: year, pages, ISBN (derived)",
        "volume-1": "volume 1 of the title (derived)",
        "volume-2": "volume 2 of the title (derived)"}


def _all_files() -> list[str]:
    return [name for each in MANIFESTATIONS for name in each.files]


def _derive(each: Manifestation, what: str, rng: random.Random, taken: set[str],
            years: set[int], authors: list[tuple[str, str]]) -> list[Source]:
    template = read_fixture(each.files[0])
    flavour = flavour_of(each.files[0])
    lay = LAYOUTS[flavour]
    had_isbn = any(isbn_parts(f.get("a") or "") for f in template.get_fields(lay.isbn))
    pages, year = _pages_of(template, lay), _year_of(template, flavour) or 2000

    def source(spec: Derived, work: str) -> Source:
        name = f"{each.id}~{spec.what}"
        return Source(name, name, work, flavour, each.files[0], spec)

    if what == "other-author":
        author = authors.pop(rng.randrange(len(authors)))  # never twice: no accidental twins
        isbn = fresh_isbn(rng, taken) if had_isbn and rng.random() < 0.5 else None
        return [source(Derived(what, isbn, author=author), f"{each.work}~{author[0]}")]
    if what == "other-edition":
        candidates = [year + d for d in range(-15, 16) if abs(d) >= 2 and year + d <= 2024
                      and all(abs(year + d - y) > 1 for y in years)]
        new_year = rng.choice(candidates)
        years.add(new_year)
        factor = rng.choice((rng.uniform(0.5, 0.85), rng.uniform(1.15, 1.5)))
        isbn = fresh_isbn(rng, taken) if rng.random() < 0.6 else None
        spec = Derived(what, isbn, year=new_year, pages=round(pages * factor) if pages else None)
        return [source(spec, each.work)]
    set_isbn = fresh_isbn(rng, taken) if had_isbn else None
    return [source(Derived(f"volume-{n}", set_isbn, volume=n,
                           pages=round(pages * rng.uniform(0.45, 0.65)) if pages else None),
                   each.work) for n in (1, 2)]


def _pages_of(record: Record, lay: Layout) -> int | None:
    found = PAGES.search(_first(record, lay.extent, "a"))
    return int(found.group(1)) if found else None


def _year_of(record: Record, flavour: Flavour) -> int | None:
    if flavour is M21:
        fixed = record.get("008")
        text = (fixed.data or "")[7:11] if fixed else ""
    else:
        text = _first(record, "100", "a")[9:13]
    return int(text) if text.isdigit() else None


def _first(record: Record, tag: str, code: str) -> str:
    for found in record.get_fields(tag):
        if value := found.get(code):
            return value
    return ""
