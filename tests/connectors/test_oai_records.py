"""Reading records out of ListRecords answers: the stored bytes, ids and datestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.marc.read import record_from_marcxml_bytes
from catalogue_sync.models import Flavour
from catalogue_sync.parsing import prepare_page
from connectors.oai_records import datestamp_of, records_of

MARC_NS = "http://www.loc.gov/MARC21/slim"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
LIBRARY = LibraryConfig(id="koha-test", name="Koha", flavour=Flavour.MARC21,
                        connector=ConnectorConfig(
    type="oai-pmh", url="https://ils.example.org/oai"))
RECORD = (
    '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
    '<controlfield tag="001">{id}</controlfield></record>'
)


def answer(*records: str, declaration: str = "", envelope_ns: str = "") -> bytes:
    return (
        f'{declaration}<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"{envelope_ns}>'
        "<responseDate>2026-11-20T08:00:01Z</responseDate><ListRecords>"
        + "".join(records) + "</ListRecords></OAI-PMH>"
    ).encode("utf-8" if not declaration else "iso-8859-1")


def record(local_id: str, metadata: str | None, *, status: str = "",
           datestamp: str = "2026-10-02T14:31:07Z") -> str:
    body = "" if metadata is None else f"<metadata>\n  {metadata}\n</metadata>"
    return (f"<record><header{status}><identifier>oai:koha.example.org:{local_id}</identifier>"
            f"<datestamp>{datestamp}</datestamp></header>{body}</record>")


def read(data: bytes) -> list[tuple[str | None, bool, bytes]]:
    root = etree.fromstring(data)
    return [(r.local_id, r.deleted, r.data) for r in records_of(root, data, "test")]


def test_metadata_is_kept_byte_for_byte_and_deletions_have_none() -> None:
    first, third = RECORD.format(id="101"), RECORD.format(id="103")
    data = answer(record("101", first), record("102", None, status=' status="deleted"'),
                  record("103", third))
    assert read(data) == [("101", False, first.encode()), ("102", True, b""),
                          ("103", False, third.encode())]


def test_a_record_whose_prefix_is_declared_on_the_envelope_is_serialized_to_stand_alone() -> None:
    prefixed = ('<marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>'
                '<marc:controlfield tag="001">7</marc:controlfield></marc:record>')
    own = RECORD.format(id="8")
    data = answer(record("7", prefixed), record("8", own),
                  envelope_ns=f' xmlns:marc="{MARC_NS}"')
    (_, _, serialized), (_, _, kept) = [(i, d, raw) for i, d, raw in read(data)]
    assert kept == own.encode()
    assert serialized != prefixed.encode()
    assert record_from_marcxml_bytes(serialized)["001"].data == "7"


def test_a_record_without_metadata_is_quarantined_with_its_xml() -> None:
    data = answer(record("101", RECORD.format(id="101")), record("102", None))
    raws = list(records_of(etree.fromstring(data), data, "test"))
    assert raws[1].data.startswith(b"<record") and b"oai:koha.example.org:102" in raws[1].data
    _, (problem,) = prepare_page(LIBRARY, raws)
    assert problem.local_id == "102" and "without a MARC record in its <metadata>" in (
        problem.reason)


def test_an_answer_not_in_utf8_is_serialized_as_utf8() -> None:
    data = answer(record("101", RECORD.format(id="Éloïse")),
                  declaration='<?xml version="1.0" encoding="ISO-8859-1"?>')
    (_, _, raw), = read(data)
    assert record_from_marcxml_bytes(raw)["001"].data == "Éloïse"


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-10-02T14:31:07Z", datetime(2026, 10, 2, 14, 31, 7, tzinfo=UTC)),
    (" 2026-10-02T14:31:07Z\n", datetime(2026, 10, 2, 14, 31, 7, tzinfo=UTC)),
    ("2026-10-02", datetime(2026, 10, 2, tzinfo=UTC)),
    ("2026-10-32T14:31:07Z", None),
    ("2026-W40-5T14:31:07Z", None),
    ("2026-10-02T14:31:07+02:00", None),
    ("", None),
])
def test_datestamps_of_both_granularities_are_read_and_others_refused(
        value: str, expected: datetime | None) -> None:
    assert datestamp_of(value) == expected


def test_a_record_without_header_is_quarantined_whole_and_the_rest_of_the_page_kept() -> None:
    headless = f"<record><metadata>{RECORD.format(id='102')}</metadata></record>"
    data = answer(record("101", RECORD.format(id="101")), headless,
                  record("103", RECORD.format(id="103")))
    raws = list(records_of(etree.fromstring(data), data, "https://ils.example.org/oai?verb=x"))
    assert [(raw.local_id, raw.damage is None) for raw in raws] == [
        ("101", True), (None, False), ("103", True)]
    assert raws[1].data == headless.replace("<record>", f'<record xmlns="{OAI_NS}">').encode()
    assert raws[1].origin == "https://ils.example.org/oai?verb=x#record=2"
    good, problems = prepare_page(LIBRARY, raws)
    assert [record.local_id for record in good] == ["101", "103"]
    ((problem),) = problems
    assert problem.local_id == "102"  # read from the record's 001
    assert "without <header> (line 3)" in problem.reason and problem.data == raws[1].data
