"""Writing a description as a MARC 21 bibliographic record (French public-library practice)."""

from __future__ import annotations

from operator import itemgetter

from catalogue_sync.models import Format
from services.sandbox.describe import GMD, Description, Name
from services.sandbox.libraries import SandboxLibrary
from services.sandbox.marcio import DataField, MarcRecord, Subfields
from services.sandbox.vocabulary import PLACES, ROLES

RECORD_TYPES = {
    Format.AUDIOBOOK: "i", Format.VIDEO: "g", Format.MUSIC: "j", Format.SCORE: "c",
    Format.MAP: "e", Format.BOARD_GAME: "r", Format.VIDEO_GAME: "m",
}
CONTENT_TYPES = {
    Format.VIDEO: ("image animée bidimensionnelle", "tdi", "vidéo", "v"),
    Format.MUSIC: ("musique exécutée", "prm", "audio", "s"),
    Format.AUDIOBOOK: ("mot parlé", "spw", "audio", "s"),
    Format.SCORE: ("musique notée", "ntm", "sans médiation", "n"),
    Format.MAP: ("image cartographique", "cri", "sans médiation", "n"),
    Format.BOARD_GAME: ("forme tridimensionnelle", "tdf", "sans médiation", "n"),
    Format.VIDEO_GAME: ("programme informatique", "cop", "informatique", "c"),
    Format.EBOOK: ("texte", "txt", "informatique", "c"),
}
MAIN_ENTRY_ROLES = {"author", "composer", "performer"}


def isbd(value: str, mark: str, on: bool) -> str:
    """Append ISBD punctuation (" /", " :", "."...) when the library writes it."""
    return f"{value}{mark}" if on else value


def leader(desc: Description, library: SandboxLibrary) -> str:
    fmt = desc.manifestation.format
    status = "c" if desc.corrected else "n"
    level = "s" if fmt is Format.PERIODICAL else "m"
    coding = "a" if library.utf8_leader else " "
    form = "i" if library.style.isbd else " "
    return f"00000{status}{RECORD_TYPES.get(fmt, 'a')}{level} {coding}2200000 {form} 4500"


def fixed_data(desc: Description) -> str:
    """Field 008: date entered, dates, country, language (material positions left unfilled)."""
    year = desc.manifestation.year
    dates = f"c{year}9999" if desc.manifestation.format is Format.PERIODICAL else f"s{year}    "
    return f"{desc.created:%y%m%d}{dates}fr {'|' * 17}fre d"


def name_field(name: Name, on: bool) -> tuple[str, Subfields]:
    """Indicators and subfields of a 100/700: "Hugo, Victor, $d 1802-1885, $e auteur"."""
    if name.direct:
        return "0 ", [("a", name.surname), ("4", ROLES[name.role][1])]
    heading = f"{name.surname}, {name.forename}" if name.forename else name.surname
    subfields: Subfields = [("a", isbd(heading, ",", on and bool(name.dates)))]
    if name.dates:
        subfields.append(("d", name.dates))
    subfields.append(("4", ROLES[name.role][1]))
    return ("1 " if name.forename else "0 "), subfields


def title_field(desc: Description, library: SandboxLibrary, has_main_entry: bool) -> DataField:
    on = library.style.isbd
    parts: Subfields = [("a", desc.title)]
    if not library.style.rda:
        parts.append(("h", f"[{GMD[desc.manifestation.format]}]"))
    if desc.part_label:
        parts.append(("n", desc.part_label))
    if desc.part_title:
        parts.append(("p", desc.part_title))
    if desc.subtitle:
        parts.append(("b", desc.subtitle))
    if desc.responsibility:
        parts.append(("c", desc.responsibility))
    marks = {"b": " :", "c": " /", "h": "", "n": ".", "p": ","}
    punctuated = [
        (code, isbd(value, marks[parts[i + 1][0]], on) if i + 1 < len(parts) else value)
        for i, (code, value) in enumerate(parts)
    ]
    indicators = f"{1 if has_main_entry else 0}{min(desc.nonfiling, 9)}"
    return ("245", indicators, punctuated)


def publication_field(desc: Description, library: SandboxLibrary) -> DataField:
    on, publisher = library.style.isbd, desc.manifestation.publisher
    subfields = [("a", isbd(publisher.place, " :", on)), ("b", isbd(publisher.name, ",", on)),
                 ("c", desc.year_text)]
    return ("264", " 1", subfields) if library.style.rda else ("260", "  ", subfields)


def identifier_fields(desc: Description, library: SandboxLibrary) -> list[DataField]:
    m = desc.manifestation
    fields: list[DataField] = []
    if desc.isbn:
        isbn: Subfields = [("a", desc.isbn)]
        isbn += [("q", desc.isbn_qualifier)] if desc.isbn_qualifier else []
        isbn += [("c", desc.price)] if desc.price else []
        fields.append(("020", "  ", isbn))
    if m.issn:
        fields.append(("022", "  ", [("a", m.issn)]))
    if m.ean:
        fields.append(("024", "3 ", [("a", m.ean)]))
    if desc.bnf:
        fields.append(("035", "  ", [("a", f"(FrPBN){desc.bnf}")]))
    if desc.system_number:
        fields.append(("035", "  ", [("a", f"({library.org_code}){desc.system_number}")]))
    cataloguing: Subfields = [("a", library.org_code), ("b", "fre")]
    cataloguing += [("e", "rda")] if library.style.rda else []
    fields.append(("040", "  ", [*cataloguing, ("c", library.org_code)]))
    return fields


def description_fields(desc: Description, library: SandboxLibrary) -> list[DataField]:
    """250 to 338: edition, publication, physical description, content types."""
    m, on = desc.manifestation, library.style.isbd
    fields: list[DataField] = []
    if m.edition:
        fields.append(("250", "  ", [("a", m.edition)]))
    fields.append(publication_field(desc, library))
    extent: Subfields = [("a", isbd(desc.extent, " ;", on and bool(desc.dimensions)))]
    extent += [("c", desc.dimensions)] if desc.dimensions else []
    fields.append(("300", "  ", extent))
    if library.style.rda:
        content, code, media, media_code = CONTENT_TYPES.get(
            m.format, ("texte", "txt", "sans médiation", "n"))
        fields.append(("336", "  ", [("a", content), ("b", code), ("2", "rdacontent")]))
        fields.append(("337", "  ", [("a", media), ("b", media_code), ("2", "rdamedia")]))
    if m.collection:
        series: Subfields = [("a", isbd(m.collection[0], " ;", on and bool(m.collection[1])))]
        series += [("v", m.collection[1])] if m.collection[1] else []
        fields.append(("490", "0 ", series))
    return fields


def subject_field(heading: tuple[str, ...]) -> DataField:
    """A RAMEAU-like heading: chronological parts in $y, places in $z, the rest in $x."""
    subfields: Subfields = [("a", heading[0])]
    for part in heading[1:]:
        code = "y" if "siècle" in part else ("z" if part in PLACES else "x")
        subfields.append((code, part))
    return ("650", " 4", subfields)


def to_marc21(desc: Description, library: SandboxLibrary, holdings: list[DataField]) -> MarcRecord:
    """The MARC 21 record of a description, holdings fields last."""
    m, on = desc.manifestation, library.style.isbd
    names = list(desc.names)
    main = names.pop(0) if names and names[0].role in MAIN_ENTRY_ROLES else None
    fields = identifier_fields(desc, library)
    if m.format not in (Format.BOARD_GAME, Format.VIDEO_GAME, Format.MAP):
        fields.append(("041", "0 ", [("a", "fre")]))
    if m.work.dewey:
        fields.append(("082", "04", [("a", m.work.dewey), ("2", "23")]))
    if main:
        indicators, subfields = name_field(main, on)
        fields.append(("100", indicators, subfields))
    fields.append(title_field(desc, library, main is not None))
    fields += description_fields(desc, library)
    fields += [("500", "  ", [("a", note)]) for note in desc.notes]
    if desc.summary:
        fields.append(("520", "  ", [("a", desc.summary)]))
    fields += [subject_field(heading) for heading in desc.subjects]
    for name in names:
        indicators, subfields = name_field(name, on)
        fields.append(("700", indicators, subfields))
    if desc.url:
        fields.append(("856", "40", [("u", desc.url), ("z", "Accès en ligne")]))
    controls = [("001", desc.local_id), ("003", library.org_code),
                ("005", f"{desc.modified:%Y%m%d%H%M%S}.0"), ("008", fixed_data(desc))]
    fields += holdings
    fields.sort(key=itemgetter(0))  # stable: 852 belongs before 856
    return MarcRecord(leader(desc, library), controls, fields)
