"""The marc-file connector on real dump files, served from disk and from a loopback HTTP server.

respx is only used to inject faults a real server will not produce on demand.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import respx

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import ConfigError, SourceProtocolError, SourceUnavailable
from catalogue_sync.marc import parse_raw
from catalogue_sync.models import Flavour, Format, HarvestRequest, Page, RawFormat, RawRecord
from catalogue_sync.parsing import prepare_page
from connectors import registry
from connectors.marc_file import MarcFileConnector
from services.sandbox.generator import SandboxNetwork

FIXTURES = Path(__file__).parent.parent / "fixtures" / "marc"
MARC_NS = b"http://www.loc.gov/MARC21/slim"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    """The fixtures folder over real HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(FIXTURES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def library(flavour: Flavour = Flavour.MARC21, **options: object) -> LibraryConfig:
    return LibraryConfig(id="poitiers-fm", name="Médiathèque François-Mitterrand",
                         flavour=flavour, connector=ConnectorConfig(type="marc-file", **options))


def connector(client: httpx.AsyncClient, **options: object) -> MarcFileConnector:
    return MarcFileConnector(library(**options), client)


async def harvest(resume: dict[str, object] | None = None, **options: object) -> list[Page]:
    async with httpx.AsyncClient(trust_env=False) as client:
        return [page async for page in connector(client, **options).harvest(
            HarvestRequest(since=None, resume=resume))]


def records(pages: list[Page]) -> list[RawRecord]:
    return [record for page in pages for record in page.records]


def big_dump(tmp_path: Path, copies: int) -> Path:
    """A dump of many copies of the novel, each with its own 001."""
    novel = (FIXTURES / "novel-marc21.mrc").read_bytes()
    path = tmp_path / "full.mrc"
    path.write_bytes(b"".join(novel.replace(b"000123456", b"%09d" % n) for n in range(copies)))
    return path


# --- options ---------------------------------------------------------------------------------


async def test_the_registry_builds_it_as_a_snapshot_source() -> None:
    async with httpx.AsyncClient() as client:
        built = registry.build(library(path="dump.mrc", max_shrink=0.1), client)
    assert isinstance(built, MarcFileConnector)
    assert built.snapshot is True
    assert built.options.max_shrink == 0.1
    assert built.options.page_size == 500


@pytest.mark.parametrize("options", [{}, {"path": "a.mrc", "url": "https://x.example/a.mrc"}])
def test_exactly_one_of_path_and_url(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"libraries\.poitiers-fm\.connector.*path.*url"):
        registry.validate_library(library(**options))


def test_an_unknown_option_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"connector\.pathh"):
        registry.validate_library(library(pathh="dump.mrc"))


# --- local files -----------------------------------------------------------------------------


async def test_an_iso2709_dump_keeps_every_record_and_its_offset() -> None:
    path = FIXTURES / "dump-with-errors.mrc"
    pages = await harvest(path=str(path), page_size=4)
    assert [len(page.records) for page in pages] == [4, 2]
    assert pages[0].cursor.resume is not None
    assert pages[-1].cursor.resume is None
    dump = path.read_bytes()
    for record in records(pages):
        offset = int(record.origin.rsplit("#offset=", 1)[1])
        assert dump[offset:offset + len(record.data)] == record.data
        assert record.format is RawFormat.ISO2709
        assert record.local_id is None and not record.deleted
    # The broken ones are delivered too, so the pipeline quarantines them with a reason.
    assert len(records(pages)) == 6


async def test_a_marcxml_dump_is_read_record_by_record() -> None:
    pages = await harvest(path=str(FIXTURES / "formats-marc21.xml"), page_size=10)
    raws = records(pages)
    assert [len(page.records) for page in pages] == [10, 7]
    assert raws[0].origin.endswith("formats-marc21.xml#record=1")
    assert {raw.format for raw in raws} == {RawFormat.MARCXML}
    formats = [parse_raw(raw, library(path="x"))[1].format for raw in raws]
    assert formats[0] is Format.BOOK
    assert Format.VIDEO_GAME in formats


async def test_a_marcxml_dump_with_control_characters_is_repaired(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="connectors.marc_file"):
        pages = await harvest(path=str(FIXTURES / "control-chars.xml"))
    [raw] = records(pages)
    assert parse_raw(raw, library(path="x"))[1].title == "L'étranger"
    assert "removed 3 characters that XML forbids" in caplog.text


async def test_pages_hold_page_size_records_and_the_last_has_no_resume(tmp_path: Path) -> None:
    pages = await harvest(path=str(big_dump(tmp_path, 1200)))
    assert [len(page.records) for page in pages] == [500, 500, 200]
    assert [page.cursor.resume is None for page in pages] == [False, False, True]
    assert all(page.cursor.next_since is None for page in pages)


async def test_an_interrupted_harvest_resumes_at_the_next_record(tmp_path: Path) -> None:
    path = str(big_dump(tmp_path, 1200))
    first = await harvest(path=path)
    rest = await harvest(first[0].cursor.resume, path=path)
    assert records(rest) == records(first)[500:]


async def test_a_replaced_dump_is_read_from_the_start(tmp_path: Path) -> None:
    path = big_dump(tmp_path, 1200)
    saved = (await harvest(path=str(path)))[0].cursor.resume
    big_dump(tmp_path, 1100)  # tonight's export replaced the file
    again = await harvest(saved, path=str(path))
    assert len(records(again)) == 1100


async def test_an_interrupted_marcxml_harvest_skips_what_was_stored() -> None:
    path = str(FIXTURES / "formats-unimarc.xml")
    first = await harvest(path=path, page_size=4)
    rest = await harvest(first[1].cursor.resume, path=path, page_size=4)
    assert records(rest) == records(first)[8:]


async def test_an_empty_dump_is_one_empty_final_page(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mrc"
    empty.write_bytes(b"\n\n")
    pages = await harvest(path=str(empty))
    assert [page.records for page in pages] == [[]]
    assert pages[0].cursor.resume is None


async def test_a_missing_file_is_unavailable_and_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "absent.mrc"
    with pytest.raises(SourceUnavailable) as caught:
        await harvest(path=str(missing))
    assert str(missing) in str(caught.value)
    assert "[poitiers-fm]" in str(caught.value)
    assert "No such file" in str(caught.value)


async def test_a_marcxml_dump_cut_inside_a_record_keeps_the_records_before_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "broken.xml"
    text = (FIXTURES / "formats-marc21.xml").read_bytes()
    broken.write_bytes(text[: text.index(b"e-book/007")] + b"</oops>")
    with caplog.at_level(logging.WARNING):
        raws = records(await harvest(path=str(broken), page_size=1))
    # Four records precede the damage: they are kept, and the fifth is reported, cut as it is.
    assert [r.origin.rsplit("#", 1)[1] for r in raws] == [f"record={n}" for n in range(1, 6)]
    assert [r.damage for r in raws[:4]] == [None] * 4
    assert raws[4].damage is not None and "ends inside this record" in raws[4].damage
    assert raws[4].data.startswith(b"<record>") and raws[4].data.endswith(b"</oops>")
    assert "may be truncated" in caplog.text


async def test_a_document_without_records_that_is_not_xml_is_a_protocol_error(
        tmp_path: Path) -> None:
    page = tmp_path / "error.xml"
    page.write_bytes(b"<html><body><p>Service unavailable<br></body></html>")
    with pytest.raises(SourceProtocolError, match=r"not well-formed XML and holds no record"):
        await harvest(path=str(page))


# --- a broken source loses nothing (issue 12) ---------------------------------------------------

SANDBOX_DUMP_RECORDS = 1769


@pytest.fixture(scope="module")
def sandbox_records() -> list[bytes]:
    """1,769 MARCXML records of a sandbox library, as its ILS exports them."""
    catalogue = SandboxNetwork(seed=7, total_records=6000).catalogue("mediatheque-fm")
    live = [i for i in range(catalogue.count) if not catalogue.deleted[i]]
    return [catalogue.marcxml(i) for i in live[:SANDBOX_DUMP_RECORDS]]


def marcxml_dump(path: Path, records: list[bytes], *, end: bytes = b"\n</collection>\n") -> Path:
    """A collection with one record a line: record n is on line n + 2."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="%s">\n' % MARC_NS
    path.write_bytes(head + b"\n".join(records) + end)
    return path


def quarantined(raws: list[RawRecord]) -> list[tuple[str | None, str]]:
    """What the pipeline makes of the records: the quarantine's (record, reason) rows."""
    _, problems = prepare_page(library(), raws)
    return [(problem.local_id, problem.reason) for problem in problems]


@pytest.mark.parametrize(("damage", "message"), [
    ((b"</subfield>", b"</subfeld>"), "Opening and ending tag mismatch"),
    ((b"<subfield code=\"a\">", b"<subfield code=\"a\">&eacute;"), "Entity 'eacute' not defined"),
])
async def test_a_damaged_record_in_a_marcxml_dump_is_quarantined_and_the_rest_stored(
        tmp_path: Path, sandbox_records: list[bytes], damage: tuple[bytes, bytes],
        message: str) -> None:
    damaged = list(sandbox_records)
    damaged[99] = damaged[99].replace(*damage, 1)
    path = marcxml_dump(tmp_path / "dump.xml", damaged)
    raws = records(await harvest(path=str(path), page_size=500))
    assert len(raws) == SANDBOX_DUMP_RECORDS
    assert [i for i, raw in enumerate(raws) if raw.damage] == [99]
    assert raws[99].data == damaged[99]
    assert raws[99].origin.endswith("#record=100")
    ((local_id, reason),) = quarantined(raws)
    assert local_id == record_id(damaged[99])
    assert "(line 102)" in reason and message in reason


async def test_a_truncated_marcxml_dump_keeps_every_complete_record(
        tmp_path: Path, sandbox_records: list[bytes]) -> None:
    whole = b"\n".join(sandbox_records)
    cut = whole[: whole.rindex(b"<record") + 400]  # inside the last record, past its 001
    kept = cut.count(b"</record>")
    path = tmp_path / "cut.xml"
    path.write_bytes(b'<collection xmlns="%s">\n' % MARC_NS + cut)
    raws = records(await harvest(path=str(path), page_size=500))
    assert len(raws) == kept + 1
    assert all(raw.damage is None for raw in raws[:-1])
    ((local_id, reason),) = quarantined(raws)
    assert local_id == record_id(sandbox_records[kept])
    assert f"(line {kept + 2})" in reason and "truncated" in reason


def record_id(record: bytes) -> str:
    return record.split(b'tag="001">', 1)[1].split(b"<", 1)[0].decode()


async def test_check_describes_the_dump_with_a_sample() -> None:
    path = FIXTURES / "koha-unimarc.mrc"
    async with httpx.AsyncClient(trust_env=False) as client:
        info = await connector(client, path=str(path)).check()
    assert info.summary == {"path": str(path), "size": f"{path.stat().st_size} bytes",
                            "format": "iso2709"}
    assert info.formats == ["iso2709"]
    assert info.sample is not None
    assert info.sample.data == path.read_bytes()
    assert info.sample.origin == f"{path}#offset=0"


# --- URLs ------------------------------------------------------------------------------------


async def test_a_dump_downloaded_over_http_reads_like_the_file(http_server: str) -> None:
    url = f"{http_server}/dump-with-errors.mrc"
    over_http = records(await harvest(url=url, page_size=4))
    from_disk = records(await harvest(path=str(FIXTURES / "dump-with-errors.mrc")))
    assert [r.data for r in over_http] == [r.data for r in from_disk]
    assert over_http[1].origin == f"{url}#offset=1125"


async def test_check_over_http_reports_size_and_format(http_server: str) -> None:
    url = f"{http_server}/formats-unimarc.xml"
    async with httpx.AsyncClient(trust_env=False) as client:
        info = await connector(client, url=url).check()
    size = (FIXTURES / "formats-unimarc.xml").stat().st_size
    assert info.summary == {"url": url, "size": f"{size} bytes", "format": "marcxml"}
    assert info.sample is not None
    assert info.sample.origin == f"{url}#record=1"


async def test_a_url_harvest_restarts_from_the_beginning(http_server: str) -> None:
    url = f"{http_server}/dump-with-errors.mrc"
    first = await harvest(url=url, page_size=4)
    again = await harvest(first[0].cursor.resume, url=url, page_size=4)
    assert records(again) == records(first)


async def test_a_missing_url_is_a_protocol_error_naming_it(http_server: str) -> None:
    url = f"{http_server}/no-such-dump.mrc"
    with pytest.raises(SourceProtocolError) as caught:
        await harvest(url=url)
    assert "HTTP 404" in str(caught.value)
    assert url in str(caught.value)
    assert caught.value.code == "404"


async def test_a_server_error_is_unavailable() -> None:
    url = "https://ils.example.org/export/full.mrc"
    with respx.mock:
        respx.get(url).mock(return_value=httpx.Response(503))
        with pytest.raises(SourceUnavailable, match=r"\[poitiers-fm\] .*full.mrc: HTTP 503"):
            await harvest(url=url)


async def test_a_refused_connection_is_unavailable() -> None:
    url = "https://ils.example.org/export/full.mrc"
    with respx.mock:
        respx.get(url).mock(side_effect=httpx.ConnectError("connection refused"))
        with pytest.raises(SourceUnavailable, match=r"download failed .*ConnectError"):
            await harvest(url=url)
