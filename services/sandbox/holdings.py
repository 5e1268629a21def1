"""Items (copies) of a record and the holdings field each ILS writes them in.

Item data follows ``catalogue_sync.config.HOLDINGS_PRESETS``: MARC 21 852, Koha MARC 21 952,
Koha UNIMARC 995. Loans and statuses are drawn with the record's version, so a tick that
"changes" a record moves its items in and out of loan as circulation does in a real ILS.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import NamedTuple

from catalogue_sync.config import HOLDINGS_PRESETS
from catalogue_sync.models import Format, LibraryKind
from services.sandbox.describe import strip_accents
from services.sandbox.libraries import SandboxLibrary
from services.sandbox.marcio import DataField
from services.sandbox.works import Manifestation

DOC_TYPES = {
    Format.BOOK: "LIV", Format.LARGE_PRINT: "LGC", Format.EBOOK: "LNUM",
    Format.AUDIOBOOK: "LIVA", Format.VIDEO: "DVD", Format.MUSIC: "CD", Format.SCORE: "PART",
    Format.PERIODICAL: "REV", Format.MAP: "CART", Format.BOARD_GAME: "JEU",
    Format.VIDEO_GAME: "JV",
}
CALL_PREFIXES = {
    Format.LARGE_PRINT: "R GC", Format.AUDIOBOOK: "LA R", Format.VIDEO: "F",
    Format.SCORE: "PART", Format.PERIODICAL: "PER", Format.MAP: "912",
    Format.BOARD_GAME: "JEU", Format.VIDEO_GAME: "JV",
}
NOT_FOR_LOAN = "1"
AVAILABLE = "0"


class ItemData(NamedTuple):
    """One copy, with the values an ILS stores (Koha codes for status and type)."""

    branch: str
    barcode: str
    call_number: str
    location: str
    status: str
    doc_type: str
    due_date: str | None


def cutter(text: str) -> str:
    """The three letters shelved on the spine: "Hugo" -> "HUG"."""
    letters = [c for c in strip_accents(text).upper() if c.isalpha()]
    return "".join(letters[:3]) or "XXX"


def call_number(manifestation: Manifestation) -> str:
    """A French public-library call number: "R HUG", "940.53 BEA", "BD GOS", "F TIT"..."""
    work, fmt = manifestation.work, manifestation.format
    named = cutter(work.creators[0].surname) if work.creators else cutter(work.title)
    if fmt in (Format.VIDEO, Format.BOARD_GAME, Format.VIDEO_GAME, Format.PERIODICAL, Format.MAP):
        return f"{CALL_PREFIXES[fmt]} {cutter(work.title)}"
    if fmt in CALL_PREFIXES:
        return f"{CALL_PREFIXES[fmt]} {named}"
    if fmt is Format.MUSIC:
        return f"CD {named}"
    if work.dewey:
        return f"{work.dewey} {named}"
    if work.family == "series" and work.audience == "adult":
        return f"BD {named}"
    return f"{'J ' if work.audience == 'youth' else ''}R {named}"


def location(library: SandboxLibrary, manifestation: Manifestation, rng: random.Random) -> str:
    fmt = manifestation.format
    if library.kind is LibraryKind.GAME_LIBRARY:
        return "Ludothèque"
    if rng.random() < 0.08:
        return "Magasin"
    if fmt in (Format.VIDEO, Format.MUSIC, Format.SCORE):
        return "Musique et cinéma"
    if fmt is Format.PERIODICAL:
        return "Salle de lecture"
    if manifestation.work.audience == "youth":
        return "Jeunesse"
    return "Espace BD" if manifestation.work.family == "series" else "Adultes"


def items(
    library: SandboxLibrary, index: int, manifestation: Manifestation, rng: random.Random,
    now: datetime,
) -> list[ItemData]:
    """The copies a library holds of a record; e-books and online periodicals have none."""
    if manifestation.format is Format.EBOOK or manifestation.carrier == "en ligne":
        return []
    extra = 3 if library.kind is LibraryKind.DEPARTMENTAL else 1
    count = 1 + sum(rng.random() < 0.3 for _ in range(extra))
    shelf_mark = call_number(manifestation)
    made = []
    for copy in range(count):
        place = location(library, manifestation, rng)
        reference = library.kind is LibraryKind.DOCUMENTATION_CENTRE and rng.random() < 0.5
        status = NOT_FOR_LOAN if reference or place == "Salle de lecture" else AVAILABLE
        on_loan = status == AVAILABLE and rng.random() < 0.18
        due = (now + timedelta(days=rng.randint(1, 28))).date().isoformat() if on_loan else None
        made.append(ItemData(
            branch=rng.choice(library.branches),
            barcode=f"{library.barcode_prefix}{index:08d}{copy}", call_number=shelf_mark,
            location=place, status=status, doc_type=DOC_TYPES[manifestation.format],
            due_date=due,
        ))
    return made


def holdings_fields(library: SandboxLibrary, copies: list[ItemData]) -> list[DataField]:
    """One holdings field per copy, in the library's preset (852, 952 or 995)."""
    preset = HOLDINGS_PRESETS[library.holdings]
    tag = preset["tag"] or "852"
    wanted = ("branch", "location", "call_number", "barcode", "status", "doc_type", "due_date")
    fields: list[DataField] = []
    for copy in copies:
        values = copy._asdict()
        subfields = [(code, values[name]) for name in wanted
                     if (code := preset[name]) is not None and values[name] is not None]
        fields.append((tag, "  " if tag != "852" else "0 ", subfields))
    return fields
