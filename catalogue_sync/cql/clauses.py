"""CQL search clauses (index, relation, term) as search-tree nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from catalogue_sync.cql.tokens import CqlError, Token
from catalogue_sync.index.query import (
    AllOf,
    AnyOf,
    Everything,
    Query,
    Range,
    SearchField,
    Term,
)

MAX_TERM = 500
TRUNCATION_MIN = 3
"""Characters a truncated word needs before its star (the index's own minimum)."""

IndexKind = Literal["text", "number", "year", "all-records"]
INDEXES: dict[str, tuple[SearchField, IndexKind]] = {
    "cql.serverchoice": ("any", "text"), "srw.serverchoice": ("any", "text"),
    "cql.anywhere": ("any", "text"), "cql.allrecords": ("any", "all-records"),
    "dc.title": ("title", "text"), "dc.creator": ("author", "text"),
    "dc.subject": ("subject", "text"), "dc.publisher": ("publisher", "text"),
    "dc.date": ("year", "year"), "bath.isbn": ("isbn", "number"),
    "bath.issn": ("issn", "number"), "rec.identifier": ("id", "number"),
    "dc.identifier": ("id", "number"),
}
CONTEXT_SETS = ("cql", "srw", "dc", "bath", "rec")
ADJACENT_FIELDS = ("title", "subject", "publisher")
"""Text indexes where "=" means the words as a phrase (see the package doc)."""
RELATIONS = ("=", "==", "exact", "adj", "all", "any", "<", ">", "<=", ">=", "within")
_YEAR = re.compile(r"(\d{4})(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    truncated: bool


def search_clause(index: Token | None, relation: str, term: Token) -> Query:
    """One index, relation and term as a search tree."""
    field, kind = _index(index)
    if kind == "all-records":
        if relation != "=" or term.text.strip() != "1":
            raise CqlError(36, "cql.allRecords is asked as cql.allRecords = 1",
                           position=term.position)
        return Everything()
    words = term_words(term)
    if kind == "year":
        return year_clause(relation, words, term)
    if relation not in ("=", "==", "exact", "adj", "all", "any"):
        raise CqlError(22, f"the relation {relation!r} does not apply to {field} "
                           "(ranges are for dc.date)", position=term.position,
                       details=relation)
    each = [Term(field, w.text, truncated=w.truncated) for w in words]
    if relation == "any":
        return _either(AnyOf, each)
    if relation == "all" and kind == "number":  # numbers are never words of one another
        return _either(AllOf, each)
    if relation == "all" or (relation == "=" and field not in ADJACENT_FIELDS
                             and kind == "text"):
        return all_words(field, words)
    return phrase(field, words, term)


def _index(token: Token | None) -> tuple[SearchField, IndexKind]:
    if token is None:
        return INDEXES["cql.serverchoice"]
    name = token.text.lower()
    candidates = [name] if "." in name else [f"dc.{name}", f"bath.{name}"]
    for candidate in candidates:
        if candidate in INDEXES:
            return INDEXES[candidate]
    prefix = name.split(".", 1)[0] if "." in name else None
    if prefix is not None and prefix not in CONTEXT_SETS:
        raise CqlError(15, f"unsupported context set {prefix!r}; context sets: "
                           f"{', '.join(CONTEXT_SETS)}", position=token.position,
                       details=prefix)
    raise CqlError(16, f"unsupported index {token.text!r}; indexes: "
                       f"{', '.join(sorted(INDEXES))}", position=token.position,
                   details=token.text)


def term_words(term: Token) -> list[Word]:
    """The term's words, escapes resolved, each with its right truncation."""
    if len(term.text) > MAX_TERM:
        raise CqlError(23, f"a term has more than {MAX_TERM} characters",
                       position=term.position)
    words: list[Word] = []
    current: list[str] = []
    star: int | None = None
    offset = term.position + (1 if term.kind == "string" else 0)
    at = 0
    text = term.text
    while at <= len(text):
        character = text[at] if at < len(text) else " "
        if character.isspace():
            if current or star is not None:
                words.append(_word("".join(current), star, offset))
            current, star = [], None
        elif star is not None:
            raise CqlError(49, "a masking character (*) may only end a word",
                           position=offset + star)
        elif character == "\\":
            current.append(_escaped(text, at, offset))
            at += 1
        elif character == "*":
            star = at
        elif character in "?^":
            code = 28 if character == "?" else 31
            raise CqlError(code, f"the character {character!r} is not supported; "
                                 f"escape it as \\{character}", position=offset + at)
        else:
            current.append(character)
        at += 1
    if not words:
        raise CqlError(27, "empty terms are not supported", position=term.position)
    return words


def _escaped(text: str, at: int, offset: int) -> str:
    following = text[at + 1 : at + 2]
    if following not in ('"', "\\", "*", "?", "^"):
        raise CqlError(26, "only \\\" \\\\ \\* \\? and \\^ are escapes",
                       position=offset + at)
    return following


def _word(text: str, star: int | None, offset: int) -> Word:
    if star is not None and len(text) < TRUNCATION_MIN:
        raise CqlError(29, f"a truncated word needs {TRUNCATION_MIN} characters before *",
                       position=offset + star, details=str(TRUNCATION_MIN))
    return Word(text, star is not None)


def all_words(field: SearchField, words: list[Word]) -> Query:
    """Every word somewhere in the index; one term when only the last is truncated."""
    if not any(word.truncated for word in words[:-1]):
        return Term(field, " ".join(w.text for w in words), truncated=words[-1].truncated)
    return _either(AllOf, [Term(field, w.text, truncated=w.truncated) for w in words])


def phrase(field: SearchField, words: list[Word], term: Token) -> Query:
    if any(word.truncated for word in words[:-1]):
        raise CqlError(33, "in a phrase only the last word may be truncated",
                       position=term.position)
    return Term(field, " ".join(w.text for w in words), phrase=len(words) > 1,
                truncated=words[-1].truncated)


def _either(kind: type[AllOf] | type[AnyOf], parts: list[Term]) -> Query:
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


def year_clause(relation: str, words: list[Word], term: Token) -> Query:
    """dc.date: a year (or a date, of which the year counts), a range of years."""
    years = [_year(word, term) for word in words]
    if relation == "within":
        if len(years) != 2 or years[0] > years[1]:
            raise CqlError(36, 'within takes two years, the earlier first: "1990 1999"',
                           position=term.position)
        return Range("year", years[0], years[1])
    if relation == "any":
        return _either(AnyOf, [Term("year", str(year)) for year in years])
    if len(years) != 1 or relation not in ("=", "==", "exact", "<", ">", "<=", ">="):
        raise CqlError(22 if len(years) == 1 else 36,
                       f"dc.date {relation} takes one year", position=term.position)
    year = years[0]
    bounds = {"<": (None, year - 1), ">": (year + 1, None), "<=": (None, year),
              ">=": (year, None)}
    if relation in bounds:
        return Range("year", *bounds[relation])
    return Term("year", str(year))


def _year(word: Word, term: Token) -> int:
    found = _YEAR.fullmatch(word.text)
    if found is None or word.truncated:
        raise CqlError(36, f"{word.text!r} is not a year (YYYY or YYYY-MM-DD)",
                       position=term.position)
    return int(found.group(1))
