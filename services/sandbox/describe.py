"""How one library describes a manifestation: the same book, catalogued its own way.

:func:`describe` turns a manifestation into a flavour-neutral :class:`Description` with the
library's habits applied (ISBN written with or without hyphens, subtitle kept or dropped,
author written "Hugo, Victor" or "Victor Hugo"...); ``marc21`` and ``unimarc`` then write it
as fields. Choices come from a generator seeded by (seed, library, record), so a record is
the same every time it is asked for.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from catalogue_sync.models import Format
from services.sandbox.identifiers import hyphenated, isbn10
from services.sandbox.libraries import ISBN_FORMS, NAME_FORMS, SandboxLibrary
from services.sandbox.works import Manifestation, Person

ARTICLES = ("L'", "Le ", "La ", "Les ", "Un ", "Une ")
PART_FORMS = ("Tome {n}", "T. {n}", "{n}", "Volume {n}")
# General material designation, written by pre-RDA catalogues (MARC 21 245$h, UNIMARC 200$b).
GMD = {
    Format.BOOK: "Texte imprimé", Format.LARGE_PRINT: "Texte imprimé (gros caractères)",
    Format.EBOOK: "Ressource électronique", Format.AUDIOBOOK: "Enregistrement sonore",
    Format.VIDEO: "Images animées", Format.MUSIC: "Enregistrement sonore musical",
    Format.SCORE: "Musique imprimée", Format.MAP: "Document cartographique",
    Format.BOARD_GAME: "Objet", Format.VIDEO_GAME: "Ressource électronique",
    Format.PERIODICAL: "Texte imprimé", Format.OTHER: "Document",
}
QUALIFIERS = {Format.BOOK: "(br.)", Format.LARGE_PRINT: "(br.)", Format.EBOOK: "(ePub)",
              Format.AUDIOBOOK: "(CD MP3)", Format.MAP: "(carte pliée)"}


@dataclass(slots=True)
class Name:
    """A person as this record writes them."""

    surname: str
    forename: str | None
    dates: str | None
    role: str
    direct: bool = False
    """"Victor Hugo" typed in the surname field (a common error in older records)."""


@dataclass(slots=True)
class Description:
    """One library's description of one manifestation, before MARC tagging."""

    manifestation: Manifestation
    local_id: str
    created: datetime
    modified: datetime
    title: str
    nonfiling: int
    subtitle: str | None
    part_label: str | None
    part_title: str | None
    names: list[Name]
    responsibility: str | None
    isbn: str | None
    isbn_qualifier: str | None
    price: str | None
    year_text: str
    extent: str
    dimensions: str | None
    bnf: str | None
    system_number: str | None
    nonfiling_marks: bool = False
    subjects: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str | None = None
    url: str | None = None
    corrected: bool = False


def describe(
    library: SandboxLibrary, index: int, manifestation: Manifestation, rng: random.Random,
    created: datetime, modified: datetime,
) -> Description:
    """The library's description of a manifestation it holds (its record number ``index``)."""
    style, work = library.style, manifestation.work
    isbn, qualifier = written_isbn(library, manifestation, rng)
    keep_subtitle = work.subtitle and rng.random() >= style.drop_subtitle
    title = written_title(work.title, rng, style.sentence_case, style.legacy_upper)
    names = [written_name(person, library, rng) for person in work.creators]
    names += [written_name(person, library, rng) for person in manifestation.contributors]
    return Description(
        manifestation=manifestation, local_id=library.local_id(index), created=created,
        modified=modified, title=title, nonfiling=nonfiling_length(title),
        subtitle=work.subtitle if keep_subtitle else None,
        part_label=rng.choice(PART_FORMS).format(n=work.part) if work.part else None,
        part_title=work.part_title if work.part and rng.random() < 0.8 else None, names=names,
        responsibility=statement(work.creators) if rng.random() < 0.8 else None,
        isbn=isbn, isbn_qualifier=qualifier,
        price=f"{rng.randint(6, 35)},{rng.choice(('00', '50', '90'))} EUR"
        if isbn and rng.random() < 0.4 else None,
        year_text=written_year(manifestation.year, rng), extent=written_extent(manifestation, rng),
        dimensions=dimensions(manifestation, rng),
        bnf=manifestation.bnf if rng.random() < style.bnf_id else None,
        system_number=f"{rng.randrange(10**6):06d}" if rng.random() < style.system_number else None,
        nonfiling_marks=rng.random() < style.nonfiling_marks,
        subjects=list(work.subjects), summary=work.summary if rng.random() < 0.6 else None,
        url=f"https://numerique.example.org/livre/{manifestation.isbn}"
        if manifestation.format is Format.EBOOK or manifestation.carrier == "en ligne" else None,
        corrected=modified != created,
    )


def written_isbn(
    library: SandboxLibrary, manifestation: Manifestation, rng: random.Random
) -> tuple[str | None, str | None]:
    """The ISBN as this library types it, and its qualifier when one is given."""
    style = library.style
    form = rng.choices(ISBN_FORMS, weights=style.isbn_forms)[0]
    if manifestation.isbn is None or form == "missing":
        return None, None
    prefix = manifestation.publisher.prefix
    value = manifestation.isbn if form.startswith("13") else isbn10(manifestation.isbn)
    if form.endswith("hyphens"):
        value = hyphenated(value, prefix)
    qualifier = None
    if rng.random() < style.isbn_qualifier:
        qualifier = "(rel.)" if manifestation.extent < 70 else QUALIFIERS.get(
            manifestation.format, "(br.)")
    if qualifier and style.qualifier_in_a:
        return f"{value} {qualifier}", None
    return value, qualifier


def written_title(title: str, rng: random.Random, sentence: float, upper: float) -> str:
    """BnF sentence case ("Le comte de Monte-Cristo"), as given, or legacy capitals."""
    if rng.random() < upper:
        return strip_accents(title).upper()
    if rng.random() < sentence:
        return sentence_case(title)
    return title


def sentence_case(title: str) -> str:
    """Lower-case the word after a leading article: "Les Misérables" -> "Les misérables"."""
    for article in ARTICLES:
        if title.startswith(article) and len(title) > len(article):
            rest = title[len(article):]
            return article + rest[0].lower() + rest[1:]
    return title


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def nonfiling_length(title: str) -> int:
    """Characters a filing rule skips ("Les " is 4, "L'" is 2)."""
    upper = title.upper()
    return next((len(a) for a in ARTICLES if upper.startswith(a.upper())), 0)


def written_name(person: Person, library: SandboxLibrary, rng: random.Random) -> Name:
    """A person written in one of the forms the library's cataloguers use."""
    form = rng.choices(NAME_FORMS, weights=library.style.name_forms)[0]
    forename = person.forename or None
    if form == "direct" and forename:
        return Name(f"{forename} {person.surname}", None, None, person.role, direct=True)
    if form == "initial" and forename:
        initials = "-".join(part[0] + "." for part in forename.split("-"))
        return Name(person.surname, initials, None, person.role)
    dates = person.dates if form == "dated" else None
    return Name(person.surname, forename, dates, person.role)


def statement(creators: tuple[Person, ...]) -> str | None:
    """The statement of responsibility as printed on the title page."""
    if not creators:
        return None
    shown = [f"{p.forename} {p.surname}".strip() for p in creators[:2]]
    if len(creators) > 1 and creators[1].role == "illustrator":
        return f"scénario {shown[0]} ; dessin {shown[1]}"
    return ", ".join(shown)


def written_year(year: int, rng: random.Random) -> str:
    return rng.choices((str(year), f"cop. {year}", f"DL {year}", f"[{year}]"),
                       weights=(6, 2, 2, 1))[0]


def written_extent(manifestation: Manifestation, rng: random.Random) -> str:
    """The physical description: "352 p.", "1 vol. (352 p.)", "1 DVD vidéo (1 h 52 min)"..."""
    fmt, n = manifestation.format, manifestation.extent
    if fmt in (Format.BOOK, Format.LARGE_PRINT, Format.SCORE):
        return rng.choice((f"{n} p.", f"{n} pages", f"1 vol. ({n} p.)"))
    if fmt is Format.EBOOK:
        return "1 ressource en ligne (EPUB)"
    if fmt in (Format.VIDEO, Format.AUDIOBOOK, Format.MUSIC):
        hours, minutes = divmod(n, 60)
        duration = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
        carrier = {Format.VIDEO: f"1 {manifestation.carrier} vidéo",
                   Format.AUDIOBOOK: "1 disque compact MP3", Format.MUSIC: "1 disque compact"}
        return f"{carrier[fmt]} ({duration})"
    if fmt is Format.BOARD_GAME:
        return f"1 boîte de jeu ({n} cartes, 1 plateau, 1 livret de règles)"
    if fmt is Format.VIDEO_GAME:
        return f"1 jeu vidéo ({manifestation.carrier})"
    if fmt is Format.MAP:
        return "1 carte : en coul. ; pliée"
    return "vol."


def dimensions(manifestation: Manifestation, rng: random.Random) -> str | None:
    fmt = manifestation.format
    if fmt in (Format.BOOK, Format.LARGE_PRINT, Format.SCORE, Format.PERIODICAL):
        small = manifestation.collection is not None and fmt is Format.BOOK
        return f"{rng.randint(17, 18) if small else rng.randint(20, 30)} cm"
    if fmt is Format.BOARD_GAME:
        return "30 x 30 cm"
    return None
