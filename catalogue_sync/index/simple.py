"""The search box's syntax, as patrons type it, parsed into the search tree.

    victor hugo misérables     every word must be found (in title, author, subject...)
    "le petit prince"          an exact phrase (« », “ ” work too; an unclosed quote runs
                               to the end)
    hist*                      a word's beginning (three characters at least)
    camus -peste               without the records matching "peste" (a phrase too: -"...")
    978-2-07-036002-4          an ISBN or ISSN, typed any way (hyphens, spaces, 10 or 13
                               digits), is also looked up as such

Anything else is text: operators, brackets and stray punctuation are simply not words, so
parsing never fails. Only a query longer than ``MAX_LENGTH`` characters is refused
(``InvalidRequest``); an empty one is the whole catalogue (``Everything``).
"""

from __future__ import annotations

import re
import unicodedata

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index.analysis import compact_identifier
from catalogue_sync.index.query import AllOf, AnyOf, Everything, Query, Term, Without
from catalogue_sync.merge.keys import isbn13

MAX_LENGTH = 1000
"""Characters a search box query may have (a long title with its author is under 300)."""

_PIECE = re.compile(r'(-*)(?:["«“”„]([^"«»“”„]*)["»“”„]?|([^\s"«“”„]+))')
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters, and the halves of a UTF-16 pair that a client sent alone (no text
holds one: the index could not even encode it), read as spaces."""
_ISBN = re.compile(r"97[89][0-9]{10}|[0-9]{9}[0-9X]")
_ISSN = re.compile(r"[0-9]{4}-?[0-9]{3}[0-9X]")
_SPACED_NUMBER = re.compile(r"(?<![\w-])[0-9][0-9 -]{8,20}[0-9Xx](?![\w-])")


def parse(text: str) -> Query:
    """The search tree of a search box query (see the module doc)."""
    if len(text) > MAX_LENGTH:
        raise InvalidRequest(f"the search is {len(text)} characters long; at most "
                             f"{MAX_LENGTH} are read")
    text = _CONTROLS.sub(" ", unicodedata.normalize("NFC", text))
    text = _SPACED_NUMBER.sub(_isbn_as_one_word, text)
    wanted: list[Query] = []
    unwanted: list[Query] = []
    for found in _PIECE.finditer(text):
        excluded, phrase, word = found.group(1), found.group(2), found.group(3)
        piece = _phrase(phrase) if phrase is not None else _word(word)
        if piece is not None:
            (unwanted if excluded else wanted).append(piece)
    kept = _all_of(wanted)
    if not unwanted:
        return kept
    return Without(kept, unwanted[0] if len(unwanted) == 1 else AnyOf(tuple(unwanted)))


def _isbn_as_one_word(found: re.Match[str]) -> str:
    """An ISBN typed with spaces ("978 2 07 036002 4") as one word."""
    number = found.group()
    return number.replace(" ", "-") if " " in number and isbn13(number) else number


def _phrase(text: str) -> Query | None:
    truncated = text.rstrip().endswith("*")
    text = text.strip().rstrip("*").strip()
    if not _has_word(text):
        return None
    return Term("any", text, phrase=True, truncated=truncated)


def _word(text: str) -> Query | None:
    text = text.lstrip("+")
    truncated = text.endswith("*")
    text = text.rstrip("*")
    if not _has_word(text):
        return None
    term = Term("any", text, truncated=truncated)
    if truncated:
        return term
    number = compact_identifier(text)
    if _ISBN.fullmatch(number):
        return AnyOf((term, Term("isbn", text)))
    if _ISSN.fullmatch(text.upper()):
        return AnyOf((term, Term("issn", text)))
    return term


def _has_word(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _all_of(parts: list[Query]) -> Query:
    if not parts:
        return Everything()
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))
