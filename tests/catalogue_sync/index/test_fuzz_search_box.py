"""Fuzzing the search box and CQL against a real index: what a patron types, or an SRU
client sends, damaged or made up, is answered or refused with InvalidRequest (CqlError for
CQL, with its SRU diagnostic), never with another exception from the parser, the
translator or tantivy. The budget is fixed (tests/fuzzing.py); ``make fuzz`` runs a long
one.
"""

from __future__ import annotations

from contextlib import suppress

from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync import cql
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index import simple
from catalogue_sync.index.query import SearchRequest
from tests.catalogue_sync.index.catalogues import Catalogue
from tests.fuzzing import FUZZ

# What patrons really type, and what a search box form receives when it is played with.
TYPED = [
    "l'étranger camus", '"le petit prince"', "« les misérables »", "hist*", "camus -peste",
    '-"la peste"', "978-2-07-036002-4", "2-07-036002-4", "0395-2037", "0395 2037",
    "victor hugo", "*", "**", "-", "--", '"', "«", "»", "“", "„", "(", ")", "[", "]", "{", "}",
    ".*", "\\", "/", "+", "?", "^", "$", "|", "&&", "||", ":", "title:", "AND", "NOT", "~2",
    "\x00", "\t", "\u200b", "\ufeff", "ß", "İ", "ﬁ", "æ", "²", "٣", "日本", "🙂", "\ud800",
    "e\u0301", "x" * 40, "9" * 20, "97820703600240", "X", " ",
]
CQL_TYPED = [
    "dc.title", "dc.creator", "dc.subject", "dc.date", "bath.isbn", "bath.issn",
    "rec.identifier", "cql.serverChoice", "cql.allRecords", "=", "==", "<>", "<", ">", "<=",
    ">=", "adj", "all", "any", "exact", "within", "and", "or", "not", "prox", "sortby", "/",
    "/ignoreCase", "(", ")", '"', '\\"', "\\", "*", "?", "^", "1", "1957", "-1",
    "99999999999999999999", '"1950 1960"', '"1960 1950"', '"a b c"', "camus", "é",
    "\x00", " ", ".", "x.y", "dc.title=", "%", "\ud800", "\udfff",
]


def pieces(vocabulary: list[str], size: int) -> st.SearchStrategy[str]:
    tokens = st.sampled_from(vocabulary) | st.text(max_size=4)
    return st.lists(tokens, max_size=size).flatmap(
        lambda words: st.sampled_from([" ", ""]).map(lambda sep: sep.join(words)))


def answered_or_refused(catalogue: Catalogue, request: SearchRequest) -> None:
    with suppress(InvalidRequest):
        catalogue.searcher.search(request)


@FUZZ
@given(pieces(TYPED, 12), st.sampled_from(["relevance", "year", "title"]))
def test_fuzz_the_search_box_answers_or_refuses_clearly(
        marc_catalogue: Catalogue, typed: str, sort: str) -> None:
    try:
        tree = simple.parse(typed)
    except InvalidRequest:
        return
    answered_or_refused(marc_catalogue, SearchRequest(tree, sort=sort))  # type: ignore[arg-type]


@FUZZ
@given(pieces(CQL_TYPED, 14))
def test_fuzz_a_cql_query_is_answered_or_refused_with_its_diagnostic(
        marc_catalogue: Catalogue, query: str) -> None:
    try:
        tree = cql.parse(query)
    except cql.CqlError as error:
        assert 1 <= error.diagnostic <= 100 and str(error)
        return
    answered_or_refused(marc_catalogue, SearchRequest(tree, limit=5))
