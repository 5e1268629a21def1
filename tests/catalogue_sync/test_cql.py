"""CQL into the search tree: the subset SRU clients send, each refusal with its SRU
diagnostic and position, and a parser that never fails any other way."""

from __future__ import annotations

import random

import pytest

from catalogue_sync.cql import CqlError, parse
from catalogue_sync.cql.parser import MAX_DEPTH
from catalogue_sync.index.query import (
    AllOf,
    AnyOf,
    Everything,
    Query,
    Range,
    Term,
    Without,
)


def any_(text: str, **flags: bool) -> Term:
    return Term("any", text, **flags)


PARSED: list[tuple[str, Query]] = [
    # Bare terms and cql.serverChoice: every word somewhere.
    ("camus", any_("camus")),
    ('"and" or "not"', AnyOf((any_("and"), any_("not")))),
    ('"le petit prince"', any_("le petit prince")),
    ("cql.serverChoice = étranger", any_("étranger")),
    ('CQL.SERVERCHOICE ALL "albert camus"', any_("albert camus")),
    ('srw.serverChoice any "camus sartre"', AnyOf((any_("camus"), any_("sartre")))),
    ('cql.serverChoice adj "le petit prince"', any_("le petit prince", phrase=True)),
    # Titles, subjects, publishers: "=" is the phrase.
    ('dc.title = "le petit prince"', Term("title", "le petit prince", phrase=True)),
    ("dc.title = misérables", Term("title", "misérables")),
    ('dc.title == "les misérables"', Term("title", "les misérables", phrase=True)),
    ('dc.title exact "les misérables"', Term("title", "les misérables", phrase=True)),
    ('dc.title all "misérables hugo"', Term("title", "misérables hugo")),
    ('dc.subject = "seconde guerre mondiale"',
     Term("subject", "seconde guerre mondiale", phrase=True)),
    ("dc.publisher = gallimard", Term("publisher", "gallimard")),
    ("title = peste", Term("title", "peste")),
    # Creators: names are inverted in catalogues, so "=" is every word.
    ('dc.creator = "albert camus"', Term("author", "albert camus")),
    ('dc.creator adj "camus, albert"', Term("author", "camus, albert", phrase=True)),
    # Truncation.
    ("hist*", any_("hist", truncated=True)),
    ('dc.title = "histoire de fra*"', Term("title", "histoire de fra", phrase=True,
                                           truncated=True)),
    ('dc.title all "hist* fran*"', AllOf((Term("title", "hist", truncated=True),
                                          Term("title", "fran", truncated=True)))),
    ('dc.subject any "géo* hist*"', AnyOf((Term("subject", "géo", truncated=True),
                                           Term("subject", "hist", truncated=True)))),
    (r'"\*star\* \"quoted\" back\\slash"', any_('*star* "quoted" back\\slash')),
    # Numbers.
    ("bath.isbn = 978-2-07-036002-4", Term("isbn", "978-2-07-036002-4")),
    ('bath.isbn = "2 07 036002 4"', Term("isbn", "2 07 036002 4", phrase=True)),
    ("bath.issn = 0026-9395", Term("issn", "0026-9395")),
    ('bath.isbn any "9782070360024 9782070360031"',
     AnyOf((Term("isbn", "9782070360024"), Term("isbn", "9782070360031")))),
    ('bath.isbn all "9782070360024 9782070360031"',
     AllOf((Term("isbn", "9782070360024"), Term("isbn", "9782070360031")))),
    ("bath.isbn = 978207*", Term("isbn", "978207", truncated=True)),
    ("isbn = 9782070360024", Term("isbn", "9782070360024")),
    ("rec.identifier = m0123456789ab", Term("id", "m0123456789ab")),
    # Dates.
    ("dc.date = 1957", Term("year", "1957")),
    ("dc.date == 1957-05-01", Term("year", "1957")),
    ("dc.date < 1957", Range("year", None, 1956)),
    ("dc.date <= 1957", Range("year", None, 1957)),
    ("dc.date > 1957", Range("year", 1958, None)),
    ("dc.date >= 1957", Range("year", 1957, None)),
    ('dc.date within "1950 1959"', Range("year", 1950, 1959)),
    ('dc.date any "1957 1972"', AnyOf((Term("year", "1957"), Term("year", "1972")))),
    ("date>2000", Range("year", 2001, None)),
    # Everything.
    ("cql.allRecords = 1", Everything()),
    # Booleans: equal precedence, left to right, chains kept flat.
    ("camus and peste", AllOf((any_("camus"), any_("peste")))),
    ("camus AND peste And chute", AllOf((any_("camus"), any_("peste"), any_("chute")))),
    ("camus or sartre or beauvoir",
     AnyOf((any_("camus"), any_("sartre"), any_("beauvoir")))),
    ("camus not peste", Without(any_("camus"), any_("peste"))),
    ("camus not peste not chute",
     Without(any_("camus"), AnyOf((any_("peste"), any_("chute"))))),
    ("camus or sartre and peste",
     AllOf((AnyOf((any_("camus"), any_("sartre"))), any_("peste")))),
    ("camus or (sartre and peste)",
     AnyOf((any_("camus"), AllOf((any_("sartre"), any_("peste")))))),
    ("((camus))", any_("camus")),
    ("(camus and peste) and (sartre and nausée)",
     AllOf((any_("camus"), any_("peste"), any_("sartre"), any_("nausée")))),
    ('dc.creator=camus and dc.title="la peste" not dc.date<1950',
     Without(AllOf((Term("author", "camus"), Term("title", "la peste", phrase=True))),
             Range("year", None, 1949))),
    # Harmless relation modifiers.
    ("dc.title =/ignoreCase peste", Term("title", "peste")),
    ("dc.title any/cql.ignoreAccents/ignoreCase peste", Term("title", "peste")),
    ("dc.title cql.any peste", Term("title", "peste")),
]


@pytest.mark.parametrize(("query", "tree"), PARSED, ids=[q for q, _ in PARSED])
def test_cql_becomes_the_search_tree(query: str, tree: Query) -> None:
    assert parse(query) == tree


REFUSED: list[tuple[str, int, int | None]] = [
    # (query, SRU diagnostic, 1-based character position or None)
    ("", 10, 1),
    ("   ", 10, 1),
    ("victor hugo", 10, 8),
    ("camus and", 10, 10),
    ("and camus", 10, 1),
    ("dc.title =", 10, 11),
    ("= camus", 10, 1),
    ("camus )", 13, 7),
    ("(camus", 13, 1),
    ("((camus)", 13, 1),
    ("()", 13, 2),
    ("camus / peste", 10, 7),
    ('"camus', 14, 1),
    ('dc.title = "la peste', 14, 12),
    ("foo.title = camus", 15, 1),
    ("dc.author = camus", 16, 1),
    ("dc.foo = camus", 16, 1),
    ("author = camus", 16, 1),
    ("dc.title <> peste", 19, 10),
    ("dc.title encloses peste", 19, 10),
    ("dc.title near peste", 19, 10),
    ("dc.title =/respectCase peste", 20, 12),
    ("dc.title =/rel.algorithm=cori peste", 20, 12),
    ("dc.title < peste", 22, 12),
    ("dc.title within peste", 22, 17),
    ("bath.isbn > 978", 22, 13),
    ("x" * 501, 23, 1),
    ("dc.title = a\\b", 26, 13),
    ('dc.title = ""', 27, 12),
    ("dc.title = h?st", 28, 13),
    ("dc.title = h*st", 49, 13),
    ("dc.title = *", 29, 12),
    ("dc.title = hi*", 29, 14),
    ("dc.title = ^peste", 31, 12),
    ('dc.title adj "hist* de france"', 33, 14),
    ("dc.date = nineteen", 36, 11),
    ("dc.date = 1957*", 36, 11),
    ('dc.date within "1959 1950"', 36, 16),
    ('dc.date within "1950"', 36, 16),
    ('dc.date adj "1950"', 22, 13),
    ('dc.date < "1950 1960"', 36, 11),
    ("cql.allRecords = 0", 36, 18),
    ("cql.allRecords any 1", 36, 20),
    ("camus prox peste", 39, 7),
    ("camus and/rel.combine=sum peste", 46, 10),
    ("camus sortBy dc.title", 80, 7),
    ('> dc = "info:srw/cql-context-set/1/dc-v1.1" dc.title = peste', 48, 1),
    (" or ".join(["camus"] * 40), 38, 295),  # the 33rd "or"
    ("(" * 20 + "camus" + ")" * 20, 13, 17),
    ("x" * 2_001, 12, None),
]


@pytest.mark.parametrize(("query", "diagnostic", "position"), REFUSED,
                         ids=[q[:40] for q, _, _ in REFUSED])
def test_what_cql_cannot_ask_here_is_refused_with_its_diagnostic(
        query: str, diagnostic: int, position: int | None) -> None:
    with pytest.raises(CqlError) as caught:
        parse(query)
    assert caught.value.diagnostic == diagnostic, str(caught.value)
    assert (None if caught.value.position is None else caught.value.position + 1) == position
    if position is not None:
        assert f"at character {position}" in str(caught.value)


def test_errors_name_what_is_unsupported_for_the_diagnostic_details() -> None:
    for query, details in (("dc.foo = x", "dc.foo"), ("foo.bar = x", "foo"),
                           ("dc.title <> x", "<>"), ("dc.title =/respectCase x", "respectCase")):
        with pytest.raises(CqlError) as caught:
            parse(query)
        assert caught.value.details == details


def test_long_chains_of_booleans_stay_shallow_enough_for_the_index() -> None:
    words = [f"word{n}" for n in range(33)]
    assert parse(" and ".join(words)) == AllOf(tuple(any_(w) for w in words))
    assert parse(" not ".join(words)) == Without(any_(words[0]),
                                                 AnyOf(tuple(any_(w) for w in words[1:])))
    nested = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse(nested) == any_("a")
    alternating = " ".join(f"w{n} {'and' if n % 2 else 'or'}" for n in range(17)) + " end"
    with pytest.raises(CqlError) as caught:
        parse(alternating)
    assert caught.value.diagnostic == 38


CQL_PIECES = ['"', "\\", "(", ")", "/", "=", "==", "<", ">", "<=", "<>", "*", "?", "^",
              " and ", " or ", " not ", " prox ", " sortby ", "dc.title", "dc.date",
              "bath.isbn", "cql.allRecords", "any", "all", "adj", "exact", "within", "1",
              "1957", "camus", "é", "\u0000", "\t", "'", ">", "x.y.z", "  "]


def test_random_text_raises_only_cql_errors() -> None:
    rng = random.Random(1957)
    parsed = refused = 0
    for _ in range(20_000):
        text = "".join(rng.choice(CQL_PIECES) for _ in range(rng.randrange(1, 14)))
        try:
            tree = parse(text)
        except CqlError as error:
            assert 1 <= error.diagnostic <= 100
            refused += 1
        else:
            assert tree is not None
            parsed += 1
    assert parsed > 1_000 and refused > 1_000  # both roads were taken


def random_query(rng: random.Random, depth: int = 0) -> str:
    """A query of the supported subset, built from its grammar."""
    if depth < 3 and rng.random() < 0.4:
        operator = rng.choice(["and", "or", "not", "AND", "Or"])
        left, right = random_query(rng, depth + 1), random_query(rng, depth + 1)
        return f"({left}) {operator} {right}" if rng.random() < 0.5 else (
            f"{left} {operator} ({right})")
    index = rng.choice(["", "dc.title", "dc.creator", "dc.subject", "cql.serverChoice",
                        "bath.isbn"])
    relation = rng.choice(["=", "==", "exact", "adj", "all", "any"])
    term = rng.choice(["camus", '"la peste"', "hist*", '"histoire de fra*"',
                       "9782070360024", '"a \\"b\\""'])
    if rng.random() < 0.2:
        return rng.choice(["dc.date < 1990", 'dc.date within "1950 1960"',
                           "dc.date >= 2001", "cql.allRecords = 1"])
    return f"{index} {relation} {term}" if index else term


def test_queries_of_the_subset_always_parse() -> None:
    rng = random.Random(42)
    for _ in range(3_000):
        query = random_query(rng)
        assert parse(query) is not None, query


def test_a_lone_utf16_half_is_a_syntax_error_at_its_place() -> None:
    # It reached the index, which could not encode it (UnicodeEncodeError).
    with pytest.raises(CqlError, match=r"U\+D800.*\(at character 10\)") as refused:
        parse("dc.title=\ud800")
    assert refused.value.diagnostic == 10 and refused.value.position == 9
