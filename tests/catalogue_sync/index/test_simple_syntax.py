"""The search box's syntax: what patrons type, and what they type by accident."""

from __future__ import annotations

import random
import string

import pytest

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index.query import (
    SEARCH_FIELDS,
    SORTS,
    AllOf,
    AnyOf,
    Everything,
    Filters,
    Query,
    Range,
    Term,
    Without,
)
from catalogue_sync.index.simple import MAX_LENGTH, parse
from tests.catalogue_sync.index.catalogues import Catalogue


def any_(text: str, **options: bool) -> Term:
    return Term("any", text, **options)


@pytest.mark.parametrize(("typed", "tree"), [
    ("", Everything()),
    ("   \t\n", Everything()),
    ("camus", any_("camus")),
    ("l'étranger camus", AllOf((any_("l'étranger"), any_("camus")))),
    ('"le petit prince"', any_("le petit prince", phrase=True)),
    ("« le petit prince » saint-exupéry",
     AllOf((any_("le petit prince", phrase=True), any_("saint-exupéry")))),
    ('"le petit', any_("le petit", phrase=True)),  # an unclosed quote runs to the end
    ("hist*", any_("hist", truncated=True)),
    ('"le petit pri*"', any_("le petit pri", phrase=True, truncated=True)),
    ("camus -peste", Without(any_("camus"), any_("peste"))),
    ('-"la peste" -chute camus',
     Without(any_("camus"), AnyOf((any_("la peste", phrase=True), any_("chute"))))),
    ("-peste", Without(Everything(), any_("peste"))),
    ("978-2-07-036002-4", AnyOf((any_("978-2-07-036002-4"), Term("isbn", "978-2-07-036002-4")))),
    ("978 2 07 036002 4", AnyOf((any_("978-2-07-036002-4"), Term("isbn", "978-2-07-036002-4")))),
    ("2070360024", AnyOf((any_("2070360024"), Term("isbn", "2070360024")))),
    ("0026-9395", AnyOf((any_("0026-9395"), Term("issn", "0026-9395")))),
    ("jean-paul sartre", AllOf((any_("jean-paul"), any_("sartre")))),
    ('+camus ( ) && || - * "" ! ?', any_("camus")),
])
def test_what_patrons_type(typed: str, tree: object) -> None:
    assert parse(typed) == tree


def test_too_long_is_refused_with_the_limit() -> None:
    assert parse("a" * MAX_LENGTH) == any_("a" * MAX_LENGTH)
    with pytest.raises(InvalidRequest, match=str(MAX_LENGTH)):
        parse("histoire " * 1200)


ODD = string.printable + "\"'«»“”„’*-+()[]{}:\\/^~!?&|éèçàœŒß東京Москва\u0000\u200b\ufeff\U0001f600"


def random_queries(count: int, seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    queries = ["".join(rng.choice(ODD) for _ in range(rng.randint(0, 60))) for _ in range(count)]
    queries += ['"' * 7, "-" * 30, "*" * 30, "-*", '"-', "\\", "x" * MAX_LENGTH,
                " ".join(["le"] * 300), "978-" * 10, "a*" * 300, '"' + "mot " * 200]
    return queries


def test_parsing_never_fails_on_odd_input() -> None:
    for typed in random_queries(3000):
        parse(typed)


def test_searching_odd_input_answers_or_refuses_clearly(sandbox_catalogue: Catalogue) -> None:
    for typed in random_queries(400, seed=9):
        try:
            result = sandbox_catalogue.search(typed, limit=5)
        except InvalidRequest as refused:
            assert "words" in str(refused)  # too many words, said so
            continue
        assert result.total >= len(result.hits)


def test_odd_trees_and_filters_never_crash(sandbox_catalogue: Catalogue) -> None:
    """What other front ends (SRU's CQL, the API) may build: any index, odd text, odd bounds."""
    rng = random.Random(1)
    odd = "ab1X-*\"'«»\u0000\u200b東?\\.()[]{}^$|+ é"
    for _ in range(500):
        text = "".join(rng.choice(odd) for _ in range(rng.randint(0, 12)))
        tree: Query = Term(rng.choice(SEARCH_FIELDS), text, phrase=rng.random() < 0.3,
                           truncated=rng.random() < 0.5)
        if rng.random() < 0.3:
            bounds = [None, -5, 2000, 10**15]
            tree = AnyOf((Without(Everything(), tree),
                          Range("year", rng.choice(bounds), rng.choice(bounds))))
        filters = Filters(libraries=(text,), formats=(text,), year_from=rng.choice([None, 1]))
        result = sandbox_catalogue.search(tree, filters=filters, sort=rng.choice(SORTS),
                                          limit=rng.randint(0, 100),
                                          offset=rng.randint(0, 10_000))
        assert result.total >= len(result.hits)


def test_a_lone_utf16_half_is_a_space_and_the_other_words_are_searched(
        marc_catalogue: Catalogue) -> None:
    # The index could not encode it: the search failed with a UnicodeEncodeError.
    assert parse("camus\ud800peste") == AllOf((any_("camus"), any_("peste")))
    marc_catalogue.search("camus\udfff")
