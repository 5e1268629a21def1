"""The document type a patron would recognise, from coded data first and text as a fallback.

Coded data (leader, 008, 007, 106, 135) is reliable when present; many French records only
say it in words (200$b "Texte imprimé", 215 "1 DVD vidéo"), so the words are checked too.
"""

from __future__ import annotations

import re

from catalogue_sync.marc.fields import FieldIndex, control, fields_of, first_value, values
from catalogue_sync.marc.text import fold
from catalogue_sync.models import Format

_LARGE_PRINT = re.compile(r"gros(?:ses)? caracteres|large print|grands caracteres")
_ONLINE = re.compile(r"ressource en ligne|online resource|livre numerique|e-?book")
_VIDEO_CARRIER = re.compile(r"\bdvd|blu-?ray|videodis|videocassette")
_VIDEO_GAME = re.compile(r"jeux? video|console")
_TEXT = re.compile(r"\btexte\b|\btext\b|livre numerique")

# Leader/06 types whose format needs no further look.
_MARC21_TYPES = {
    "i": Format.AUDIOBOOK,  # nonmusical sound recording: in a public library, a spoken book
    "j": Format.MUSIC,  # musical sound recording
    "c": Format.SCORE,  # notated music
    "d": Format.SCORE,  # manuscript notated music
    "e": Format.MAP,  # cartographic material
    "f": Format.MAP,  # manuscript cartographic material
}
_UNIMARC_TYPES = {
    **_MARC21_TYPES,  # same codes for these in UNIMARC
    "g": Format.VIDEO,  # projected and video material: films on DVD or Blu-ray nowadays
    "r": Format.BOARD_GAME,  # three-dimensional artefacts: games, in French public libraries
}


def marc21_format(leader: str, index: FieldIndex) -> Format:
    """Format of a MARC 21 record: leader/06-07, 008, 007, then 300/338 wording."""
    kind, fixed = leader[6:7], control(index, "008")
    if leader[7:8] == "s":  # a serial is a periodical whatever its carrier
        return Format.PERIODICAL
    if kind in ("a", "t"):
        return _marc21_text(fixed, index)
    if kind == "g":
        return _marc21_projected(fixed, index)
    if kind == "r":  # 008/33 'g': game (other realia are models, kits, toys)
        return Format.BOARD_GAME if fixed[33:34] == "g" else Format.OTHER
    if kind == "m":  # 008/26 'g': game (other computer files are data, software)
        return Format.VIDEO_GAME if fixed[26:27] == "g" else Format.OTHER
    return _MARC21_TYPES.get(kind, Format.OTHER)


def _marc21_text(fixed: str, index: FieldIndex) -> Format:
    form, words = fixed[23:24], _marc21_words(index)
    if form == "d" or _LARGE_PRINT.search(words):  # 008/23 'd': large print
        return Format.LARGE_PRINT
    # 008/23 'o' online, 's' electronic, 'q' direct electronic; 007/00 'c' electronic resource
    if form in ("o", "s", "q") or _has_007(index, "c") or _ONLINE.search(words):
        return Format.EBOOK
    return Format.BOOK


def _marc21_projected(fixed: str, index: FieldIndex) -> Format:
    # 007/00 'v' videorecording, 008/33 'v' videorecording; slides and filmstrips are 'g' too.
    if _has_007(index, "v") or fixed[33:34] == "v" or _VIDEO_CARRIER.search(_marc21_words(index)):
        return Format.VIDEO
    return Format.OTHER


def _has_007(index: FieldIndex, category: str) -> bool:
    return any((field.data or "")[:1] == category for field in fields_of(index, "007"))


def _marc21_words(index: FieldIndex) -> str:
    # 300 physical description and 338 carrier type, where cataloguers name the carrier.
    return fold(" ".join(values(index, ("300", "338"), "abc")))


def unimarc_format(leader: str, index: FieldIndex) -> Format:
    """Format of a UNIMARC record: leader/06-07, 106/135/182, then 200$b and 215 wording."""
    kind, words = leader[6:7], _unimarc_words(index)
    if leader[7:8] == "s":  # a serial is a periodical whatever its carrier
        return Format.PERIODICAL
    if kind in ("a", "b"):
        return _unimarc_text(index, words)
    if kind in ("l", "m") and _VIDEO_GAME.search(words):  # electronic or multimedia game
        return Format.VIDEO_GAME
    if kind == "l":  # 135$a/0 'd': the electronic resource is text
        is_text = first_value(index, "135", "a")[:1] == "d" or _TEXT.search(words)
        return Format.EBOOK if is_text else Format.OTHER
    return _UNIMARC_TYPES.get(kind, Format.OTHER)


def _unimarc_text(index: FieldIndex, words: str) -> Format:
    form = first_value(index, "106", "a")[:1]
    if form == "d" or _LARGE_PRINT.search(words):  # 106$a/0 'd': large print
        return Format.LARGE_PRINT
    # 106$a/0 's' (electronic, before 2012), 135 (electronic resource coded data),
    # 182$a/0 'b' (media type: electronic, since 2012)
    if form == "s" or "135" in index or first_value(index, "182", "a")[:1] == "b":
        return Format.EBOOK
    return Format.EBOOK if _ONLINE.search(words) else Format.BOOK


def _unimarc_words(index: FieldIndex) -> str:
    # 200$b general material designation ("Texte imprimé", "Jeu vidéo") and 215 description.
    return fold(" ".join([*values(index, ("200",), "b"), *values(index, ("215",), "acde")]))
