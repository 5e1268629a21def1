"""The OAI-PMH connector against stored real-world responses, with faults injected by respx.

The sandbox tests (tests/test_harvest.py) run the same connector against a real server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import respx

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import ConfigError, SourceProtocolError, SourceUnavailable
from catalogue_sync.models import Flavour, HarvestRequest, Page
from connectors.oai_pmh import OaiPmhConnector
from connectors.oai_records import local_identifier

URL = "https://koha.example.org/cgi-bin/koha/oai.pl"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "oai"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def doc(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ok(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=doc(name), headers={"Content-Type": "text/xml"})


Handler = Callable[[httpx.Request], httpx.Response]


def koha(list_records: Handler | None = None) -> Handler:
    """A Koha-like server: Identify and formats from files, ListRecords over two pages."""

    def default_list(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken"):
            return ok("list-records-2.xml")
        return ok("list-records-1.xml")

    def handle(request: httpx.Request) -> httpx.Response:
        verb = request.url.params.get("verb")
        if verb == "Identify":
            return ok("identify.xml")
        if verb == "ListMetadataFormats":
            return ok("formats.xml")
        return (list_records or default_list)(request)

    return handle


@pytest.fixture
def server() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock.get(URL)


def library(**options: object) -> LibraryConfig:
    connector = {"type": "oai-pmh", "url": URL, "backoff": 0.001, "max_retries": 3, **options}
    return LibraryConfig(id="poitiers-fm", name="Médiathèque François-Mitterrand",
                         flavour=Flavour.UNIMARC, connector=ConnectorConfig(**connector))


async def harvest(request: HarvestRequest | None = None, **options: object) -> list[Page]:
    async with httpx.AsyncClient() as client:
        connector = OaiPmhConnector(library(**options), client)
        return [page async for page in connector.harvest(
            request or HarvestRequest(since=None, resume=None))]


def requested(server: respx.Route, verb: str = "ListRecords") -> list[httpx.QueryParams]:
    return [call.request.url.params for call in server.calls
            if call.request.url.params.get("verb") == verb]


async def test_full_harvest_follows_tokens_and_keeps_deletions(server: respx.Route) -> None:
    server.side_effect = koha()
    pages = await harvest()
    records = [record for page in pages for record in page.records]
    assert [r.local_id for r in records] == ["101", "102", "103"]
    assert [r.deleted for r in records] == [False, True, False]
    assert records[0].datestamp == datetime(2026, 10, 2, 14, 31, 7, tzinfo=UTC)
    assert b"L'\xc3\xa9tranger" in records[0].data
    assert pages[0].expected_total == 3
    assert pages[0].cursor.resume is not None
    assert pages[0].cursor.resume["token"] == "marcxml/2026-11-20T08:00:01Z/page2"
    assert pages[-1].cursor.resume is None
    # The next incremental harvest starts from the server's clock at this harvest's start.
    assert pages[-1].cursor.next_since == "2026-11-20T08:00:01Z"


async def test_incremental_harvest_sends_from_with_server_granularity(
        server: respx.Route) -> None:
    server.side_effect = koha()
    await harvest(HarvestRequest(since="2026-11-01T10:00:00Z", resume=None))
    assert requested(server)[0]["from"] == "2026-11-01T10:00:00Z"


async def test_day_granularity_server_gets_a_date(server: respx.Route) -> None:
    handle = koha()
    server.side_effect = lambda request: (
        ok("identify-day.xml") if request.url.params["verb"] == "Identify" else handle(request))
    await harvest(HarvestRequest(since="2026-11-01T10:00:00Z", resume=None), set="livres")
    first = requested(server)[0]
    assert first["from"] == "2026-11-01"
    assert first["set"] == "livres"


async def test_full_harvest_ignores_since(server: respx.Route) -> None:
    server.side_effect = koha()
    await harvest(HarvestRequest(since="2026-11-01T10:00:00Z", resume=None, full=True))
    assert "from" not in requested(server)[0]


async def test_no_records_match_is_an_empty_harvest(server: respx.Route) -> None:
    server.side_effect = koha(lambda request: ok("no-records-match.xml"))
    pages = await harvest(HarvestRequest(since="2026-11-20T08:00:01Z", resume=None))
    assert [page.records for page in pages] == [[]]
    assert pages[0].cursor.next_since == "2026-11-21T08:00:00Z"


async def test_resume_continues_from_the_saved_token(server: respx.Route) -> None:
    server.side_effect = koha()
    first = await harvest()
    saved = first[0].cursor.resume
    before = len(requested(server))
    pages = await harvest(HarvestRequest(since=None, resume=saved))
    assert [r.local_id for page in pages for r in page.records] == ["103"]
    assert requested(server)[before:][0]["resumptionToken"] == "marcxml/2026-11-20T08:00:01Z/page2"
    assert pages[-1].cursor.next_since == "2026-11-20T08:00:01Z"


@pytest.mark.parametrize("fault", [
    httpx.Response(503, headers={"Retry-After": "0"}),
    httpx.Response(429, headers={"Retry-After": "0"}),
    httpx.Response(500),
    httpx.Response(502),
    httpx.ReadTimeout("timed out"),
    httpx.ConnectError("connection refused"),
    httpx.Response(200, content=doc("list-records-1.xml")[:900]),  # cut mid-document
])
async def test_transient_faults_are_retried(server: respx.Route,
                                            fault: httpx.Response | Exception) -> None:
    handle = koha()
    failures = iter([fault, fault])

    def flaky(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if failure is None:
            return handle(request)
        if isinstance(failure, Exception):
            raise failure
        return failure

    server.side_effect = koha(flaky)
    pages = await harvest()
    assert sum(len(page.records) for page in pages) == 3


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the connector waits between retries, without waiting them."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr("connectors.oai_pmh.asyncio.sleep", sleep)
    return delays


async def test_retry_after_is_honoured(server: respx.Route, slept: list[float]) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    answers = iter([httpx.Response(503, headers={"Retry-After": "7"}),
                    httpx.Response(429, headers={"Retry-After": later})])
    handle = koha()
    server.side_effect = koha(lambda request: next(answers, None) or handle(request))
    await harvest(backoff=1.0)
    assert slept[0] == 7
    assert 100 < slept[1] <= 120


async def test_backoff_doubles_between_retries(server: respx.Route,
                                               slept: list[float]) -> None:
    server.side_effect = koha(lambda request: httpx.Response(500))
    with pytest.raises(SourceUnavailable):
        await harvest(backoff=2.0, max_retries=3)
    assert slept == [2.0, 4.0, 8.0]


async def test_gives_up_with_a_clear_error(server: respx.Route) -> None:
    server.side_effect = koha(lambda request: httpx.Response(503))
    with pytest.raises(SourceUnavailable) as caught:
        await harvest()
    message = str(caught.value)
    assert "poitiers-fm" in message and URL in message and "HTTP 503" in message


async def test_oai_error_in_a_4xx_body_is_read_as_oai(server: respx.Route) -> None:
    server.side_effect = koha(lambda request: ok("cannot-disseminate.xml", status=400))
    with pytest.raises(SourceProtocolError) as caught:
        await harvest(metadata_prefix="marc21")
    assert caught.value.code == "cannotDisseminateFormat"
    assert "not supported" in str(caught.value)
    assert len(requested(server)) == 1  # a protocol error is not retried


async def test_an_html_error_page_names_the_status(server: respx.Route) -> None:
    server.side_effect = koha(lambda request: httpx.Response(404, text="<html>Not found</html>"))
    with pytest.raises(SourceProtocolError, match="HTTP 404"):
        await harvest()


async def test_bad_resumption_token_restarts_the_list_once(server: respx.Route) -> None:
    refusals = iter([ok("bad-resumption-token.xml")])
    handle = koha()

    def expiring(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken"):
            return next(refusals, None) or handle(request)
        return handle(request)

    server.side_effect = koha(expiring)
    pages = await harvest()
    ids = [r.local_id for page in pages for r in page.records]
    assert ids.count("103") == 1
    assert len([p for p in requested(server) if "resumptionToken" not in p]) == 2


async def test_bad_resumption_token_never_loops(server: respx.Route) -> None:
    handle = koha()
    server.side_effect = koha(lambda request: ok("bad-resumption-token.xml")
                              if request.url.params.get("resumptionToken") else handle(request))
    with pytest.raises(SourceProtocolError) as caught:
        await harvest(max_token_restarts=2)
    assert caught.value.code == "badResumptionToken"
    assert len(requested(server)) == 6  # first page + token, three times


async def test_a_repeated_token_stops_the_harvest(server: respx.Route) -> None:
    server.side_effect = koha(lambda request: ok("list-records-1.xml"))
    with pytest.raises(SourceProtocolError) as caught:
        await harvest()
    assert caught.value.code == "repeatedToken"
    assert len(requested(server)) == 2


async def test_invalid_xml_characters_are_repaired_and_logged(
        server: respx.Route, caplog: pytest.LogCaptureFixture) -> None:
    broken = doc("list-records-2.xml").replace(b"Tome 1", b"Tome\x0b 1&#x1;")
    handle = koha()
    server.side_effect = koha(lambda request: httpx.Response(200, content=broken)
                              if request.url.params.get("resumptionToken") else handle(request))
    with caplog.at_level(logging.WARNING):
        pages = await harvest()
    assert b"Tome 1" in pages[-1].records[0].data
    assert any("forbids" in message for message in caplog.messages)


async def test_huge_responses_are_not_truncated(server: respx.Route) -> None:
    note = b"x" * (12 * 1024 * 1024)
    huge = doc("list-records-2.xml").replace(
        b"<subfield code=\"h\">Tome 1</subfield>",
        b"<subfield code=\"h\">Tome 1</subfield></datafield><datafield tag=\"300\" ind1=\" \" "
        b"ind2=\" \"><subfield code=\"a\">" + note + b"</subfield>")
    handle = koha()
    server.side_effect = koha(lambda request: httpx.Response(200, content=huge)
                              if request.url.params.get("resumptionToken") else handle(request))
    pages = await harvest()
    assert len(pages[-1].records[0].data) > 12 * 1024 * 1024


async def test_basic_auth_password_comes_from_the_environment(
        server: respx.Route, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOHA_OAI_PASSWORD", "s3cret")
    server.side_effect = koha()
    await harvest(username="harvester", password_env="KOHA_OAI_PASSWORD")
    expected = httpx.BasicAuth("harvester", "s3cret")
    header = next(expected.auth_flow(httpx.Request("GET", URL))).headers["Authorization"]
    assert server.calls[0].request.headers["Authorization"] == header


async def test_a_missing_secret_names_the_variable(server: respx.Route) -> None:
    server.side_effect = koha()
    with pytest.raises(ConfigError, match="KOHA_OAI_PASSWORD_UNSET"):
        await harvest(username="harvester", password_env="KOHA_OAI_PASSWORD_UNSET")


def test_unknown_options_are_refused_with_library_and_field() -> None:
    with pytest.raises(ConfigError, match=r"libraries\.poitiers-fm\.connector\.metadata_prefx"):
        OaiPmhConnector.parse_options(library(metadata_prefx="marcxml"))


async def test_check_reports_identify_formats_and_a_sample(server: respx.Route) -> None:
    server.side_effect = koha()
    async with httpx.AsyncClient() as client:
        info = await OaiPmhConnector(library(), client).check()
    assert info.summary["repositoryName"] == "Médiathèque François-Mitterrand"
    assert info.summary["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    assert info.formats == ["oai_dc", "marcxml"]
    assert info.sample is not None and info.sample.local_id == "101"


@pytest.mark.parametrize(("identifier", "local"), [
    ("oai:koha.example.org:101", "101"),
    ("oai:bnf.fr:catalogue/ark:/12148/cb1234", "catalogue/ark:/12148/cb1234"),
    ("KOHA-OAI-TEST:101", "KOHA-OAI-TEST:101"),  # not the oai-identifier scheme: kept whole
])
def test_local_identifier(identifier: str, local: str) -> None:
    assert local_identifier(identifier) == local


# --- a broken record in an answer (issue 12) ----------------------------------------------------


def page_with(damage: tuple[bytes, bytes]) -> Handler:
    def list_records(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken"):
            return ok("list-records-2.xml")
        body = doc("list-records-1.xml").replace(*damage, 1)
        return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})

    return koha(list_records)


async def test_a_record_that_breaks_the_answers_xml_is_quarantined_and_the_rest_read(
        server: respx.Route, caplog: pytest.LogCaptureFixture) -> None:
    server.side_effect = page_with((b"<subfield code=\"f\">Albert Camus",
                                    b"<subfield code=\"f\">Albert Camus &eacute;"))
    pages = await harvest()
    records = [record for page in pages for record in page.records]
    assert [(r.local_id, r.deleted, r.damage is None) for r in records] == [
        ("102", True, True), ("101", False, False), ("103", False, True)]
    broken = records[1]
    assert broken.damage is not None and "Entity 'eacute' not defined" in broken.damage
    assert "not a well-formed OAI-PMH record (line " in broken.damage
    assert broken.data.startswith(b"<record>") and b"oai:koha.example.org:101" in broken.data
    assert broken.origin.endswith("#line=6")
    # The answer's resumption token is still followed: the list goes on.
    assert pages[0].cursor.resume is not None and len(pages) == 2
    assert "1 record(s) of the answer are not well-formed XML" in caplog.text
    assert len(requested(server)) == 2  # read at once, not retried


async def test_an_answer_cut_short_is_retried_not_read_in_part(server: respx.Route) -> None:
    cut = doc("list-records-1.xml")[:-300]
    server.side_effect = koha(lambda request: httpx.Response(200, content=cut))
    with pytest.raises(SourceProtocolError, match="broken XML"):
        await harvest(max_retries=1)
    assert len(requested(server)) == 2
