"""Filters, facets, sorts and pages on the sandbox network's catalogue, each checked against
counts computed from the display records in Python."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index.analysis import sort_key
from catalogue_sync.index.query import FACETS, Filters, SearchResult
from tests.catalogue_sync.index.catalogues import Catalogue

Record = dict[str, Any]


def on_shelf_in(record: Record) -> set[str]:
    return {holding["library"] for holding in record["holdings"]
            if any(item["status"] == "available" for item in holding["items"])}


def passes(record: Record, filters: Filters, *, leaving_out: str = "") -> bool:
    """Whether a record passes every filter but ``leaving_out`` (a facet's own). The library
    facet of an "available" search counts records on the shelf anywhere, by library."""
    libraries = {holding["library"] for holding in record["holdings"]}
    shelved, year = on_shelf_in(record), record["year"]
    low, high = filters.year_from, filters.year_to
    checks = {
        "library": not filters.libraries or bool(libraries & set(filters.libraries)),
        "format": not filters.formats or record["format"] in filters.formats,
        "language": not filters.languages or record["language"] in filters.languages,
        "year": (low is None and high is None) or (
            year is not None and (low or -9999) <= year <= (high or 9999)),
        "available": not filters.available or bool(
            shelved & set(filters.libraries) if filters.libraries else shelved),
    }
    if leaving_out == "library" and filters.available:
        checks["available"] = bool(shelved)
    return all(ok for name, ok in checks.items() if name != leaving_out)


def facet_values(record: Record, facet: str, filters: Filters) -> set[str]:
    if facet == "library":
        if filters.available:
            return on_shelf_in(record)
        return {holding["library"] for holding in record["holdings"]}
    value = record[facet]
    return set() if value is None else {str(value)}


def expected_facets(records: list[Record], filters: Filters) -> dict[str, Counter[str]]:
    return {facet: Counter(value for record in records
                           if passes(record, filters, leaving_out=facet)
                           for value in facet_values(record, facet, filters))
            for facet in FACETS}


def everything_found(catalogue: Catalogue, query: str, filters: Filters,
                     sort: str = "relevance") -> list[str]:
    found: list[str] = []
    while True:
        page = catalogue.search(query, filters=filters, offset=len(found), limit=100,
                                sort=sort, facets=False)
        found += [hit.id for hit in page.hits]
        if not page.hits:
            return found


def matched_records(catalogue: Catalogue, query: str) -> list[Record]:
    displays = {row.id: row.display or {} for row in catalogue.records()}
    return [displays[merged_id] for merged_id in everything_found(catalogue, query, Filters())]


def assert_facets(result: SearchResult, expected: dict[str, Counter[str]]) -> None:
    for facet in FACETS:
        got = {value.value: value.count for value in result.facets[facet]}
        assert all(expected[facet][value] == count for value, count in got.items()), facet
        assert len(got) == min(len(expected[facet]), 50), facet
        if len(got) < len(expected[facet]):  # the most frequent values were kept
            assert max(n for v, n in expected[facet].items() if v not in got) <= min(
                got.values())
        counts = [value.count for value in result.facets[facet]]
        assert counts == sorted(counts, reverse=True)


def choices(catalogue: Catalogue) -> list[Filters]:
    libraries = sorted({h["library"] for row in catalogue.records()
                        for h in (row.display or {})["holdings"]})
    return [
        Filters(),
        Filters(libraries=(libraries[0],)),
        Filters(libraries=tuple(libraries[1:3]), formats=("book", "e-book")),
        Filters(year_from=1990, year_to=2010, languages=("fre",)),
        Filters(year_from=2000),
        Filters(available=True),
        Filters(available=True, libraries=(libraries[0],), formats=("book",)),
    ]


@pytest.mark.parametrize("query", ["", "histoire", "roman"])
def test_totals_hits_and_facets_match_the_display_records(sandbox_catalogue: Catalogue,
                                                          query: str) -> None:
    records = matched_records(sandbox_catalogue, query)
    assert len(records) >= 20
    for filters in choices(sandbox_catalogue):
        result = sandbox_catalogue.search(query, filters=filters, limit=100)
        wanted = [record for record in records if passes(record, filters)]
        assert result.total == len(wanted), filters
        assert len(everything_found(sandbox_catalogue, query, filters)) == len(wanted)
        assert_facets(result, expected_facets(records, filters))


def test_the_whole_catalogue_when_nothing_is_typed(sandbox_catalogue: Catalogue) -> None:
    result = sandbox_catalogue.search("")
    assert result.total == len(sandbox_catalogue.records())
    assert [value.value for value in result.facets["library"]] and len(result.hits) == 20


def test_sort_by_year_newest_first_and_by_title(sandbox_catalogue: Catalogue) -> None:
    displays = {row.id: row.display or {} for row in sandbox_catalogue.records()}
    by_year = [displays[i]["year"] for i in everything_found(
        sandbox_catalogue, "", Filters(), sort="year")]
    dated = [year for year in by_year if year is not None]
    assert len(by_year) == len(displays)
    assert dated == sorted(dated, reverse=True) and by_year[:len(dated)] == dated
    by_title = [displays[i] for i in everything_found(sandbox_catalogue, "roman", Filters(),
                                                      sort="title")]
    keys = [sort_key(record["title"], record["subtitle"]) for record in by_title]
    assert keys == sorted(keys) and len(keys) > 10


def test_pages_follow_each_other(sandbox_catalogue: Catalogue) -> None:
    whole = [hit.id for hit in sandbox_catalogue.search("histoire", limit=100).hits]
    paged: list[str] = []
    while page := sandbox_catalogue.search("histoire", offset=len(paged), limit=7).hits:
        paged += [hit.id for hit in page]
    assert paged == whole and len(set(paged)) == len(paged)
    empty = sandbox_catalogue.search("histoire", limit=0)
    assert empty.hits == [] and empty.total == len(whole) and empty.facets["format"]
    assert sandbox_catalogue.search("histoire", facets=False).facets == {}


@pytest.mark.parametrize(("request_", "message"), [
    ({"limit": 101}, "page size"), ({"limit": -1}, "page size"),
    ({"offset": 10_001}, "offset"), ({"offset": -5}, "offset"),
    ({"sort": "random"}, "sort"),
    ({"filters": Filters(libraries=tuple(str(n) for n in range(500)))}, "libraries"),
    ({"filters": Filters(year_from=10**12)}, "year"),
])
def test_requests_out_of_bounds_are_refused_clearly(
        sandbox_catalogue: Catalogue, request_: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        sandbox_catalogue.search("histoire", **request_)


def test_the_last_page_allowed_still_answers(sandbox_catalogue: Catalogue) -> None:
    result = sandbox_catalogue.search("", offset=10_000, limit=100)
    assert result.hits == [] and result.total == len(sandbox_catalogue.records())
