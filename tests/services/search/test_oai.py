"""The OAI-PMH provider over real HTTP, on a catalogue merged from a real sandbox harvest:
valid answers for every verb, complete harvests by Sickle and by our own connector,
incremental harvests, library sets, deleted records."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree
from sickle import Sickle
from xml_schemas import assert_valid

from catalogue_sync.config import ConnectorConfig, HoldingsMapping, LibraryConfig, NetworkConfig
from catalogue_sync.export.oai import OaiProvider
from catalogue_sync.merge.catalogue import join, split
from catalogue_sync.pipeline import LibraryOutcome, harvest_libraries
from catalogue_sync.store import PageCounts, Store
from catalogue_sync.store.clusters import MERGED_SEQ, MergedRecord, member_rows, read_counter
from catalogue_sync.store.schema import merged_records
from connectors import registry

OAI = {"oai": "http://www.openarchives.org/OAI/2.0/",
       "marc": "http://www.loc.gov/MARC21/slim", "dc": "http://purl.org/dc/elements/1.1/"}
PREFIX = "oai:catalogue-sync.local:"
FAST = {"backoff": 0.01, "max_retries": 2, "timeout": 10.0}


def oai(url: str, **params: str) -> etree._Element:
    """GET an OAI-PMH request; check HTTP 200 and the schema; the document."""
    response = httpx.get(f"{url}/oai", params=params, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return assert_valid(response.content, "oai")


def error_code(root: etree._Element) -> str | None:
    found = root.find("oai:error", OAI)
    return None if found is None else found.get("code")


def all_merged(store: Store) -> list[MergedRecord]:
    with store.transaction("reading") as connection:
        rows = connection.execute(sa.select(merged_records).order_by(merged_records.c.id))
        return [MergedRecord(**row._asdict()) for row in rows]


def pages(url: str, verb: str, **params: str) -> list[etree._Element]:
    """Every page of a list, following the resumption tokens."""
    found = [oai(url, verb=verb, **params)]
    while (token := found[-1].findtext(f"oai:{verb}/oai:resumptionToken", None, OAI)):
        found.append(oai(url, verb=verb, resumptionToken=token))
    return found


def make_tombstones(store: Store, network: NetworkConfig, count: int) -> list[str]:
    """Join lone records two by two: each join leaves one merged record empty."""
    lone = [merged for merged in all_merged(store) if merged.member_count == 1]
    keys = []
    for merged in lone[: 2 * count]:
        with store.transaction("reading") as connection:
            row = member_rows(connection, merged.id)[0]
        keys.append((row.library, row.local_id))
    for first, second in zip(keys[::2], keys[1::2], strict=True):
        join(store, first, second, config=network)
    return [merged.id for merged in all_merged(store) if merged.deleted]


def test_every_verb_answers_valid_oai_pmh(search_url: str, store: Store) -> None:
    merged = all_merged(store)
    identify = oai(search_url, verb="Identify").find("oai:Identify", OAI)
    assert identify.findtext("oai:baseURL", None, OAI) == f"{search_url}/oai"
    assert identify.findtext("oai:repositoryName", None, OAI) == "Réseau des bibliothèques"
    assert identify.findtext("oai:deletedRecord", None, OAI) == "persistent"
    earliest = min(record.updated_at for record in merged)
    assert identify.findtext("oai:earliestDatestamp", None, OAI) == (
        earliest.strftime("%Y-%m-%dT%H:%M:%SZ"))
    formats = oai(search_url, verb="ListMetadataFormats").iterfind(".//oai:metadataPrefix", OAI)
    assert [element.text for element in formats] == ["marcxml", "oai_dc"]
    sample = PREFIX + merged[0].id
    assert error_code(oai(search_url, verb="ListMetadataFormats", identifier=sample)) is None
    for prefix in ("marcxml", "oai_dc"):
        record = oai(search_url, verb="GetRecord", identifier=sample, metadataPrefix=prefix)
        assert record.findtext(".//oai:header/oai:identifier", None, OAI) == sample
        for verb in ("ListIdentifiers", "ListRecords"):
            assert len(pages(search_url, verb, metadataPrefix=prefix)) == 2  # 100 a page


def test_sets_are_the_member_libraries(search_url: str, merged_network: NetworkConfig,
                                       store: Store) -> None:
    listed = oai(search_url, verb="ListSets").iterfind(".//oai:set", OAI)
    found = {s.findtext("oai:setSpec", None, OAI): s.findtext("oai:setName", None, OAI)
             for s in listed}
    assert found == {lib.id: lib.name for lib in merged_network.libraries.values()}
    for library in merged_network.libraries:
        expected = {PREFIX + m.id for m in all_merged(store)
                    if library in {h["library"] for h in (m.display or {})["holdings"]}}
        headers = [h for page in pages(search_url, "ListIdentifiers", metadataPrefix="oai_dc",
                                       set=library) for h in page.iterfind(".//oai:header", OAI)]
        assert {h.findtext("oai:identifier", None, OAI) for h in headers} == expected
        assert all(library in [spec.text for spec in h.findall("oai:setSpec", OAI)]
                   for h in headers)


def test_sickle_harvests_every_record_once_and_deleted_ones_as_deleted(
        search_url: str, merged_network: NetworkConfig, store: Store) -> None:
    tombstones = make_tombstones(store, merged_network, 3)
    assert len(tombstones) == 3
    live = {PREFIX + m.id: m for m in all_merged(store) if not m.deleted}
    for prefix in ("oai_dc", "marcxml"):
        records = list(Sickle(f"{search_url}/oai").ListRecords(metadataPrefix=prefix,
                                                               ignore_deleted=False))
        identifiers = [record.header.identifier for record in records]
        assert len(identifiers) == len(set(identifiers)) == len(live) + 3
        deleted = {r.header.identifier for r in records if r.header.deleted}
        assert deleted == {PREFIX + merged_id for merged_id in tombstones}
        if prefix == "oai_dc":
            for record in records:
                if not record.header.deleted:
                    title = (live[record.header.identifier].display or {})["title"]
                    assert record.metadata["title"][0].startswith(title)


def test_our_own_connector_harvests_the_union_catalogue(
        search_url: str, merged_network: NetworkConfig, store: Store, tmp_path: Path) -> None:
    tombstones = make_tombstones(store, merged_network, 2)
    union = LibraryConfig(
        id="union", name="Union catalogue", flavour="marc21",
        connector=ConnectorConfig(type="oai-pmh", url=f"{search_url}/oai", **FAST),
        holdings=HoldingsMapping(tag="852", branch="b", location="c", call_number="h",
                                 barcode="p", status="z"))
    second = Store(f"sqlite:///{tmp_path / 'union.db'}")
    second.create_schema()
    _wait_for_next_second()  # so that the next harvest's from= leaves the first's out
    try:
        first_counts = _harvest(second, union)
        records = {r.local_id: r for r in second.iter_records("union")}
        live = {m.id: m for m in all_merged(store) if not m.deleted}
        assert {key for key, r in records.items() if not r.deleted} == set(live)
        assert first_counts.added == len(live) and first_counts.quarantined == 0
        for merged_id, merged in live.items():
            assert records[merged_id].normalized.title == (merged.display or {})["title"]
        assert not set(tombstones) & {key for key, r in records.items() if not r.deleted}
        changed = _split_a_shared_record(store, merged_network)
        again = _harvest(second, union)
        assert again.added + again.updated + again.deleted >= 1
        assert again.added + again.updated + again.unchanged + again.deleted == len(changed)
    finally:
        second.close()


def _harvest(store: Store, library: LibraryConfig) -> PageCounts:
    async def run() -> list[LibraryOutcome]:
        async with httpx.AsyncClient() as client:
            return await harvest_libraries(store, [library],
                                           lambda lib: registry.build(lib, client))

    outcome = asyncio.run(run())[0]
    assert outcome.ok, outcome.error
    return outcome.counts


def _wait_for_next_second() -> None:
    """Datestamps are to the second: what changes next is stamped after what is there."""
    time.sleep(1.05 - datetime.now(UTC).microsecond / 1_000_000)


def _split_a_shared_record(store: Store, network: NetworkConfig) -> set[str]:
    """Split a record out of a merged record of several libraries; the ids that changed."""
    before = {m.id: m.change_seq for m in all_merged(store)}
    shared = next(m for m in all_merged(store)
                  if len({h["library"] for h in (m.display or {}).get("holdings", [])}) > 1)
    holding = (shared.display or {})["holdings"][-1]
    split(store, holding["library"], holding["record"], config=network)
    return {m.id for m in all_merged(store) if before.get(m.id) != m.change_seq}


def test_an_incremental_harvest_gets_only_what_changed(
        search_url: str, merged_network: NetworkConfig, store: Store) -> None:
    _wait_for_next_second()
    since = oai(search_url, verb="Identify").findtext("oai:responseDate", None, OAI)
    assert error_code(oai(search_url, verb="ListIdentifiers", metadataPrefix="marcxml",
                          **{"from": since})) == "noRecordsMatch"
    _wait_for_next_second()  # so that until=since leaves the changes out
    changed = _split_a_shared_record(store, merged_network)
    assert len(changed) == 2  # the record that lost a member, and the one split off
    for granularity in (since, since[:10]):
        found = {h.text for page in pages(search_url, "ListRecords", metadataPrefix="oai_dc",
                                          **{"from": granularity})
                 for h in page.iterfind(".//oai:header/oai:identifier", OAI)}
        if granularity == since:
            assert found == {PREFIX + merged_id for merged_id in changed}
        else:  # the whole day: everything merged today
            assert found >= {PREFIX + merged_id for merged_id in changed}
    until = oai(search_url, verb="ListIdentifiers", metadataPrefix="marcxml",
                until=since, set=next(iter(merged_network.libraries)))
    assert not {h.text for h in until.iterfind(".//oai:identifier", OAI)} & {
        PREFIX + merged_id for merged_id in changed}


def test_a_record_that_leaves_a_library_is_deleted_in_that_set_only(
        search_url: str, merged_network: NetworkConfig, store: Store) -> None:
    shared = next(m for m in all_merged(store)
                  if len({h["library"] for h in (m.display or {})["holdings"]}) > 1)
    holdings = (shared.display or {})["holdings"]
    library = holdings[-1]["library"]
    assert sum(h["library"] == library for h in holdings) == 1
    oai(search_url, verb="ListIdentifiers", metadataPrefix="oai_dc", set=library)
    split(store, library, holdings[-1]["record"], config=merged_network)
    identifier = PREFIX + shared.id

    def header_in(spec: str) -> etree._Element:
        headers = [h for page in pages(search_url, "ListIdentifiers", metadataPrefix="oai_dc",
                                       set=spec) for h in page.iterfind(".//oai:header", OAI)]
        return next(h for h in headers if h.findtext("oai:identifier", None, OAI) == identifier)

    assert header_in(library).get("status") == "deleted"
    still = next(h["library"] for h in holdings if h["library"] != library)
    assert header_in(still).get("status") is None
    record = oai(search_url, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert record.find(".//oai:header", OAI).get("status") is None


def test_post_answers_as_get_does(search_url: str) -> None:
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    got = httpx.get(f"{search_url}/oai", params=params).content
    posted = httpx.post(f"{search_url}/oai", data=params).content
    strip = b"<responseDate>"
    assert got.split(strip)[0] == posted.split(strip)[0]
    assert got.split(b"</responseDate>")[1] == posted.split(b"</responseDate>")[1]


def test_a_large_backlog_of_set_changes_asks_harvesters_to_come_back(
        search_url: str, merged_network: NetworkConfig, store: Store,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After the first merge of a big catalogue, the sets take a while to catch up: each
    request does some of the work, then answers 503 with Retry-After until it is done."""
    library = next(iter(merged_network.libraries))
    slow = partial(OaiProvider, sync_span=25, sync_budget=0.0)
    monkeypatch.setattr("services.search.oai.OaiProvider", slow)
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": library}
    refusals = 0
    while (response := httpx.get(f"{search_url}/oai", params=params)).status_code == 503:
        assert response.headers["Retry-After"] == "10"
        refusals += 1
    with store.transaction("reading") as connection:
        changes = read_counter(connection, MERGED_SEQ)
    assert refusals == -(-changes // 25) - 1  # one span a request, the last one answers
    headers = assert_valid(response.content, "oai").iterfind(".//oai:header", OAI)
    assert all(library in [s.text for s in h.findall("oai:setSpec", OAI)] for h in headers)
