"""Writing a description as a UNIMARC bibliographic record (as French Koha libraries do)."""

from __future__ import annotations

from catalogue_sync.models import Format
from services.sandbox.describe import GMD, Description, Name
from services.sandbox.identifiers import bnf_ark
from services.sandbox.libraries import SandboxLibrary
from services.sandbox.marcio import DataField, MarcRecord, Subfields
from services.sandbox.vocabulary import PLACES, ROLES

RECORD_TYPES = {
    Format.AUDIOBOOK: "i", Format.VIDEO: "g", Format.MUSIC: "j", Format.SCORE: "c",
    Format.MAP: "e", Format.BOARD_GAME: "r", Format.VIDEO_GAME: "l",
}
NSB, NSE = "\x88", "\x89"
"""Non-sorting begin/end: UNIMARC's way to mark a leading article."""


def leader(desc: Description, library: SandboxLibrary) -> str:
    fmt = desc.manifestation.format
    status = "c" if desc.corrected else "n"
    level = "s" if fmt is Format.PERIODICAL else "m"
    coding = "a" if library.utf8_leader else " "
    # 20-23 is "450 " in UNIMARC; Koha writes "4500", which the MARCXML schema requires.
    return f"00000{status}{RECORD_TYPES.get(fmt, 'a')}{level}0{coding}2200000   4500"


def general_data(desc: Description) -> str:
    """Field 100$a: entry date, dates, audience, language, character set (50 = Unicode)."""
    m = desc.manifestation
    dates = f"a{m.year}9999" if m.format is Format.PERIODICAL else f"d{m.year}    "
    audience = "a  " if m.work.audience == "youth" else "m  "
    return f"{desc.created:%Y%m%d}{dates}{audience}y0frey50      ba"


def name_field(name: Name, main: bool) -> tuple[str, Subfields]:
    """Tag and subfields of a 700/701/702: $a surname $b forename $f dates $4 relator."""
    code = ROLES[name.role][0]
    subfields: Subfields = [("a", name.surname)]
    subfields += [("b", name.forename)] if name.forename else []
    subfields += [("f", name.dates)] if name.dates else []
    subfields.append(("4", code))
    tag = "700" if main else ("701" if name.role == "author" else "702")
    return tag, subfields


def title_field(desc: Description, library: SandboxLibrary) -> DataField:
    title = desc.title
    if desc.nonfiling_marks and desc.nonfiling:
        title = f"{NSB}{title[:desc.nonfiling]}{NSE}{title[desc.nonfiling:]}"
    subfields: Subfields = [("a", title)]
    if not library.style.rda:
        subfields.append(("b", GMD[desc.manifestation.format]))
    subfields += [("e", desc.subtitle)] if desc.subtitle else []
    subfields += [("f", desc.responsibility)] if desc.responsibility else []
    subfields += [("h", desc.part_label)] if desc.part_label else []
    subfields += [("i", desc.part_title)] if desc.part_title else []
    return ("200", "1 ", subfields)


def identifier_fields(desc: Description, library: SandboxLibrary) -> list[DataField]:
    m = desc.manifestation
    fields: list[DataField] = []
    if desc.isbn:
        isbn: Subfields = [("a", desc.isbn)]
        isbn += [("b", desc.isbn_qualifier)] if desc.isbn_qualifier else []
        isbn += [("d", desc.price)] if desc.price else []
        fields.append(("010", "  ", isbn))
    if m.issn:
        fields.append(("011", "  ", [("a", m.issn)]))
    if desc.bnf:
        fields.append(("035", "  ", [("a", f"(FRBNF){desc.bnf}")]))
    if desc.system_number:
        fields.append(("035", "  ", [("a", f"({library.org_code}){desc.system_number}")]))
    if m.ean:
        fields.append(("073", " 0", [("a", m.ean)]))
    if library.holdings == "koha-unimarc":
        fields.append(("090", "  ", [("a", desc.local_id)]))
    fields.append(("100", "  ", [("a", general_data(desc))]))
    if m.format not in (Format.BOARD_GAME, Format.VIDEO_GAME, Format.MAP):
        fields.append(("101", "0 ", [("a", "fre")]))
    fields.append(("102", "  ", [("a", "FR")]))
    return fields


def description_fields(desc: Description, library: SandboxLibrary) -> list[DataField]:
    """200 to 225: title, edition, publication, physical description, series."""
    m = desc.manifestation
    fields = [title_field(desc, library)]
    if m.edition:
        fields.append(("205", "  ", [("a", m.edition)]))
    publication = [("a", m.publisher.place), ("c", m.publisher.name), ("d", desc.year_text)]
    fields.append(("214", " 0", publication) if library.style.rda else ("210", "  ", publication))
    extent: Subfields = [("a", desc.extent)]
    extent += [("d", desc.dimensions)] if desc.dimensions else []
    fields.append(("215", "  ", extent))
    if m.collection:
        series: Subfields = [("a", m.collection[0])]
        series += [("v", m.collection[1])] if m.collection[1] else []
        fields.append(("225", "2 ", series))
    return fields


def subject_field(heading: tuple[str, ...]) -> DataField:
    """606 RAMEAU: places in $y, periods in $z, topics in $x."""
    subfields: Subfields = [("a", heading[0])]
    for part in heading[1:]:
        code = "z" if "siècle" in part else ("y" if part in PLACES else "x")
        subfields.append((code, part))
    subfields.append(("2", "rameau"))
    return ("606", "  ", subfields)


def to_unimarc(desc: Description, library: SandboxLibrary, holdings: list[DataField]) -> MarcRecord:
    """The UNIMARC record of a description, holdings fields (995) last."""
    m = desc.manifestation
    fields = identifier_fields(desc, library) + description_fields(desc, library)
    fields += [("300", "  ", [("a", note)]) for note in desc.notes]
    if desc.summary:
        fields.append(("330", "  ", [("a", desc.summary)]))
    fields += [subject_field(heading) for heading in desc.subjects]
    if m.work.dewey:
        fields.append(("676", "  ", [("a", m.work.dewey), ("v", "23")]))
    for position, name in enumerate(desc.names):
        main = position == 0 and name.role != "narrator"
        tag, subfields = name_field(name, main)
        fields.append((tag, " 1" if not name.direct else " 0", subfields))
    fields.append(("801", " 0", [("a", "FR"), ("b", library.org_code),
                                 ("c", f"{desc.created:%Y%m%d}")]))
    if desc.url:
        fields.append(("856", "4 ", [("u", desc.url)]))
    controls = [("001", desc.local_id)]
    if desc.bnf:
        controls.append(("003", bnf_ark(desc.bnf)))
    controls.append(("005", f"{desc.modified:%Y%m%d%H%M%S}.0"))
    return MarcRecord(leader(desc, library), controls, fields + holdings)
