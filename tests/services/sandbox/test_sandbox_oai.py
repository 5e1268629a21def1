"""The OAI-PMH providers, over real HTTP, checked with Sickle and the official schemas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sickle
from sandbox_support import OAI, error_code, oai_get, valid_document

from services.sandbox import SandboxNetwork
from services.sandbox.oai import identifier
from services.sandbox.testing import SandboxServer, run_sandbox

PAGE = 40


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=11, total_records=500), page_size=PAGE) as server:
        yield server


def harvest(url: str, **params: str) -> list[sickle.models.Record]:
    client = sickle.Sickle(url, timeout=10)
    return list(client.ListRecords(ignore_deleted=False, **params))


def oai_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("library", ["mediatheque-fm", "reseau-agglo", "departementale",
                                     "ludotheque", "centre-doc"])
def test_sickle_harvests_every_record_of_a_library(sandbox: SandboxServer, library: str) -> None:
    records = harvest(sandbox.oai_url(library), metadataPrefix="marcxml")
    expected = list(sandbox.network.records(library))
    assert len(records) == len(expected)
    assert {r.header.identifier for r in records} == {
        identifier(library, r.local_id) for r in expected}
    deleted = {r.header.identifier for r in records if r.deleted}
    assert deleted == {identifier(library, r.local_id) for r in expected if r.deleted}
    assert deleted, "the network should start with a few persistent deletions"
    live = next(r for r in records if not r.deleted)
    assert live.xml.find(".//marc:leader", OAI) is not None


def test_identify_lists_formats_and_sets(sandbox: SandboxServer) -> None:
    client = sickle.Sickle(sandbox.oai_url("mediatheque-fm"), timeout=10)
    identify = client.Identify()
    assert identify.repositoryName == "Médiathèque François-Mitterrand"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert {f.metadataPrefix for f in client.ListMetadataFormats()} == {"marcxml", "oai_dc"}
    assert {"livres", "films", "musique"} <= {s.setSpec for s in client.ListSets()}


def test_every_kind_of_response_is_valid_oai_pmh(sandbox: SandboxServer) -> None:
    url = sandbox.oai_url("mediatheque-fm")
    oai_get(url, verb="Identify")
    oai_get(url, verb="ListMetadataFormats")
    oai_get(url, verb="ListSets")
    oai_get(url, verb="ListIdentifiers", metadataPrefix="marcxml")
    oai_get(url, verb="ListRecords", metadataPrefix="oai_dc")
    first = next(r for r in sandbox.network.records("mediatheque-fm") if not r.deleted)
    root = oai_get(url, verb="GetRecord", metadataPrefix="marcxml",
                   identifier=identifier("mediatheque-fm", first.local_id))
    assert root.find(".//marc:record/marc:leader", OAI) is not None
    assert error_code(oai_get(url, verb="ListRecords", metadataPrefix="nope")) == (
        "cannotDisseminateFormat")
    assert error_code(oai_get(url, verb="Nope")) == "badVerb"


def test_a_split_list_with_deleted_records_is_valid_to_its_last_page(
    sandbox: SandboxServer,
) -> None:
    url = sandbox.oai_url("reseau-agglo")
    params = {"verb": "ListRecords", "metadataPrefix": "marcxml"}
    seen_deleted, cursors = False, []
    while True:
        root = oai_get(url, **params)
        seen_deleted |= bool(root.findall(".//oai:header[@status='deleted']", OAI))
        token = root.find(".//oai:resumptionToken", OAI)
        assert token is not None and token.get("completeListSize") == "150"
        cursors.append(int(token.get("cursor", "-1")))
        if not token.text:
            break
        params = {"verb": "ListRecords", "resumptionToken": token.text}
    assert seen_deleted
    assert cursors == list(range(0, 150, PAGE))


def test_from_and_until_select_by_datestamp_inclusively(sandbox: SandboxServer) -> None:
    records = list(sandbox.network.records("departementale"))
    stamps = sorted({r.datestamp for r in records})
    low, high = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    harvested = harvest(sandbox.oai_url("departementale"), metadataPrefix="marcxml",
                        **{"from": oai_time(low), "until": oai_time(high)})
    assert len(harvested) == sum(low <= r.datestamp <= high for r in records)
    assert min(r.header.datestamp for r in harvested) == oai_time(low)
    assert max(r.header.datestamp for r in harvested) == oai_time(high)


def test_a_day_granularity_repository(sandbox: SandboxServer) -> None:
    url = sandbox.oai_url("reseau-agglo")
    root = oai_get(url, verb="Identify")
    assert root.findtext(".//oai:granularity", namespaces=OAI) == "YYYY-MM-DD"
    records = list(sandbox.network.records("reseau-agglo"))
    day = sorted(r.datestamp for r in records)[len(records) // 2].date()
    harvested = harvest(url, metadataPrefix="marcxml", **{"from": day.isoformat(),
                                                            "until": day.isoformat()})
    assert len(harvested) == sum(r.datestamp.date() == day for r in records)
    assert all(r.header.datestamp == day.isoformat() for r in harvested)
    seconds = oai_get(url, verb="ListRecords", metadataPrefix="marcxml",
                      **{"from": f"{day}T00:00:00Z"})
    assert error_code(seconds) == "badArgument"


def test_sets_select_document_types(sandbox: SandboxServer) -> None:
    network = sandbox.network
    expected = [r for r in network.records("mediatheque-fm") if "films" in r.sets]
    films = harvest(sandbox.oai_url("mediatheque-fm"), metadataPrefix="marcxml", set="films")
    assert len(films) == len(expected) > 0
    assert all(r.header.setSpecs == ["films"] for r in films)
    games = harvest(sandbox.oai_url("ludotheque"), metadataPrefix="marcxml", set="jeux")
    assert len(games) == network.catalogue("ludotheque").count


ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "colour": "red"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "from": "2020-02-31"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "from": "2020-01-01",
      "until": "2021-01-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "from": "2021-01-01",
      "until": "2020-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "marcxml"},
     "badArgument"),
    ({"verb": "Identify", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "bm90IGEgdG9rZW4"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "marcxml", "identifier": "oai:x:1"},
     "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:mediatheque-fm.sandbox.test:9"},
     "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "from": "2099-01-01"},
     "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "marcxml", "set": "no-such-set"},
     "noRecordsMatch"),
]


@pytest.mark.parametrize(("params", "code"), ERRORS)
def test_protocol_errors(sandbox: SandboxServer, params: dict[str, str], code: str) -> None:
    root = oai_get(sandbox.oai_url("mediatheque-fm"), **params)
    assert error_code(root) == code
    request = root.find("oai:request", OAI)
    assert request is not None
    if code in ("badVerb", "badArgument"):
        assert not request.attrib  # the spec forbids echoing a bad request


def test_repeated_arguments_are_refused(sandbox: SandboxServer) -> None:
    url = sandbox.oai_url("mediatheque-fm")
    for query in ("verb=Identify&verb=Identify",
                  "verb=ListRecords&metadataPrefix=marcxml&metadataPrefix=marcxml"):
        root = valid_document(httpx.get(f"{url}?{query}", timeout=10).content)
        assert error_code(root) in ("badVerb", "badArgument")


def test_a_library_without_sets_says_so(sandbox: SandboxServer) -> None:
    url = sandbox.oai_url("centre-doc")
    assert error_code(oai_get(url, verb="ListSets")) == "noSetHierarchy"
    root = oai_get(url, verb="ListRecords", metadataPrefix="marcxml", set="livres")
    assert error_code(root) == "noSetHierarchy"


def test_post_requests_are_answered_like_get(sandbox: SandboxServer) -> None:
    response = httpx.post(sandbox.oai_url("mediatheque-fm"), timeout=10,
                          data={"verb": "ListIdentifiers", "metadataPrefix": "marcxml"})
    root = valid_document(response.content)
    assert len(root.findall(".//oai:header", OAI)) == PAGE


def test_a_library_can_have_its_own_page_size() -> None:
    with run_sandbox(SandboxNetwork(seed=2, total_records=1000), page_size=30) as server:
        ludo = oai_get(server.oai_url("ludotheque"), verb="ListIdentifiers",
                       metadataPrefix="marcxml")
        other = oai_get(server.oai_url("mediatheque-fm"), verb="ListIdentifiers",
                        metadataPrefix="marcxml")
    assert len(ludo.findall(".//oai:header", OAI)) == 50  # set on the library
    assert len(other.findall(".//oai:header", OAI)) == 30


def test_an_unknown_library_is_not_found(sandbox: SandboxServer) -> None:
    response = httpx.get(f"{sandbox.base_url}/nowhere/oai", params={"verb": "Identify"})
    assert response.status_code == 404


def test_a_saved_token_resumes_on_a_restarted_server() -> None:
    """Tokens are stateless: a harvester killed mid-list resumes after a server restart."""
    with run_sandbox(SandboxNetwork(seed=5, total_records=700)) as first:
        page = oai_get(first.oai_url("mediatheque-fm"), verb="ListIdentifiers",
                       metadataPrefix="marcxml")
        token = page.findtext(".//oai:resumptionToken", namespaces=OAI)
        before = [h.text for h in page.findall(".//oai:identifier", OAI)]
    with run_sandbox(SandboxNetwork(seed=5, total_records=700)) as second:
        rest = oai_get(second.oai_url("mediatheque-fm"), verb="ListIdentifiers",
                       resumptionToken=token or "")
        after = [h.text for h in rest.findall(".//oai:identifier", OAI)]
    assert len(before) == len(after) == 100
    assert not set(before) & set(after)


def test_incremental_harvest_after_a_tick_and_no_record_skipped_mid_harvest() -> None:
    network = SandboxNetwork(seed=6, total_records=400)
    with run_sandbox(network, page_size=25) as server:
        url = server.oai_url("departementale")
        everything = {identifier("departementale", r.local_id)
                      for r in network.records("departementale")}
        client = sickle.Sickle(url, timeout=10)
        iterator = client.ListIdentifiers(metadataPrefix="marcxml", ignore_deleted=False)
        seen = {next(iterator).identifier for _ in range(30)}
        now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        result = network.tick("departementale", changed=10, deleted=5, now=now)
        seen |= {header.identifier for header in iterator}
        assert seen == everything  # records moved by the tick are sent again, never skipped
        changed = harvest(url, metadataPrefix="marcxml", **{"from": oai_time(now)})
    assert {r.header.identifier for r in changed if not r.deleted} == {
        identifier("departementale", i) for i in result.changed}
    assert {r.header.identifier for r in changed if r.deleted} == {
        identifier("departementale", i) for i in result.deleted}


def test_oai_dc_is_offered_too(sandbox: SandboxServer) -> None:
    root = oai_get(sandbox.oai_url("mediatheque-fm"), verb="ListRecords", metadataPrefix="oai_dc")
    titles = root.findall(".//{http://purl.org/dc/elements/1.1/}title")
    assert titles and all(t.text for t in titles)
