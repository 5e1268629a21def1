"""Cleaning catalogued text: whitespace, control characters, ISBD punctuation, years."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# C1 controls: UNIMARC's non-sorting markers (NSB/NSE, U+0088/89 or U+0098/9C) around a
# leading article. The text stays as catalogued; only the invisible markers go.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# ISBD puts " /", " :", " ;", " =", "," before the next element; it is not part of the value.
ISBD_TRAILING = " /:;,="
# A final period ends an initial ("Dupont, J."), an ellipsis or a few abbreviations: keep it.
_KEPT_PERIOD = re.compile(r"(?:(?:^|[\s.\-'])[^\W\d_]|\.\.|\betc|\bJr|\bInc|\bCie|\bs\.n)\.$", re.I)
# Combining diacritical marks: all the accents of the Latin scripts catalogues use.
_COMBINING = re.compile("[\u0300-\u036f]")
_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


def clean(value: str | None) -> str | None:
    """NFC, control characters removed, whitespace collapsed and stripped; '' becomes None."""
    if not value:
        return None
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if not value.isprintable():  # controls, tabs, line ends, no-break and other spaces
        value = _SPACES.sub(" ", _CONTROLS.sub("", value))
    elif "  " in value:
        value = " ".join(value.split())
    return value.strip() or None


def strip_isbd(value: str | None) -> str | None:
    """``clean`` and without the trailing ISBD punctuation ("Le petit prince /" -> "...")."""
    text = clean(value)
    while text:
        text = text.rstrip(ISBD_TRAILING)
        if not text.endswith(".") or _KEPT_PERIOD.search(text):
            break
        text = text[:-1]
    return text or None


def join(separator: str, parts: Iterable[str | None]) -> str | None:
    """The non-empty parts joined, or None."""
    return separator.join(part for part in parts if part) or None


def unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values, first occurrence kept, in order."""
    return list(dict.fromkeys(value for value in values if value))


def fold(text: str) -> str:
    """Lower case without accents, to match words like "gros caractères" or "jeu vidéo"."""
    if text.isascii():
        return text.casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFD", text.casefold()))


def first_year(text: str | None) -> int | None:
    """The first four-digit number in text ("c2019", "[DL 2020]", "2019, cop. 2018")."""
    found = _YEAR.search(text or "")
    return int(found.group(1)) if found else None


def four_digit_year(text: str) -> int | None:
    """The year if text is exactly four digits (fixed fields write "uuuu" or "19uu" when unsure)."""
    return int(text) if _FOUR_DIGITS.fullmatch(text) else None
