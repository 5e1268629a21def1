"""The search tree (``index.query``) as a tantivy query; where relevance is decided.

Each word must be found, in any of the fields of its index ("any": title, author, subject,
publisher). Within one word, the best field counts, the others a little (a disjunction max
with a 0.2 tie-breaker), so a title match outranks a subject match:

    title 4, title (English stemmed) 3.5, author surname 3, author 2,
    subject 1.5, subject (English stemmed) 1.3, publisher 0.5

On top of the words (``bonus``), when the query is plain words or a phrase looked for in
"any" or "title": the whole title equal to the query (``analysis.exact_title``) adds a
large boost, the words as a phrase in the title a smaller one. A number that looks like an
ISBN, an ISSN or another identifier also matches those fields, in any of its forms (the
index holds every form; hyphens and spaces are dropped here). Newer editions are favoured by
the searcher's recency weight (documents.recency), not here.

Truncation ("hist*") needs at least three characters before the star; shorter, the word is
matched whole (a one-letter prefix would expand to a large part of the dictionary).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import tantivy

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index.analysis import (
    ANALYZERS,
    ENGLISH,
    FRENCH,
    WORDS,
    analyze,
    compact_identifier,
    exact_title,
)
from catalogue_sync.index.query import (
    SEARCH_FIELDS,
    AllOf,
    AnyOf,
    Everything,
    Query,
    Range,
    Term,
    Without,
)

MAX_DEPTH = 20
"""How deeply and/or/not may nest (a CQL query can nest without end)."""
MAX_WORDS = 64
"""How many words, phrases and numbers one query may hold."""
PREFIX_MIN = 3
TIE_BREAKER = 0.2
EXACT_TITLE_BOOST = 4.0
PHRASE_BOOST = 2.0
IDENTIFIER_BOOST = 3.0

FieldSpec = tuple[str, str, float]
"""A tantivy field, its analyzer, its weight."""
GROUPS: dict[str, tuple[FieldSpec, ...]] = {
    "any": (("title", FRENCH, 4.0), ("title_en", ENGLISH, 3.5), ("surname", WORDS, 3.0),
            ("author", WORDS, 2.0), ("subject", FRENCH, 1.5), ("subject_en", ENGLISH, 1.3),
            ("publisher", WORDS, 0.5)),
    "title": (("title", FRENCH, 1.0), ("title_en", ENGLISH, 0.9)),
    "author": (("surname", WORDS, 1.5), ("author", WORDS, 1.0)),
    "subject": (("subject", FRENCH, 1.0), ("subject_en", ENGLISH, 0.9)),
    "publisher": (("publisher", WORDS, 1.0),),
}
# A number, a "scheme:value" id, or a merged record's id ("m" and 12 hex digits, maybe a
# "-2" suffix), as compact_identifier leaves them: librarians paste those into the box.
_IDENTIFIER = re.compile(r"[0-9]{4,}[0-9X]*|[A-Z]+:\S+|M[0-9A-F]{12}[0-9]*")


@dataclass(slots=True)
class Translator:
    """Turns one search tree into one tantivy query (a new translator per search)."""

    schema: tantivy.Schema
    words: int = field(default=0)

    def query(self, node: Query, depth: int = 0) -> tantivy.Query:
        if depth > MAX_DEPTH:
            raise InvalidRequest(f"the query nests more than {MAX_DEPTH} levels deep")
        if isinstance(node, Everything):
            return tantivy.Query.all_query()
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Range):
            return self.year_range(node)
        if isinstance(node, AllOf | AnyOf):
            return self.combined(node, depth)
        if isinstance(node, Without):
            kept, dropped = self.query(node.kept, depth + 1), self.query(node.dropped, depth + 1)
            return tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, kept), (tantivy.Occur.MustNot, dropped)])
        raise InvalidRequest(f"not a search query: {type(node).__name__}")

    def combined(self, node: AllOf | AnyOf, depth: int) -> tantivy.Query:
        parts = [self.query(part, depth + 1) for part in node.parts]
        if not parts:
            return tantivy.Query.all_query()
        if len(parts) == 1:
            return parts[0]
        occur = tantivy.Occur.Must if isinstance(node, AllOf) else tantivy.Occur.Should
        return tantivy.Query.boolean_query([(occur, part) for part in parts])

    def year_range(self, node: Range) -> tantivy.Query:
        if node.field != "year":
            raise InvalidRequest(f"a range is on year only, not {node.field!r}")
        if node.low is None and node.high is None:
            return tantivy.Query.exists_query("year")
        return tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer,
                                         _year(node.low), _year(node.high))

    def term(self, node: Term) -> tantivy.Query:
        if node.field not in SEARCH_FIELDS or not isinstance(node.text, str):
            raise InvalidRequest(f"unknown index {node.field!r}; the indexes are "
                                 f"{', '.join(SEARCH_FIELDS)}")
        if node.field in ("isbn", "issn"):
            return self.number(node.field, node.text, node.truncated)
        if node.field == "id":
            return self.identifier(node.text)
        if node.field == "year":
            self._count(1)
            text = node.text.strip()
            return (tantivy.Query.term_query(self.schema, "year", int(text))
                    if text.isascii() and text.isdigit() and len(text) <= 4
                    else tantivy.Query.empty_query())
        found = self.text(GROUPS[node.field], node)
        if node.field == "any" and _IDENTIFIER.fullmatch(compact_identifier(node.text)):
            return _any_of([found, self.identifier(node.text)])
        return found

    def text(self, fields: tuple[FieldSpec, ...], node: Term) -> tantivy.Query:
        """Words in any of ``fields``: a phrase, or each word somewhere."""
        tokens = analyze(node.text)
        self._count(len(tokens))
        if not tokens:
            return tantivy.Query.all_query()  # only punctuation: it restricts nothing
        if node.phrase and len(tokens) > 1:
            return self.phrase(fields, node.text, prefix=node.truncated)
        words = [self.word(fields, token) for token in tokens[:-1]]
        last = tokens[-1]
        truncate = node.truncated and len(last) >= PREFIX_MIN and last.isalnum()
        words.append(self.prefix(fields, last) if truncate else self.word(fields, last))
        return _all_of(words)

    def word(self, fields: Iterable[FieldSpec], token: str) -> tantivy.Query:
        """One word (already folded) in the best of ``fields``."""
        clauses = []
        for name, analyzer, weight in fields:
            for term in ANALYZERS[analyzer].analyze(token):
                query = tantivy.Query.term_query(self.schema, name, term)
                clauses.append(tantivy.Query.boost_query(query, weight))
        return tantivy.Query.disjunction_max_query(clauses, TIE_BREAKER)

    def prefix(self, fields: Iterable[FieldSpec], token: str) -> tantivy.Query:
        """A word's beginning: as typed, and as stemmed (a stem may be shorter than the
        word: "histoire*" must find "histoir", the stem of "histoires")."""
        clauses = []
        for name, analyzer, weight in fields:
            for start in dict.fromkeys([token, *ANALYZERS[analyzer].analyze(token)]):
                query = tantivy.Query.regex_query(self.schema, name, f"{start}.*")
                clauses.append(tantivy.Query.boost_query(query, weight))
        return tantivy.Query.disjunction_max_query(clauses, TIE_BREAKER)

    def phrase(self, fields: Iterable[FieldSpec], text: str, *, prefix: bool = False
               ) -> tantivy.Query:
        """The words in this order, next to each other, in the best of ``fields``."""
        clauses = []
        for name, analyzer, weight in fields:
            tokens: list[str | tuple[int, str]] = list(analyze(text, analyzer))
            if len(tokens) < 2:
                continue
            query = (tantivy.Query.phrase_prefix_query(self.schema, name, tokens) if prefix
                     else tantivy.Query.phrase_query(self.schema, name, tokens))
            clauses.append(tantivy.Query.boost_query(query, weight))
        return tantivy.Query.disjunction_max_query(clauses, TIE_BREAKER)

    def number(self, name: str, text: str, truncated: bool = False) -> tantivy.Query:
        """An ISBN or ISSN in any form: the index holds every form, compacted."""
        self._count(1)
        value = compact_identifier(text)
        if not value:
            return tantivy.Query.empty_query()
        if truncated and len(value) >= PREFIX_MIN and value.isalnum():
            return tantivy.Query.regex_query(self.schema, name, f"{value}.*")
        return tantivy.Query.term_query(self.schema, name, value)

    def identifier(self, text: str) -> tantivy.Query:
        """A merged record's id, or any standard number it carries (ISBN, ISSN, EAN...)."""
        self._count(1)
        value = compact_identifier(text)
        clauses = [tantivy.Query.term_query(self.schema, "id", text.strip().lower())]
        clauses += [tantivy.Query.term_query(self.schema, name, value)
                    for name in ("isbn", "issn", "ids")]
        return tantivy.Query.boost_query(
            tantivy.Query.disjunction_max_query(clauses, TIE_BREAKER), IDENTIFIER_BOOST)

    def bonus(self, node: Query) -> list[tantivy.Query]:
        """Extra score for an exact title and for the words as a phrase in the title."""
        text = plain_text(node)
        if not text:
            return []
        exact = tantivy.Query.term_query(self.schema, "title_exact", exact_title(text))
        found = [tantivy.Query.boost_query(exact, EXACT_TITLE_BOOST)]
        if len(analyze(text)) > 1:
            phrase = self.phrase(GROUPS["title"], text)
            found.append(tantivy.Query.boost_query(phrase, PHRASE_BOOST))
        return found

    def _count(self, words: int) -> None:
        self.words += words
        if self.words > MAX_WORDS:
            raise InvalidRequest(f"the query has more than {MAX_WORDS} words; shorten it")


def plain_text(node: Query) -> str | None:
    """The words of a query that is only words or phrases in "any" or "title", in order."""
    terms = node.parts if isinstance(node, AllOf) else (node,)
    if not all(isinstance(term, Term) and term.field in ("any", "title")
               and not term.truncated for term in terms):
        return None
    return " ".join(term.text for term in terms if isinstance(term, Term))


def _all_of(parts: list[tantivy.Query]) -> tantivy.Query:
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, part) for part in parts])


def _any_of(parts: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, part) for part in parts])


def _year(value: int | None) -> int | None:
    """A bound the index can hold (a hostile bound must not overflow)."""
    if value is None:
        return None
    if not isinstance(value, int):
        raise InvalidRequest(f"a year is a whole number, not {value!r}")
    return min(max(value, -(10**9)), 10**9)
