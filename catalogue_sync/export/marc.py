"""A merged record as a MARC 21 bibliographic record, with every library's copies in 852.

The record is built from the display JSON, so it says what the catalogue shows:

    leader   type (06) and bibliographic level (07) from the format; 09 'a' (UTF-8);
             17 '3' (abbreviated: a digest of the members' records); 18 'c' (no ISBD
             punctuation: the display fields are stored without it)
    001      the merged id; 005 when it last changed; 008 date, year, language, form
    007      e-books and the online titles (electronic, remote), DVD/Blu-ray (videodisc)
    010 020 022 024 035   LCCN, ISBNs, ISSNs, EAN/UPC/ISMN and other standard numbers,
             BnF (FrPBN), Sudoc (PPN), OCLC (OCoLC) and other system numbers
    100/700  the first author, then the others (first indicator 1 when inverted "Name, Forename")
    245 264 300 650   title and subtitle; publisher and year; pages; subjects
    852      one per copy, or one per member library without copies (see ``holdings``)

``to_marcxml`` and ``to_iso2709`` serialize it; pymarc reads both back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from lxml import etree
from pymarc import Field, Indicators, Record, Subfield

from catalogue_sync.export.text import clean, cleaned
from catalogue_sync.store.clusters import MergedRecord

log = logging.getLogger(__name__)

MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ISO2709_LIMIT = 99_999
"""ISO 2709 writes the record length in five digits."""

# Format -> leader/06 type, leader/07 level, 008 positions to set (others are '|', no
# attempt to code), 007 physical description. The codes are those catalogue_sync.marc.formats
# reads, so a harvested export has the format it was exported with.
FORMATS: dict[str, tuple[str, str, dict[int, str], str | None]] = {
    "book": ("a", "m", {}, None),
    "large-print": ("a", "m", {23: "d"}, None),
    "e-book": ("a", "m", {23: "o"}, "cr |||||||||||"),
    "audiobook": ("i", "m", {}, None),
    # Videorecording 007 is 9 characters; 05 (sound) '|': not coded, never ' ' (silent).
    "dvd-bluray": ("g", "m", {33: "v"}, "vd ||||||"),
    "music-cd": ("j", "m", {}, None),
    "score": ("c", "m", {}, None),
    "periodical": ("a", "s", {21: "p"}, None),
    "map": ("e", "m", {}, None),
    "board-game": ("r", "m", {33: "g"}, None),
    "video-game": ("m", "m", {26: "g"}, None),
    # The digital offer's titles (catalogue_sync.online): remote electronic resources, 008's
    # form of item 'o' (online) where the type has one (23; 29 for visual materials).
    "online-periodical": ("a", "s", {21: "p", 23: "o"}, "cr |||||||||||"),
    "online-video": ("g", "m", {29: "o", 33: "v"}, "cr |||||||||||"),
    "online-music": ("j", "m", {23: "o"}, "cr |||||||||||"),
    "online-resource": ("m", "m", {26: "j"}, "cr |||||||||||"),
    "other": ("p", "m", {}, None),  # mixed materials: what we cannot name
}
# Standard numbers as "scheme:value" (catalogue_sync.marc.identifiers) -> 024 first indicator.
STANDARD_NUMBERS = {"upc": "1", "ismn": "2", "ean": "3"}
# System numbers -> the 035 prefix (MARC organization code) they are read back from.
SYSTEM_NUMBERS = {"bnf": "FrPBN", "sudoc": "PPN", "oclc": "OCoLC"}


def to_marc(merged: MergedRecord) -> Record:
    """The merged record (not a tombstone: it needs its display) as a pymarc record."""
    display = merged.display
    if display is None:
        raise ValueError(f"merged record {merged.id} has no display record to export")
    kind, level, fixed, physical = FORMATS.get(str(display.get("format")), FORMATS["other"])
    # 12-16 base address (pymarc computes it), 17-19 "3c " as the docstring says, 20-23 "4500".
    record = Record(leader=f"00000n{kind}{level} a22000003c 4500", force_utf8=True)
    record.fields.extend([Field("001", data=merged.id),
                          Field("005", data=_stamp(merged.updated_at))])
    if physical:
        record.fields.append(Field("007", data=physical))
    record.fields.append(Field("008", data=_fixed_data(display, merged.updated_at, fixed)))
    record.fields.extend([*numbers(display), *description(display), *holdings(display)])
    return record


def _stamp(when: datetime) -> str:
    """005: yyyymmddhhmmss.f."""
    return when.strftime("%Y%m%d%H%M%S") + f".{when.microsecond // 100_000}"


def _fixed_data(display: Mapping[str, Any], when: datetime, fixed: dict[int, str]) -> str:
    """008: date entered, single date (or 'n', unknown), no place, language, source 'd'."""
    year = display.get("year")
    dates = f"s{year:04d}    " if isinstance(year, int) and 0 < year < 10_000 else "nuuuuuuuu"
    material = ["|"] * 17
    for position, code in fixed.items():
        material[position - 18] = code
    language = clean(display.get("language"))
    language = language if len(language) == 3 and language.isalpha() else "|||"
    return f"{when:%y%m%d}{dates}xx {''.join(material)}{language.lower()} d"


def numbers(display: Mapping[str, Any]) -> list[Field]:
    """010, 020, 022, 024 and 035 from the ISBNs, ISSNs and other identifiers."""
    found = [_field("020", "  ", ("a", isbn)) for isbn in cleaned(display.get("isbns"))]
    found += [_field("022", "  ", ("a", issn)) for issn in cleaned(display.get("issns"))]
    found += [_identifier(value) for value in cleaned(display.get("ids"))]
    # Tag order, as cataloguers expect; numbers of one kind keep the display's order.
    return sorted(found, key=lambda field: field.tag)


def _identifier(identifier: str) -> Field:
    scheme, _, value = identifier.partition(":")
    if not value:
        return _field("035", "  ", ("a", identifier))
    if scheme == "lccn":
        return _field("010", "  ", ("a", value))
    if scheme in STANDARD_NUMBERS:
        return _field("024", STANDARD_NUMBERS[scheme] + " ", ("a", value))
    if scheme in SYSTEM_NUMBERS:
        return _field("035", "  ", ("a", f"({SYSTEM_NUMBERS[scheme]}){value}"))
    if scheme == "sys":  # an 035 as catalogued, "(FR-123)456"
        return _field("035", "  ", ("a", value))
    if scheme == "id":  # an 024 whose kind the source did not say
        return _field("024", "8 ", ("a", value))
    return _field("024", "7 ", ("a", value), ("2", scheme))


def description(display: Mapping[str, Any]) -> Iterator[Field]:
    """100, 245, 264, 300, 650 and 700."""
    authors = cleaned(display.get("authors"))
    if authors:
        yield _name("100", authors[0])
    title, subtitle = clean(display.get("title")), clean(display.get("subtitle"))
    if title:
        yield _field("245", ("1" if authors else "0") + "0", ("a", title), ("b", subtitle))
    publisher, year = clean(display.get("publisher")), clean(display.get("year"))
    if publisher or year:
        yield _field("264", " 1", ("b", publisher), ("c", year))
    pages = display.get("pages")
    if isinstance(pages, int) and pages > 0:
        yield _field("300", "  ", ("a", f"{pages} p."))
    for subject in cleaned(display.get("subjects")):
        heading, *subdivisions = subject.split(" -- ")
        yield _field("650", " 4", ("a", heading), *(("x", part) for part in subdivisions))
    for author in authors[1:]:
        yield _name("700", author)


def _name(tag: str, name: str) -> Field:
    # A comma means an inverted personal name ("Camus, Albert"); without one the name is in
    # direct order, which is also how corporate names read (the display keeps no difference).
    return _field(tag, ("1" if ", " in name else "0") + " ", ("a", name))


def holdings(display: Mapping[str, Any]) -> Iterator[Field]:
    """852 per copy: $a library, $b branch, $c shelving location, $h call number,
    $p barcode, $z status (then "due YYYY-MM-DD" when on loan), $x the member record
    ("library:record", as the command line names it). A member without copies (an e-book,
    a periodical) gets one 852 with $a and $x only, so every member library shows."""
    members = display.get("holdings")
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, Mapping):
            continue
        library, record = clean(member.get("library")), clean(member.get("record"))
        source = ("x", f"{library}:{record}")
        items = [item for item in member.get("items") or [] if isinstance(item, Mapping)]
        if not items:
            yield _field("852", "  ", ("a", library), source)
        for item in items:
            yield _field("852", "  ", ("a", library), *_copy(item), source)


def _copy(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    due = clean(item.get("due_date"))
    return [("b", clean(item.get("branch"))), ("c", clean(item.get("location"))),
            ("h", clean(item.get("call_number"))), ("p", clean(item.get("barcode"))),
            ("z", clean(item.get("status"))), ("z", f"due {due}" if due else "")]


def _field(tag: str, indicators: str, *subfields: tuple[str, str]) -> Field:
    """A data field with its non-empty subfields."""
    return Field(tag, Indicators(indicators[0], indicators[1]),
                 [Subfield(code, value) for code, value in subfields if value])


# Serializations


def to_marcxml(record: Record) -> bytes:
    """A MARCXML document whose root is the <record>, valid against MARC21slim.xsd."""
    return bytes(etree.tostring(marcxml_element(record, schema_location=True),
                                xml_declaration=True, encoding="UTF-8"))


def marcxml_element(record: Record, *, schema_location: bool = False) -> etree._Element:
    """The record as a MARCXML <record> element, to embed in OAI-PMH and SRU answers.

    Embedded, it carries no xsi:schemaLocation: the envelope would declare the xsi prefix
    and the record would no longer stand alone, and harvesters (ours among them) that
    keep each record's bytes as sent would store a record that does not parse.
    """
    root = etree.Element(f"{{{MARC_NS}}}record", nsmap={"marc": MARC_NS})
    if schema_location:
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{MARC_NS} {MARC_SCHEMA}")
    etree.SubElement(root, f"{{{MARC_NS}}}leader").text = str(record.leader)
    for field in record.fields:
        if field.control_field:
            control = etree.SubElement(root, f"{{{MARC_NS}}}controlfield", tag=field.tag)
            control.text = field.data
            continue
        data = etree.SubElement(root, f"{{{MARC_NS}}}datafield", tag=field.tag,
                                ind1=field.indicator1, ind2=field.indicator2)
        for subfield in field.subfields:
            etree.SubElement(data, f"{{{MARC_NS}}}subfield", code=subfield.code).text = (
                subfield.value)
    return root


def to_iso2709(record: Record) -> bytes:
    """ISO 2709 in UTF-8 (leader/09 'a').

    A record longer than ISO 2709's 99,999 bytes (a title with thousands of copies) loses
    copies from the end until it fits, each library keeping at least its first: MARCXML,
    which has no limit, has them all.
    """
    data = record.as_marc()
    if len(data) <= ISO2709_LIMIT:
        return data
    trimmed = _trimmed(record)
    log.warning("record %s is too long for ISO 2709; %d copies left out",
                _control(record, "001"), len(record.get_fields("852"))
                - len(trimmed.get_fields("852")))
    return trimmed.as_marc()


def _trimmed(record: Record) -> Record:
    """The record without enough copies to fit: repeated libraries' copies go first."""
    copies = record.get_fields("852")
    first_of_library = {field.get("a"): field for field in reversed(copies)}
    # Last copies first; a library's first copy only when every other copy has gone.
    order = [f for f in reversed(copies) if first_of_library[f.get("a")] is not f]
    order += [f for f in reversed(copies) if first_of_library[f.get("a")] is f]
    excess = len(record.as_marc()) - ISO2709_LIMIT
    dropped: set[int] = set()
    for field in order:
        if excess <= 0:
            break
        dropped.add(id(field))
        excess -= len(field.as_marc(encoding="utf-8")) + 12  # its directory entry
    kept = Record(leader=str(record.leader), force_utf8=True)
    kept.fields.extend(field for field in record.fields if id(field) not in dropped)
    return kept


def _control(record: Record, tag: str) -> str:
    fields = record.get_fields(tag)
    return (fields[0].data or "") if fields else ""
