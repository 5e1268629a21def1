"""The JSON API over real HTTP, on a catalogue harvested from the sandbox, merged and
indexed: totals and facets checked against counts computed from the store's display
records, filters, sorts, pages, labels, the record page, its MARC exports, redirects of
replaced records, refusals of bad input (fuzzed too), and the published OpenAPI."""

from __future__ import annotations

import asyncio
import math
import random
import string
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from pymarc import MARCReader
from xml_schemas import assert_valid

from catalogue_sync.config import LibraryConfig, NetworkConfig, load_network
from catalogue_sync.errors import ConfigError
from catalogue_sync.index.analysis import sort_key
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, member_rows
from connectors import registry
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import run_sandbox
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback
from tests.services.search.conftest import join_two_lone_records, live, network_of

Record = dict[str, Any]
Params = dict[str, Any]
FACETS = ("library", "format", "language", "year")
MARC = "{http://www.loc.gov/MARC21/slim}"


@pytest.fixture
def api_url(indexed_url: str) -> str:
    return f"{indexed_url}/api/v1"


def get(url: str, path: str = "/search", *, headers: dict[str, str] | None = None,
        **params: Any) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, headers=headers, timeout=30)


def search(url: str, **params: Any) -> dict[str, Any]:
    response = get(url, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def displays(store: Store) -> dict[str, Record]:
    return {merged.id: merged.display or {} for merged in live(store)}


# What the API should answer, computed from the display records


def on_shelf_in(record: Record) -> set[str]:
    return {holding["library"] for holding in record["holdings"]
            if any(item["status"] == "available" for item in holding["items"])}


def passes(record: Record, params: Params, *, leaving_out: str = "") -> bool:
    """Whether a record passes every filter of ``params`` but ``leaving_out``."""
    libraries = set(_values(params, "library"))
    held = {holding["library"] for holding in record["holdings"]}
    low, high, year = params.get("year_from"), params.get("year_to"), record["year"]
    available = params.get("available") == "true"
    checks = {
        "library": not libraries or bool(held & libraries),
        "format": not params.get("format") or record["format"] in _values(params, "format"),
        "language": (not params.get("language")
                     or record["language"] in _values(params, "language")),
        "year": (low is None and high is None) or (
            year is not None and (low or 0) <= year <= (high or 9999)),
        "available": not available or bool(on_shelf_in(record) & libraries if libraries
                                           else on_shelf_in(record)),
    }
    if leaving_out == "library" and available:
        checks["available"] = bool(on_shelf_in(record))  # counted by library, on the shelf
    return all(ok for name, ok in checks.items() if name != leaving_out)


def _values(params: Params, name: str) -> list[Any]:
    value = params.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def expected_facets(records: list[Record], params: Params) -> dict[str, Counter[str]]:
    def values(record: Record, facet: str) -> set[str]:
        if facet == "library":
            if params.get("available") == "true":
                return on_shelf_in(record)
            return {holding["library"] for holding in record["holdings"]}
        return set() if record[facet] is None else {str(record[facet])}

    return {facet: Counter(value for record in records
                           if passes(record, params, leaving_out=facet)
                           for value in values(record, facet))
            for facet in FACETS}


def assert_facets(got: dict[str, list[dict[str, Any]]], expected: dict[str, Counter[str]],
                  ) -> None:
    for facet in FACETS:
        counts = {entry["value"]: entry["count"] for entry in got[facet]}
        assert all(expected[facet][value] == count for value, count in counts.items()), facet
        if len(counts) < len(expected[facet]):  # only the most frequent 50
            assert len(counts) == 50
            assert max(n for v, n in expected[facet].items() if v not in counts) <= min(
                counts.values())
        else:
            assert counts == dict(expected[facet]), facet
        ordered = [entry["count"] for entry in got[facet]]
        assert ordered == sorted(ordered, reverse=True), facet


def every_hit(url: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a search, 100 at a time."""
    first = search(url, page_size=100, **params)
    hits = first["hits"]
    for page in range(2, math.ceil(first["total"] / 100) + 1):
        hits += search(url, page_size=100, page=page, **params)["hits"]
    return hits


# Searching


def test_browsing_shows_the_whole_catalogue_with_its_facets(
        api_url: str, store: Store, merged_network: NetworkConfig) -> None:
    records = list(displays(store).values())
    answer = search(api_url)
    assert set(answer) == {"total", "page", "page_size", "hits", "facets"}
    assert (answer["total"], answer["page"], answer["page_size"]) == (len(records), 1, 20)
    assert len(answer["hits"]) == 20
    assert_facets(answer["facets"], expected_facets(records, {}))
    names = {entry["value"]: entry["label"] for entry in answer["facets"]["library"]}
    assert names == {library_id: library.name
                     for library_id, library in merged_network.libraries.items()}
    assert {entry["value"]: entry["label"] for entry in answer["facets"]["year"]
            } == {entry["value"]: entry["value"] for entry in answer["facets"]["year"]}


@pytest.mark.parametrize("params", [
    {"library": "mediatheque-fm"},
    {"library": ["ludotheque", "centre-doc"], "format": ["board-game", "book"]},
    {"format": "book", "language": "fre", "year_from": 1990, "year_to": 2010},
    {"year_from": 2000},
    {"year_to": 1980},
    {"available": "true"},
    {"available": "true", "library": "reseau-agglo", "format": "book"},
    {"q": "histoire"},
    {"q": "roman", "library": "departementale", "sort": "year"},
])
def test_totals_and_facets_match_the_display_records(api_url: str, store: Store,
                                                     params: Params) -> None:
    query = params.get("q", "")
    records = displays(store)
    # Which records a query's words match is the index's business: the matched set comes
    # from an unfiltered search; filters and facets over it are checked independently.
    matched = ([records[hit["id"]] for hit in every_hit(api_url, q=query)] if query
               else list(records.values()))
    wanted = [record for record in matched if passes(record, params)]
    answer = search(api_url, page_size=100, **params)
    assert answer["total"] == len(wanted) > 0, params
    assert len(every_hit(api_url, **params)) == len(wanted)
    assert_facets(answer["facets"], expected_facets(matched, params))


def test_hits_show_each_record_as_the_store_has_it(api_url: str, store: Store,
                                                   merged_network: NetworkConfig) -> None:
    records = displays(store)
    hits = every_hit(api_url)
    assert sorted(hit["id"] for hit in hits) == sorted(records)  # every record, once
    for hit in hits:
        record = records[hit["id"]]
        assert set(hit) == {"id", "title", "authors", "year", "format", "isbns", "libraries"}
        title = record["title"]
        assert hit["title"] == (f"{title} : {record['subtitle']}" if record["subtitle"]
                                else title)
        assert (hit["authors"], hit["year"], hit["format"], hit["isbns"]) == (
            record["authors"], record["year"], record["format"], record["isbns"])
        expected: dict[str, list[int]] = {}
        for holding in record["holdings"]:
            counts = expected.setdefault(holding["library"], [0, 0])
            counts[0] += len(holding["items"])
            counts[1] += sum(item["status"] == "available" for item in holding["items"])
        assert hit["libraries"] == [
            {"id": library, "name": merged_network.libraries[library].name, "items": held,
             "available": shelved, "online": []}
            for library, (held, shelved) in expected.items()]


def test_an_isbn_typed_any_way_finds_its_records(api_url: str, store: Store) -> None:
    records = displays(store)
    isbn = next(isbn for record in records.values() for isbn in record["isbns"]
                if len(isbn) == 13)
    holders = {merged_id for merged_id, record in records.items() if isbn in record["isbns"]}
    for typed in (isbn, f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"):
        assert {hit["id"] for hit in search(api_url, q=typed)["hits"]} == holders


def test_sorts_by_year_and_by_title(api_url: str, store: Store) -> None:
    records = displays(store)
    years = [records[hit["id"]]["year"] for hit in every_hit(api_url, sort="year")]
    dated = [year for year in years if year is not None]
    assert dated == sorted(dated, reverse=True) and years[:len(dated)] == dated
    by_title = [records[hit["id"]] for hit in every_hit(api_url, sort="title")]
    keys = [sort_key(record["title"], record["subtitle"]) for record in by_title]
    assert keys == sorted(keys) and len(keys) == len(records)


def test_pages_follow_each_other_to_the_last(api_url: str) -> None:
    whole = [hit["id"] for hit in search(api_url, q="histoire", page_size=100)["hits"]]
    paged: list[str] = []
    for page in range(1, math.ceil(len(whole) / 7) + 1):
        answer = search(api_url, q="histoire", page_size=7, page=page)
        assert (answer["page"], answer["page_size"]) == (page, 7)
        paged += [hit["id"] for hit in answer["hits"]]
    assert paged == whole and len(whole) > 14
    past = get(api_url, q="histoire", page_size=7, page=math.ceil(len(whole) / 7) + 1)
    assert past.status_code == 404 and "past the last page" in past.json()["detail"]
    nothing = search(api_url, q="zzzqqqxxx")
    assert (nothing["total"], nothing["hits"]) == (0, [])  # page 1 of nothing is no error


def test_labels_are_french_by_default_and_english_when_asked(api_url: str) -> None:
    def labels(**options: Any) -> dict[str, str]:
        answer = search(api_url, **options)
        return {entry["value"]: entry["label"]
                for facet in ("format", "language") for entry in answer["facets"][facet]}

    french, english = labels(), labels(lang="en")
    assert french["book"] == "Livre" and french["fre"] == "Français"
    assert english["book"] == "Book" and english["fre"] == "French"
    assert labels(headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}) == english
    assert labels(headers={"Accept-Language": "de-DE,de;q=0.9"}) == french
    assert labels(lang="fr", headers={"Accept-Language": "en"}) == french


def test_without_an_index_searches_are_unavailable(search_url: str) -> None:
    response = httpx.get(f"{search_url}/api/v1/search", params={"q": "camus"})
    assert response.status_code == 503
    assert "without a search index" in response.json()["detail"]


# Bad input


@pytest.mark.parametrize(("params", "message"), [
    ({"q": "x" * 1001}, "1001 characters"),
    ({"q": "x" * 20_000}, "20000 characters"),
    ({"q": " ".join(f"mot{n}" for n in range(70))}, "more than 64 words"),
    ({"page_size": 101}, "page_size"),
    ({"page_size": 0}, "page_size"),
    ({"page": 0}, "page"),
    ({"page": -3}, "page"),
    ({"page": "deux"}, "page: Input should be a valid integer"),
    ({"year_from": 2010, "year_to": 1990}, "year_from 2010 is after year_to 1990"),
    ({"year_from": "1990s"}, "year_from"),
    ({"year_to": 10**30}, "year_to"),
    ({"format": "vinyl"}, "format 'vinyl' is unknown; the format values are: audiobook"),
    ({"language": "french"}, "not a language code"),
    ({"library": "atlantis"}, "library 'atlantis' is unknown; the library values are: "
                              "centre-doc"),
    ({"available": "maybe"}, "available"),
    ({"sort": "random"}, "sort"),
    ({"lang": "de"}, "lang"),
    ({"title": "camus"}, "unknown parameter 'title'; the parameters are available, format"),
    ({"q": "camus", "librairie": "x", "annee": "2001"},
     "unknown parameters 'annee', 'librairie'"),
])
def test_bad_input_is_refused_with_what_to_change(api_url: str, params: Params,
                                                  message: str) -> None:
    response = get(api_url, **params)
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]


@pytest.mark.parametrize(("params", "message"), [
    ({"page": 502}, "results past the 10,000th"),
    ({"page": 99, "q": "histoire"}, "past the last page"),
])
def test_a_page_that_does_not_exist_is_not_found(api_url: str, params: Params,
                                                 message: str) -> None:
    """The OpenAPI allows any page from 1: one past the results is a 404, not a 400."""
    response = get(api_url, **params)
    assert response.status_code == 404, response.text
    assert message in response.json()["detail"]


def test_a_language_no_record_is_in_finds_nothing(api_url: str) -> None:
    """A well-formed code is what the OpenAPI allows: no record in it is no hit, not a 400."""
    answer = search(api_url, language="qqq")
    assert (answer["total"], answer["hits"]) == (0, [])


def test_empty_filter_values_choose_nothing(api_url: str) -> None:
    """library=, format= and language= (a form's "all", which the OpenAPI allows) are no
    filter: the answer is the one without them."""
    whole = search(api_url, q="histoire")
    empty = search(api_url, q="histoire", library="", format="", language="")
    assert empty["total"] == whole["total"] > 0
    schema = httpx.get(f"{api_url.removesuffix('/api/v1')}/openapi.json").json()
    parameters = {p["name"]: p["schema"] for p in
                  schema["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert "" in parameters["library"]["items"]["enum"]
    assert "" in parameters["format"]["items"]["enum"]
    assert "centre-doc" in parameters["library"]["items"]["enum"]


def test_fuzzed_parameters_never_fail_the_server(api_url: str) -> None:
    shuffle = random.Random(4)
    alphabet = string.printable + "éàçœ«»“”\u200b\x00\ud7ff-*\"'()"
    names = ["q", "page", "page_size", "library", "format", "language", "year_from",
             "year_to", "available", "sort", "lang", "zz"]
    with httpx.Client(timeout=30) as client:
        for _ in range(150):
            params = [(shuffle.choice(names),
                       "".join(shuffle.choice(alphabet) for _ in range(shuffle.randint(0, 30))))
                      for _ in range(shuffle.randint(1, 4))]
            response = client.get(f"{api_url}/search", params=params)
            assert response.status_code in (200, 400, 404), (params, response.text)
            assert response.headers["content-type"] == "application/json"
            if response.status_code != 200:
                assert response.json()["detail"]
        raw = client.get(f"{api_url}/search?q=%FF%FE&library=%C3%28&page=%00")
        assert raw.status_code == 400 and raw.json()["detail"]


# The record page


def a_shared_record(store: Store) -> MergedRecord:
    """A merged record holding several libraries' records."""
    return next(merged for merged in live(store)
                if len({h["library"] for h in (merged.display or {})["holdings"]}) > 2)


def test_the_record_page_shows_members_copies_and_editions(
        api_url: str, store: Store, merged_network: NetworkConfig) -> None:
    merged = a_shared_record(store)
    display = merged.display or {}
    page = get(api_url, f"/records/{merged.id}").json()
    assert (page["id"], page["work"], page["title"], page["format_label"]) == (
        merged.id, merged.work, display["title"], {"book": "Livre"}.get(
            display["format"], page["format_label"]))
    with store.transaction("reading") as connection:
        rows = member_rows(connection, merged.id)
    assert sorted((m["library"], m["record"], m["rule"]) for m in page["members"]) == sorted(
        (row.library, row.local_id, row.rule) for row in rows)
    assert page["members"][0]["linked_to"] is None  # the record the description is from
    assert all(m["linked_to"] for m in page["members"][1:])
    assert [(h["library"], h["record"]) for h in page["holdings"]] == [
        (h["library"], h["record"]) for h in display["holdings"]]
    for shown, held in zip(page["holdings"], display["holdings"], strict=True):
        assert shown["library_name"] == merged_network.libraries[held["library"]].name
        assert [(i["call_number"], i["location"], i["status"], i["due_date"])
                for i in shown["items"]] == [
            (i["call_number"], i["location"], i["status"], i["due_date"])
            for i in held["items"]]
        assert all(i["on_shelf"] == (i["status"] == "available") for i in shown["items"])
    others = {m.id for m in live(store) if m.work == merged.work and m.id != merged.id}
    assert {edition["id"] for edition in page["editions"]} == others
    assert page["links"] == {"marcxml": f"/api/v1/records/{merged.id}.xml",
                             "iso2709": f"/api/v1/records/{merged.id}.mrc"}
    assert get(api_url, f"/records/{merged.id}", lang="en").json()["language_label"] in (
        None, "French", "English", "German", "Spanish", "Italian")


def test_other_editions_are_the_records_of_the_same_work(api_url: str, store: Store) -> None:
    works = Counter(merged.work for merged in live(store))
    merged = next(m for m in live(store) if works[m.work] > 1)
    editions = get(api_url, f"/records/{merged.id}").json()["editions"]
    assert len(editions) == works[merged.work] - 1
    for edition in editions:
        back = get(api_url, f"/records/{edition['id']}").json()
        assert merged.id in {other["id"] for other in back["editions"]}
    years = [edition["year"] or 0 for edition in editions]
    assert years == sorted(years, reverse=True)


def test_each_member_links_to_its_record_in_its_library_catalogue(
        api_url: str, store: Store) -> None:
    merged = a_shared_record(store)
    page = get(api_url, f"/records/{merged.id}").json()
    for member in page["members"]:
        opac = httpx.get(member["opac_url"], timeout=30)
        assert opac.status_code == 200
        identifier = etree.fromstring(opac.content).findtext(
            ".//{http://www.openarchives.org/OAI/2.0/}identifier")
        assert identifier is not None and identifier.endswith(f":{member['record']}")
    assert {h["opac_url"] for h in page["holdings"]} == {m["opac_url"]
                                                         for m in page["members"]}


def test_an_opac_url_must_say_where_the_record_goes(tmp_path: Path) -> None:
    library = {"name": "Médiathèque", "flavour": "marc21",
               "connector": {"type": "oai-pmh", "url": "https://ils.example.org/oai"}}
    ok = LibraryConfig(id="fm", opac_url="https://opac.example.fr/detail?id={record}",
                       **library)
    assert ok.opac_link("12 34/5") == "https://opac.example.fr/detail?id=12%2034%2F5"
    assert LibraryConfig(id="fm", **library).opac_link("1") is None
    for wrong, message in [("https://opac.example.fr/detail?id=", "must contain {record}"),
                           ("opac.example.fr/{record}", "starts with http"),
                           ("https://opac.example.fr/{library}/{record}", "only placeholder")]:
        path = tmp_path / "network.toml"
        path.write_text(f'[libraries.fm]\nname = "M"\nflavour = "marc21"\nopac_url = '
                        f'"{wrong}"\n[libraries.fm.connector]\ntype = "oai-pmh"\n',
                        encoding="utf-8")
        with pytest.raises(ConfigError, match=message) as refused:
            load_network(path)
        assert "libraries.fm.opac_url" in str(refused.value)


def test_the_record_downloads_as_marcxml_and_iso2709(api_url: str, store: Store) -> None:
    merged = a_shared_record(store)
    display = merged.display or {}
    xml = get(api_url, f"/records/{merged.id}.xml")
    assert xml.status_code == 200
    assert xml.headers["content-type"] == "application/marcxml+xml"
    assert xml.headers["content-disposition"] == f'attachment; filename="{merged.id}.xml"'
    root = assert_valid(xml.content, "marc")
    assert root.findtext(f"{MARC}controlfield[@tag='001']") == merged.id
    copies = sum(len(h["items"]) or 1 for h in display["holdings"])
    assert len(root.findall(f"{MARC}datafield[@tag='852']")) == copies
    mrc = get(api_url, f"/records/{merged.id}.mrc")
    assert mrc.headers["content-type"] == "application/marc"
    assert mrc.headers["content-disposition"] == f'attachment; filename="{merged.id}.mrc"'
    records = list(MARCReader(mrc.content, to_unicode=True, force_utf8=True))
    assert len(records) == 1 and records[0] is not None
    assert records[0]["001"].data == merged.id
    assert records[0]["245"]["a"] == display["title"]
    assert len(records[0].get_fields("852")) == copies


def test_a_replaced_record_redirects_to_its_successor(
        api_url: str, store: Store, merged_network: NetworkConfig) -> None:
    tombstone, successor = join_two_lone_records(store, merged_network)
    for suffix, params in (("", {"lang": "en"}), (".xml", {}), (".mrc", {})):
        moved = get(api_url, f"/records/{tombstone}{suffix}", **params)
        assert moved.status_code == 301
        query = "?lang=en" if params else ""
        assert moved.headers["location"] == f"/api/v1/records/{successor}{suffix}{query}"
    followed = httpx.get(f"{api_url}/records/{tombstone}", follow_redirects=True)
    assert followed.status_code == 200 and followed.json()["id"] == successor


def test_a_record_whose_records_were_all_deleted_is_gone(tmp_path: Path) -> None:
    with run_sandbox(SandboxNetwork(seed=5, total_records=40), page_size=50) as sandbox:
        store = Store(f"sqlite:///{tmp_path / 'gone.db'}")
        store.create_schema()
        network = network_of(sandbox, store.url)
        harvest(store, network)
        merge(store, network)
        before = {merged.id for merged in live(store)}
        httpx.post(f"{sandbox.base_url}/_tick", json={"library": "ludotheque",
                                                       "deleted": 1000}).raise_for_status()
        harvest(store, network)
        merge(store, network)
        gone = sorted(before - {merged.id for merged in live(store)})
        assert gone
        context = SearchContext(network=network, store=store)
        with serve_on_loopback(create_app(context), health="/health", name="api") as url:
            for suffix in ("", ".xml", ".mrc"):
                answer = httpx.get(f"{url}/api/v1/records/{gone[0]}{suffix}")
                assert answer.status_code == 410
                assert "deleted from their libraries' catalogues" in answer.json()["detail"]
        store.close()


def harvest(store: Store, network: NetworkConfig) -> None:
    async def run() -> None:
        async with httpx.AsyncClient() as client:
            outcomes = await harvest_libraries(
                store, list(network.libraries.values()),
                lambda library: registry.build(library, client))
        assert all(outcome.ok for outcome in outcomes), outcomes

    asyncio.run(run())


@pytest.mark.parametrize(("record_id", "message"), [
    ("m000000000000", "no merged record 'm000000000000'"),
    ("m" + "0" * 80, "merged ids look like"),
    ("m%00x", "merged ids look like"),
    ("m%C3%A9t%C3%A9", "merged ids look like"),
])
def test_an_unknown_record_is_not_found(api_url: str, record_id: str, message: str) -> None:
    for suffix in ("", ".xml", ".mrc"):
        response = httpx.get(f"{api_url}/records/{record_id}{suffix}")
        assert response.status_code == 404
        assert message in response.json()["detail"]


def test_record_urls_take_no_unknown_parameters(api_url: str, store: Store) -> None:
    merged = live(store)[0]
    for suffix, allowed in (("", "the parameters are lang"),
                            (".xml", "takes no parameters")):
        response = get(api_url, f"/records/{merged.id}{suffix}", format="json")
        assert response.status_code == 400 and allowed in response.json()["detail"]


# OpenAPI


def test_the_openapi_describes_the_api_precisely(api_url: str) -> None:
    base = api_url.removesuffix("/api/v1")
    schema = httpx.get(f"{base}/openapi.json").json()
    operation = schema["paths"]["/api/v1/search"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) == {"q", "page", "page_size", "library", "format", "language",
                               "year_from", "year_to", "available", "sort", "lang"}
    assert parameters["library"]["type"] == "array"
    assert parameters["page_size"]["maximum"] == 100
    assert parameters["sort"]["enum"] == ["relevance", "year", "title"]
    answer = schema["components"]["schemas"]["SearchAnswer"]
    assert set(answer["properties"]) == {"total", "page", "page_size", "hits", "facets"}
    hit = schema["components"]["schemas"]["SearchHit"]
    assert set(hit["properties"]) == {"id", "title", "authors", "year", "format", "isbns",
                                      "libraries"}
    assert set(operation["responses"]) >= {"200", "400", "404", "503"}
    assert "422" not in str(schema["paths"])  # malformed parameters are answered 400
    record = schema["paths"]["/api/v1/records/{record_id}"]["get"]
    assert set(record["responses"]) >= {"200", "301", "404", "410"}
    assert "application/marcxml+xml" in (
        schema["paths"]["/api/v1/records/{record_id}.xml"]["get"]["responses"]["200"]
        ["content"])
    docs = httpx.get(f"{base}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
