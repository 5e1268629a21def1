"""Derived hard negatives: what a record derived from a fixture changes, and how."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from pymarc import Field, Indicators, Record, Subfield

from bench.variants.layout import ISBD_PUNCT, LAYOUTS, M21, PAGES
from bench.variants.names import first_name, write_name
from catalogue_sync.models import Flavour

_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
VOLUME_FORMS = ("Tome {n}", "T. {n}", "T. {r}", "Vol. {n}", "Volume {n}", "{n}")
ROMAN = {1: "I", 2: "II"}


@dataclass(frozen=True, slots=True)
class Derived:
    """What a derived record changes in its template: a new manifestation, never a variant."""

    what: str
    isbn: str | None
    """The new ISBN, or None for none; the template's numbers are always dropped."""
    author: tuple[str, str] | None = None
    year: int | None = None
    pages: int | None = None
    volume: int | None = None

    def apply(self, record: Record, flavour: Flavour, rng: random.Random) -> None:
        lay = LAYOUTS[flavour]
        for found in record.get_fields(*lay.numbers):
            record.remove_field(found)
        if self.isbn:
            record.add_ordered_field(Field(lay.isbn, Indicators(" ", " "),
                                           [Subfield("a", self.isbn)]))
        if self.author:
            _set_author(record, flavour, *self.author)
        if self.year:
            _set_year(record, flavour, self.year)
        if self.pages:
            _set_subfield(record, lay.extent, "a", PAGES,
                          lambda m: m.group(0).replace(m.group(1), str(self.pages), 1))
        if self.volume:
            form = rng.choice(VOLUME_FORMS).format(n=self.volume, r=ROMAN[self.volume])
            _set_volume(record, flavour, form)


def _set_subfield(record: Record, tag: str, code: str, pattern: re.Pattern[str],
                  replace: Callable[[re.Match[str]], str],
                  keep: Callable[[Field], bool] = lambda _: True) -> None:
    for found in record.get_fields(tag):
        if keep(found):
            found.subfields = [Subfield(s.code, pattern.sub(replace, s.value, count=1))
                               if s.code == code else s for s in found.subfields]


def _set_author(record: Record, flavour: Flavour, surname: str, forename: str) -> None:
    lay = LAYOUTS[flavour]
    first = first_name(record, lay)
    for found in record.get_fields(*lay.names):
        if found is not first:
            record.remove_field(found)
    if first is None:
        tag, indicators = ("100", Indicators("1", " ")) if flavour is M21 else (
            "700", Indicators(" ", "1"))
        first = Field(tag, indicators, [Subfield("a", surname)])
        record.add_ordered_field(first)
    write_name(first, flavour, surname, forename, None, "inverted")
    title = record.get(lay.title)
    if title is not None and title.get(lay.responsibility):
        end = "." if (title.get(lay.responsibility) or "").endswith(".") else ""
        title.subfields = [Subfield(s.code, f"{forename} {surname}{end}")
                           if s.code == lay.responsibility else s for s in title.subfields]


def _set_year(record: Record, flavour: Flavour, year: int) -> None:
    if flavour is M21:
        fixed = record["008"]
        data = fixed.data or ""
        fixed.data = f"{data[:7]}{year}{data[11:]}"
        statements = ("264", "260")
    else:
        coded = record["100"]
        text = coded.get("a") or ""
        coded.subfields = [Subfield("a", f"{text[:9]}{year}{text[13:]}")]
        statements = ("214", "210")
    for tag in statements:
        _set_subfield(record, tag, LAYOUTS[flavour].date, _YEAR, lambda _: str(year),
                      keep=lambda f: f.tag != "264" or f.indicator2 == "1")


def _set_volume(record: Record, flavour: Flavour, form: str) -> None:
    """Volume designation after the title proper: 245$n or 200$h."""
    lay = LAYOUTS[flavour]
    title = record[lay.title]
    subfields = list(title.subfields)
    if flavour is M21:
        proper = subfields[0].value
        mark = ISBD_PUNCT.search(proper)
        bare = proper[: mark.start()] if mark else proper.rstrip(".")
        punctuated = bool(mark) or proper.endswith(".")
        subfields[0] = Subfield("a", bare + ("." if punctuated else ""))
        trailing = (mark.group() if mark else ".") if punctuated else ""
        subfields.insert(1, Subfield(lay.part, form + trailing))
    else:
        at = 1 + sum(1 for _ in itertools.takewhile(lambda s: s.code == "b", subfields[1:]))
        subfields.insert(at, Subfield(lay.part, form))
    title.subfields = subfields
