"""The index's schema, and the index document of one merged record.

Each merged record is one document. Its display record (merge.display) is stored whole, so a
result list is read from the index alone, without a trip to the store. The other fields are
what searches, filters, facets and sorts need:

    id            merged record id (stored; the key updates and deletions use)
    work          work key: the other editions and formats of a title
    title         title and subtitle, French stemmed; title_en: English stemmed
    title_exact   the whole title folded (``analysis.exact_title``), with and without the
                  subtitle: an exact title ranks first
    author        every author's name, unstemmed; surname: the part before the comma
    subject       subjects, French stemmed; subject_en: English stemmed
    publisher     unstemmed
    isbn          every valid ISBN as ISBN-13 and, for 978, ISBN-10, without hyphens (an
                  invalid one as catalogued, compacted); issn: NNNNNNNC; ids: other numbers
                  ("EAN:3000047612553" and "3000047612553")
    year          integer, for ranges, the year sort and the year facet
    recency       weight that favours newer editions slightly (see ``recency``)
    format, language, library, available_in
                  facet and filter values; library: one per holding library; available_in:
                  libraries with a copy on the shelf (``ON_SHELF``)
    title_sort    ``analysis.sort_key``

Change the fields or the analysis and bump ``SCHEMA_VERSION``: the next index update then
rebuilds the index by itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import tantivy

from catalogue_sync.index.analysis import (
    ENGLISH,
    FRENCH,
    RAW,
    WORDS,
    compact_identifier,
    exact_title,
    sort_key,
    strip_elision,
)
from catalogue_sync.merge.keys import isbn13, issn

SCHEMA_VERSION = 1

ON_SHELF = frozenset({"available"})
"""Item statuses meaning a copy is on the shelf. ``marc.normalize`` turns each library's own
on-shelf codes (``[libraries.X.holdings] available_status``, Koha's empty or "0") into
"available" and a copy with a due date into "on-loan"; any other value is the library's own
code (not for loan, on order, lost...), which we cannot read, so it does not count."""

RECENCY_YEARS = (1950, 2030)
RECENCY_BONUS = 0.1
"""At most 10% more score for the newest editions (see ``recency``)."""

_TEXT_FIELDS = {
    "title": FRENCH, "title_en": ENGLISH, "author": WORDS, "surname": WORDS,
    "subject": FRENCH, "subject_en": ENGLISH, "publisher": WORDS,
}
_RAW_FIELDS = ("title_exact", "isbn", "issn", "ids", "work")
FACET_FIELDS = ("format", "language", "library", "available_in")


def build_schema() -> tantivy.Schema:
    """The index's fields (see the module doc)."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name=RAW, index_option="basic")
    builder.add_bytes_field("display", stored=True)
    for name, analyzer in _TEXT_FIELDS.items():
        builder.add_text_field(name, tokenizer_name=analyzer)
    for name in _RAW_FIELDS:
        builder.add_text_field(name, tokenizer_name=RAW, index_option="basic")
    for name in (*FACET_FIELDS, "title_sort"):
        builder.add_text_field(name, fast=True, tokenizer_name=RAW, index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_float_field("recency", fast=True)
    return builder.build()


def index_document(merged_id: str, work: str, display: dict[str, Any]) -> tantivy.Document:
    """The document of one live merged record, from its display record."""
    doc = tantivy.Document()
    doc.add_text("id", merged_id)
    doc.add_text("work", work)
    doc.add_bytes("display", json.dumps(display, ensure_ascii=False,
                                        separators=(",", ":")).encode())
    for name, values in text_values(display).items():
        for value in values:
            doc.add_text(name, value)
    year = display.get("year")
    if isinstance(year, int):
        doc.add_integer("year", year)
    doc.add_float("recency", recency(year if isinstance(year, int) else None))
    return doc


def text_values(display: dict[str, Any]) -> dict[str, list[str]]:
    """Every text field's values, elisions stripped where words are analyzed."""
    return {**_titles(display), **_words(display), **_numbers(display),
            **_facet_values(display)}


def _titles(display: dict[str, Any]) -> dict[str, list[str]]:
    title, subtitle = display.get("title"), display.get("subtitle")
    full = strip_elision(" ".join(part for part in (title, subtitle) if part))
    exact = _unique(exact_title(title, sub) for sub in (None, subtitle)) if title else []
    return {"title": [full], "title_en": [full], "title_exact": exact,
            "title_sort": [sort_key(title, subtitle)]}


def _words(display: dict[str, Any]) -> dict[str, list[str]]:
    authors: list[str] = display.get("authors") or []
    subjects = [strip_elision(subject) for subject in display.get("subjects") or []]
    publisher = display.get("publisher")
    return {"author": [strip_elision(name) for name in authors],
            "surname": [strip_elision(name.split(",", 1)[0]) for name in authors],
            "subject": subjects, "subject_en": subjects,
            "publisher": [strip_elision(publisher)] if publisher else []}


def _numbers(display: dict[str, Any]) -> dict[str, list[str]]:
    return {"isbn": isbn_forms(display.get("isbns") or []),
            "issn": _unique(issn_form(raw) for raw in display.get("issns") or []),
            "ids": _unique(form for raw in display.get("ids") or [] for form in id_forms(raw))}


def _facet_values(display: dict[str, Any]) -> dict[str, list[str]]:
    holdings = display.get("holdings") or []
    return {"format": [display["format"]] if display.get("format") else [],
            "language": [display["language"]] if display.get("language") else [],
            "library": _unique(holding["library"] for holding in holdings),
            "available_in": available_in(holdings)}


def isbn_forms(isbns: Iterable[str]) -> list[str]:
    """Every form an ISBN may be typed in, compacted: ISBN-13, and ISBN-10 when it has one."""
    forms: list[str] = []
    for raw in isbns:
        found = isbn13(raw)
        if found is None:
            forms.append(compact_identifier(raw))
            continue
        forms.append(found)
        if found.startswith("978"):
            forms.append(isbn10(found))
    return _unique(forms)


def isbn10(isbn: str) -> str:
    """The ISBN-10 of a valid 978 ISBN-13: "9782070360024" -> "2070360024"."""
    body = isbn[3:12]
    check = -sum((10 - rank) * int(digit) for rank, digit in enumerate(body)) % 11
    return body + ("X" if check == 10 else str(check))


def issn_form(raw: str) -> str:
    """An ISSN as the index keeps it: "0026-939X" -> "0026939X"."""
    return compact_identifier(issn(raw) or raw)


def id_forms(identifier: str) -> list[str]:
    """"ean:3000047612553" -> ["EAN:3000047612553", "3000047612553"]."""
    _, _, value = identifier.partition(":")
    return _unique([compact_identifier(identifier), compact_identifier(value)])


def available_in(holdings: list[dict[str, Any]]) -> list[str]:
    """The libraries with at least one copy on the shelf."""
    return _unique(holding["library"] for holding in holdings
                   if any(item.get("status") in ON_SHELF for item in holding.get("items", [])))


def recency(year: int | None) -> float:
    """The ``recency`` field: tantivy multiplies a score by log2(2 + weight), so a weight of 0
    changes nothing and ``2 ** (1 + bonus) - 2`` adds ``bonus``. The bonus grows linearly
    from nothing for 1950 and before (or no year) to ``RECENCY_BONUS`` for 2030: newer
    editions come first among equally relevant ones, never above a clearly better match."""
    if year is None:
        return 0.0
    first, last = RECENCY_YEARS
    share = min(max((year - first) / (last - first), 0.0), 1.0)
    return float(2 ** (1 + RECENCY_BONUS * share) - 2)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
