"""From a pymarc Record to the NormalizedRecord that merge, index and search use.

One reader per flavour; both keep the text as catalogued (NFC, stripped, without ISBD
punctuation) and leave folding for match keys to a later step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pymarc import Field, Record

from catalogue_sync.config import HoldingsMapping
from catalogue_sync.marc import identifiers
from catalogue_sync.marc.fields import (
    FieldIndex,
    control,
    fields_of,
    first_field,
    first_value,
    index_fields,
)
from catalogue_sync.marc.fields import values as subfield_values
from catalogue_sync.marc.formats import marc21_format, unimarc_format
from catalogue_sync.marc.text import (
    clean,
    first_year,
    four_digit_year,
    join,
    strip_isbd,
    unique,
)
from catalogue_sync.models import Flavour, Format, Item, NormalizedRecord

_PAGES = re.compile(r"([0-9]+)\]?\s*p(?:ages?)?\b", re.I)
_NUMBER = re.compile(r"[0-9]+")
_LANGUAGE = re.compile(r"[a-z]{3}")
_UNKNOWN_PUBLISHER = re.compile(r"\[?s\.\s?n\.?\]?|\[?(?:éditeur|editeur) inconnu\]?", re.I)
# Formats where a bare number in the physical description counts pages, not discs or pieces.
_PAGED = (Format.BOOK, Format.LARGE_PRINT, Format.SCORE)

NORMALIZER_VERSION = 1
"""The version of what a raw record normalizes to. Bump it in any change to ``catalogue_sync/
marc/`` (reading, normalizing, text, identifiers, formats) that changes the NormalizedRecord
of some record: every stored record carries the version that derived it, and those of an
older one are normalized again from their raw bytes (``catalogue-sync records renormalize``,
or the next harvest). tests/catalogue_sync/marc/test_normalizer_version.py fails when the
fixtures' normalized output changes and this number does not."""


def normalizer_version() -> int:
    """The version of the normalizer running now: NORMALIZER_VERSION, read at each call."""
    return NORMALIZER_VERSION


MARC21_SUBJECTS = ("600", "610", "611", "630", "648", "650", "651", "655")
UNIMARC_SUBJECTS = ("600", "601", "602", "604", "605", "606", "607", "608")


def normalize(
    record: Record, flavour: Flavour, holdings: HoldingsMapping, id_field: str = "001"
) -> NormalizedRecord:
    """Read the fields later steps need; ``holdings`` is the library's resolved item mapping."""
    index = index_fields(record)
    reader = _marc21 if flavour is Flavour.MARC21 else _unimarc
    normalized = reader(str(record.leader), index)
    normalized.local_id = local_id(index, id_field)
    normalized.items = items(index, holdings)
    return normalized


def local_id(index: FieldIndex, id_field: str) -> str | None:
    """The record's id from "001" (a control field) or "999$c" (a subfield; $a by default)."""
    tag, _, code = id_field.partition("$")
    for field in fields_of(index, tag):
        value = clean(field.data if field.control_field else field.get(code or "a"))
        if value:
            return value
    return None


def _marc21(leader: str, index: FieldIndex) -> NormalizedRecord:
    fixed = control(index, "008")
    doc_format = marc21_format(leader, index)
    return NormalizedRecord(
        title=_title(index, "245", "a", "np"),
        subtitle=strip_isbd(first_value(index, "245", "b")),
        authors=_marc21_authors(index),
        year=four_digit_year(fixed[7:11]) or _year_in(_marc21_publication(index), "c"),
        isbns=unique(map(identifiers.clean_isbn, subfield_values(index, ("020",), "a"))),
        issns=unique(map(identifiers.format_issn, subfield_values(index, ("022",), "a"))),
        other_ids=_marc21_ids(index),
        format=doc_format,
        language=_language(fixed[35:38]) or _language(first_value(index, "041", "a")),
        publisher=_publisher(_marc21_publication(index, with_copyright=False), "b"),
        pages=_pages(first_value(index, "300", "a"), doc_format),
        subjects=_subjects(index, MARC21_SUBJECTS, "vxyz", forename=False),
    )


def _unimarc(leader: str, index: FieldIndex) -> NormalizedRecord:
    doc_format = unimarc_format(leader, index)
    return NormalizedRecord(
        title=_title(index, "200", "a", "hi"),
        subtitle=join(" : ", map(strip_isbd, subfield_values(index, ("200",), "e"))),
        authors=_unimarc_authors(index),
        year=four_digit_year(first_value(index, "100", "a")[9:13])
        or _year_in(fields_of(index, "214", "210"), "d"),
        isbns=unique(map(identifiers.clean_isbn, subfield_values(index, ("010",), "a"))),
        issns=unique(map(identifiers.format_issn, subfield_values(index, ("011",), "a"))),
        other_ids=_unimarc_ids(index),
        format=doc_format,
        language=_language(first_value(index, "101", "a")),
        publisher=_publisher(fields_of(index, "214", "210"), "c"),
        pages=_pages(first_value(index, "215", "a"), doc_format),
        subjects=_subjects(index, UNIMARC_SUBJECTS, "jxyz", forename=True),
    )


def _title(index: FieldIndex, tag: str, main: str, parts: str) -> str | None:
    """Title proper, then number and name of part: "Les Rougon-Macquart. 1. La fortune..."."""
    field, title = first_field(index, tag), ""
    for code, raw in field.subfields if field else ():
        value = strip_isbd(raw) if code == main or code in parts else None
        if value:
            # Repeated titles proper (UNIMARC 200$a) are separated by " ; " in ISBD.
            title = f"{title}{' ; ' if code == main else '. '}{value}" if title else value
    return title or None


def _marc21_authors(index: FieldIndex) -> list[str]:
    names = []
    for field in fields_of(index, "100", "110", "111", "700", "710", "711"):
        codes = "ab" if field.tag.endswith("10") else "a"  # corporate body and its unit
        names.append(join(". ", map(strip_isbd, field.get_subfields(*codes))))
    return unique(names)


def _unimarc_authors(index: FieldIndex) -> list[str]:
    names = [
        _surname_forename(field) for field in fields_of(index, "700", "701", "702")
    ] + [
        join(". ", map(strip_isbd, field.get_subfields("a", "b")))
        for field in fields_of(index, "710", "711", "712")
    ]
    return unique(names)


def _surname_forename(field: Field) -> str | None:
    """UNIMARC personal name: $a entry element (surname), $b the rest (forename)."""
    return join(", ", (strip_isbd(field.get("a")), strip_isbd(field.get("b"))))


def _marc21_publication(index: FieldIndex, with_copyright: bool = True) -> Iterator[Field]:
    """264 publication statements first, then 260, then (for dates) 264 copyright dates."""
    yield from (field for field in fields_of(index, "264") if field.indicator2 == "1")
    yield from fields_of(index, "260")
    if with_copyright:
        yield from (field for field in fields_of(index, "264") if field.indicator2 != "1")


def _year_in(fields: Iterable[Field], code: str) -> int | None:
    for field in fields:
        for value in field.get_subfields(code):
            if year := first_year(value):
                return year
    return None


def _publisher(fields: Iterable[Field], code: str) -> str | None:
    for field in fields:
        for value in field.get_subfields(code):
            name = strip_isbd(value)
            # "[s.n.]" is ISBD for "no publisher named": there is no publisher to show.
            if name and not _UNKNOWN_PUBLISHER.fullmatch(name):
                return name
    return None


def _language(code: str) -> str | None:
    """A lower-case ISO 639-2 code, or None for blanks and fill characters ("   ", "|||")."""
    code = code[:3].lower()  # some 041$a run several codes together ("frefre")
    return code if _LANGUAGE.fullmatch(code) else None


def _pages(extent: str, doc_format: Format) -> int | None:
    """"320 p." -> 320, "1 vol. (245 p.)" -> 245; a bare number only for paged formats."""
    if found := _PAGES.search(extent):
        return int(found.group(1))
    if doc_format in _PAGED and (number := _NUMBER.search(extent)):
        return int(number.group())
    return None


def _subjects(index: FieldIndex, tags: tuple[str, ...], subdivisions: str, *,
              forename: bool) -> list[str]:
    headings = []
    for field in fields_of(index, *tags):
        name = _surname_forename(field) if forename and field.tag == "600" else None
        parts = [name or strip_isbd(field.get("a"))]
        parts += [strip_isbd(sub.value) for sub in field.subfields if sub.code in subdivisions]
        headings.append(join(" -- ", parts))
    return unique(headings)


def _marc21_ids(index: FieldIndex) -> list[str]:
    ids = [_standard_number(field) for field in fields_of(index, "024")]
    ids += [f"lccn:{value}" for value in _cleaned(index, "010", "a")]
    ids += [identifiers.system_number(value) for value in _cleaned(index, "035", "a")]
    return unique(ids)


def _standard_number(field: Field) -> str | None:
    """024 "scheme:value": first indicator 1 UPC, 2 ISMN, 3 EAN, 7 the source in $2."""
    value = clean(field.get("a"))
    if not value:
        return None
    scheme = identifiers.STANDARD_NUMBER_SCHEMES.get(field.indicator1)
    if scheme:
        return f"{scheme}:{identifiers.compact_number(value)}"
    source = clean(field.get("2")) if field.indicator1 == "7" else None
    return f"{source.lower() if source else 'id'}:{value}"


def _unimarc_ids(index: FieldIndex) -> list[str]:
    ids: list[str | None] = []
    for tag, scheme in (("073", "ean"), ("072", "upc"), ("013", "ismn")):
        ids += [f"{scheme}:{identifiers.compact_number(v)}" for v in _cleaned(index, tag, "a")]
    ids += [identifiers.system_number(value) for value in _cleaned(index, "035", "a")]
    ids += [identifiers.unimarc_record_uri(clean(field.data) or "")
            for field in fields_of(index, "003")]
    return unique(ids)


def _cleaned(index: FieldIndex, tag: str, code: str) -> Iterator[str]:
    return (value for raw in subfield_values(index, (tag,), code) if (value := clean(raw)))


def items(index: FieldIndex, holdings: HoldingsMapping) -> list[Item]:
    """One Item per occurrence of the holdings tag, read with the library's subfield codes."""
    return [_item(field, holdings) for field in fields_of(index, holdings.tag or "")]


def _item(field: Field, holdings: HoldingsMapping) -> Item:
    def read(code: str | None) -> str | None:
        return clean(field.get(code)) if code else None

    due_date = read(holdings.due_date)
    return Item(
        barcode=read(holdings.barcode),
        call_number=read(holdings.call_number),
        location=read(holdings.location),
        branch=read(holdings.branch),
        doc_type=read(holdings.doc_type),
        due_date=due_date,
        status=_status(due_date, read(holdings.status), holdings.available_status),
    )


def _status(due_date: str | None, status: str | None, available: list[str]) -> str:
    """On loan when a due date is set; available when the status is empty or on-shelf."""
    if due_date:
        return "on-loan"
    if status is None or status in available:
        return "available"
    return status

