"""SRU 1.2 and 2.0 over real HTTP, on a catalogue merged from a real sandbox harvest and
indexed: explain, CQL searches checked against the store, paging, both record schemas,
every diagnostic; each answer valid against the SRU schemas (and MARC21slim, oai_dc)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from xml_schemas import assert_valid

from catalogue_sync.config import NetworkConfig
from catalogue_sync.export.sru import SruService
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, live_page

MARC = "{http://www.loc.gov/MARC21/slim}"
VERSIONS = ("1.2", "2.0")


@pytest.fixture
def sru_url(indexed_url: str) -> str:
    return f"{indexed_url}/sru"


def sru(url: str, version: str = "2.0", **params: Any) -> etree._Element:
    """GET an SRU request; check HTTP 200 and the schema of the version; the document."""
    response = httpx.get(url, params={"version": version, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return assert_valid(response.content, f"sru-{version}")


def local(root: etree._Element, name: str) -> list[etree._Element]:
    return root.xpath(f"//*[local-name()='{name}']")  # type: ignore[no-any-return]


def count(root: etree._Element) -> int:
    return int(local(root, "numberOfRecords")[0].text)


def diagnostics(root: etree._Element) -> list[str]:
    return [uri.text.rsplit("/", 1)[1] for uri in local(root, "uri")]


def ids(root: etree._Element) -> list[str]:
    return [field.text for field in root.iter(f"{MARC}controlfield") if field.get("tag") == "001"]


def live(store: Store) -> list[MergedRecord]:
    with store.transaction("reading") as connection:
        return live_page(connection, "", 100_000)


def test_explain_describes_the_server_in_both_versions(sru_url: str) -> None:
    for version in VERSIONS:
        for params in ({}, {"operation": "explain"}):
            root = sru(sru_url, version, **params)
            assert etree.QName(root).localname == "explainResponse"
            assert local(root, "database")[0].text == "sru"
            names = {f"{n.get('set')}.{n.text}" for n in local(root, "name")}
            assert {"dc.title", "dc.creator", "bath.isbn", "cql.serverChoice"} <= names
            assert {s.get("name") for s in local(root, "schema")} == {"marcxml", "dc"}
    without_version = httpx.get(sru_url).content
    assert b"docs.oasis-open.org/ns/search-ws/sruResponse" in without_version  # 2.0


def test_a_title_search_finds_the_record_in_marcxml_and_dc(sru_url: str, store: Store) -> None:
    record = next(m for m in live(store) if len((m.display or {})["title"].split()) > 2)
    title = (record.display or {})["title"]
    for version in VERSIONS:
        root = sru(sru_url, version, query=f'dc.title = "{title}"', maximumRecords="100")
        assert record.id in ids(root)
        dc = sru(sru_url, version, query=f'dc.title = "{title}"', recordSchema="dc")
        titles = [t.text for t in local(dc, "title")]
        assert any(t.startswith(title) for t in titles)
        assert {s.text for s in local(dc, "recordSchema")} == {"info:srw/schema/1/dc-v1.1"}


def test_numbers_find_their_record_typed_any_way(sru_url: str, store: Store) -> None:
    with_isbn = next(m for m in live(store) if (m.display or {})["isbns"])
    isbn = (with_isbn.display or {})["isbns"][0]
    hyphenated = f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12]}"
    for query in (f"bath.isbn = {isbn}", f"bath.isbn = {hyphenated}", f"isbn={isbn[:9]}*",
                  f"rec.identifier = {with_isbn.id}", isbn):
        assert with_isbn.id in ids(sru(sru_url, query=query, maximumRecords="100")), query


def test_counts_match_the_catalogue(sru_url: str, store: Store) -> None:
    records = [m.display or {} for m in live(store)]
    years = [r["year"] for r in records if r["year"]]
    year = max(set(years), key=years.count)

    def total(query: str) -> int:
        return count(sru(sru_url, "1.2", query=query, maximumRecords="0"))

    assert total("cql.allRecords = 1") == len(records)
    assert total(f"dc.date = {year}") == years.count(year)
    assert total(f'dc.date within "{year - 5} {year + 5}"') == sum(
        year - 5 <= y <= year + 5 for y in years)
    assert total(f"dc.date < {year}") == sum(y < year for y in years)
    assert total(f"dc.date >= {year} and dc.date <= {year}") == years.count(year)
    assert total(f"cql.allRecords = 1 not dc.date = {year}") == len(records) - years.count(year)
    formats = [r for r in records if r["format"] == "board-game"]
    author = (formats[0] if formats else records[0])["authors"][0].split(",")[0]
    assert total(f"dc.creator = {author}") >= 1
    assert total(f"dc.creator = {author} or dc.date = {year}") >= total(f"dc.date = {year}")


def test_truncation_and_phrases(sru_url: str, store: Store) -> None:
    record = next(m for m in live(store) if len((m.display or {})["title"].split()) > 2)
    words = (record.display or {})["title"].split()
    longest = max(words, key=len)
    for query in (f"dc.title = {longest[:4]}*", f'dc.title adj "{" ".join(words[:2])}"',
                  f'dc.title all "{words[-1]} {words[0]}"', f"{longest} and {longest[:3]}*"):
        assert record.id in ids(sru(sru_url, query=query, maximumRecords="100")), query
    swapped = f'dc.title adj "{words[1]} {words[0]}"'
    assert record.id not in ids(sru(sru_url, query=swapped, maximumRecords="100"))


def test_pages_cover_the_whole_result_once(sru_url: str, store: Store) -> None:
    expected = {m.id for m in live(store)}
    for version in VERSIONS:
        found: list[str] = []
        start = "1"
        while start:
            root = sru(sru_url, version, query="cql.allRecords = 1", startRecord=start,
                       maximumRecords="40")
            assert count(root) == len(expected)
            positions = [int(p.text) for p in local(root, "recordPosition")]
            assert positions == list(range(int(start), int(start) + len(positions)))
            found += ids(root)
            following = local(root, "nextRecordPosition")
            start = following[0].text if following else ""
        assert len(found) == len(set(found)) and set(found) == expected
    capped = sru(sru_url, query="cql.allRecords = 1", maximumRecords="5000")
    assert len(ids(capped)) == 100
    assert not local(sru(sru_url, query="cql.allRecords = 1", maximumRecords="0"), "records")


DIAGNOSTICS: list[tuple[dict[str, str], str]] = [
    ({"operation": "searchRetrieve"}, "7"),
    ({"query": "dc.title ="}, "10"),
    ({"query": "victor hugo"}, "10"),
    ({"query": "(camus"}, "13"),
    ({"query": '"camus'}, "14"),
    ({"query": "foo.title = camus"}, "15"),
    ({"query": "dc.author = camus"}, "16"),
    ({"query": "dc.title <> camus"}, "19"),
    ({"query": "dc.title =/respectCase camus"}, "20"),
    ({"query": "dc.title < camus"}, "22"),
    ({"query": "dc.title = h?st"}, "28"),
    ({"query": "camus prox peste"}, "39"),
    ({"query": "camus sortBy dc.title"}, "80"),
    ({"query": "camus", "startRecord": "0"}, "6"),
    ({"query": "camus", "startRecord": "-1"}, "6"),
    ({"query": "camus", "maximumRecords": "ten"}, "6"),
    ({"query": "camus", "queryType": "pqf"}, "6"),
    ({"query": "camus", "query2": "x"}, "8"),
    ({"query": "cql.allRecords = 1", "startRecord": "100000"}, "61"),
    ({"query": "cql.allRecords = 1", "startRecord": "9" * 40}, "61"),
    ({"query": "cql.allRecords = 1", "startRecord": "5000"}, "61"),
    ({"query": "camus", "recordSchema": "mods"}, "66"),
    ({"query": "camus", "recordPacking": "string"}, "71"),
    ({"query": "camus", "recordXMLEscaping": "string"}, "71"),
    ({"query": "camus", "sortKeys": "title"}, "80"),
    ({"query": "camus", "stylesheet": "http://x/s.xsl"}, "110"),
    ({"operation": "scan", "scanClause": "dc.title=a"}, "4"),
    ({"operation": "delete"}, "4"),
    ({"query": "x" * 2_001}, "12"),
    ({"query": " or ".join(["camus"] * 40)}, "38"),
]


def test_every_problem_is_an_sru_diagnostic(sru_url: str) -> None:
    for version in VERSIONS:
        for params, code in DIAGNOSTICS:
            root = sru(sru_url, version, **params)
            assert diagnostics(root) == [code], (version, params)
            assert local(root, "message")[0].text
    unknown = httpx.get(sru_url, params={"version": "3.0", "query": "camus"}).content
    assert diagnostics(assert_valid(unknown, "sru-2.0")) == ["5"]  # answered in 2.0
    repeated = httpx.get(sru_url, params=[("query", "a"), ("query", "b")])
    assert diagnostics(assert_valid(repeated.content, "sru-2.0")) == ["6"]


def test_post_answers_as_get_does(sru_url: str) -> None:
    params = {"version": "1.2", "query": "cql.allRecords = 1", "maximumRecords": "3"}
    assert httpx.post(sru_url, data=params).content == httpx.get(sru_url, params=params).content
    refused = httpx.post(sru_url, content=b"query=x", headers={"content-type": "text/plain"})
    assert diagnostics(assert_valid(refused.content, "sru-2.0")) == ["6"]


def test_random_queries_never_fail_the_server(store: Store, merged_network: NetworkConfig,
                                              searcher: Searcher) -> None:
    service = SruService(store, merged_network, searcher)
    rng = random.Random(7)
    pieces = ['"', "(", ")", "=", "<", ">", "*", "/", " and ", " or ", " not ", "dc.title",
              "dc.date", "bath.isbn", "any", "all", "adj", "within", "1990", "camus", "é",
              "\\", "cql.allRecords", "1", "hist*", " "]
    for _ in range(400):
        query = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        version = rng.choice(VERSIONS)
        body = service.answer([("version", version), ("query", query),
                               ("maximumRecords", str(rng.randrange(0, 5)))], "http://h/sru")
        assert_valid(body, f"sru-{version}")


def test_without_an_index_searches_say_so(store: Store, merged_network: NetworkConfig,
                                          tmp_path: Path) -> None:
    for searcher in (None, Searcher(CatalogueIndex(tmp_path / "nothing-here"))):
        service = SruService(store, merged_network, searcher)
        root = assert_valid(service.answer([("query", "camus")], "http://h/sru"), "sru-2.0")
        assert diagnostics(root) == ["1"]
