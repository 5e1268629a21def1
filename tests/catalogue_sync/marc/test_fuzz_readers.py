"""Fuzzing the MARC readers with damaged copies of the real fixture files.

Whatever the damage, reading a dump raises nothing but catalogue-sync's own errors (a record
that cannot be read is RecordRejected, and goes to quarantine), and the records the damage
did not touch come out as they were. The budget is fixed (tests/fuzzing.py); ``make fuzz``
runs a long one.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc.normalize import normalize
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml_bytes
from catalogue_sync.marc.salvage import readable_id
from catalogue_sync.marc.split import Iso2709Splitter
from catalogue_sync.marc.xmlsplit import DamagedXml, MarcXmlSplitter, Piece
from catalogue_sync.models import Flavour, RawFormat
from tests.fuzzing import CHUNK_SIZES, FUZZ, chunked, damaged

FIXTURES = Path(__file__).parents[2] / "fixtures" / "marc"
LIBRARIES = {flavour: LibraryConfig(id=f"fuzz-{flavour.value}", name="fuzz", flavour=flavour,
                                    connector=ConnectorConfig(type="marc-file", path="x.mrc"))
             for flavour in Flavour}


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# Five sound records, each its own file: MARC 21 in UTF-8 and MARC-8, UNIMARC, a lying leader.
ISO_RECORDS = [_fixture(name) for name in (
    "novel-marc21.mrc", "marc8-marc21.mrc", "koha-unimarc.mrc", "utf8-lying-leader.mrc")]
ISO_RECORDS.append(ISO_RECORDS[0].replace(b"000123456", b"000654321"))
ISO_DUMP = b"".join(ISO_RECORDS)
ISO_DUMPS = [ISO_DUMP, _fixture("dump-with-errors.mrc")]
XML_DUMPS = [_fixture(name) for name in ("formats-marc21.xml", "formats-unimarc.xml")]
XML_RECORD = re.compile(rb"<record>.*?</record>", re.DOTALL)


def read_iso2709(data: bytes, sizes: list[int]) -> list[bytes]:
    """Split the dump as the marc-file connector does, read and normalize every record."""
    splitter = Iso2709Splitter()
    found = [piece for chunk in chunked(data, sizes) for piece in splitter.feed(chunk)]
    records = [raw for _, raw in found + splitter.close()]
    for raw in records:
        readable_id(raw, RawFormat.ISO2709, "999$c")
        for flavour, library in LIBRARIES.items():
            try:
                record = record_from_iso2709(raw, "auto", flavour)
                normalize(record, flavour, library.item_mapping, library.id_field)
            except RecordRejected:
                pass
    return records


def read_marcxml(data: bytes, sizes: list[int]) -> list[Piece]:
    """Split the dump as the marc-file connector does, read and normalize every record."""
    splitter = MarcXmlSplitter()
    pieces = [piece for chunk in chunked(data, sizes) for piece in splitter.feed(chunk)]
    try:
        pieces += splitter.close()
    except etree.XMLSyntaxError:
        # Only for a stream without any record: the connector reports it as not MARCXML.
        assert not pieces
    for piece in pieces:
        raw = piece.data if isinstance(piece, DamagedXml) else piece
        readable_id(raw, RawFormat.MARCXML, "999$c")
        if isinstance(piece, bytes):
            _read_xml(piece)
    return pieces


def _read_xml(data: bytes) -> None:
    for flavour, library in LIBRARIES.items():
        try:
            record = record_from_marcxml_bytes(data)
            normalize(record, flavour, library.item_mapping, library.id_field)
        except RecordRejected:
            pass


def _spans(data: bytes, records: list[bytes]) -> list[tuple[int, int]]:
    spans, at = [], 0
    for record in records:
        start = data.index(record, at)
        spans.append((start, start + len(record)))
        at = start + len(record)
    return spans


# --- ISO 2709 --------------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from(ISO_DUMPS).flatmap(damaged), CHUNK_SIZES)
def test_fuzz_a_damaged_iso2709_dump_raises_only_our_errors(data: bytes, sizes: list[int]) -> None:
    read_iso2709(data, sizes)


@FUZZ
@given(st.data(), CHUNK_SIZES)
def test_fuzz_records_around_a_damaged_iso2709_record_come_out_whole(
        data: st.DataObject, sizes: list[int]) -> None:
    spans = _spans(ISO_DUMP, ISO_RECORDS)
    broken = data.draw(st.integers(0, len(ISO_RECORDS) - 1), label="damaged record")
    start, end = spans[broken]
    dump = data.draw(damaged(ISO_DUMP, start, end), label="dump")
    records = read_iso2709(dump, sizes)
    for index, record in enumerate(ISO_RECORDS):
        if index != broken:
            assert record in records


@FUZZ
@given(st.integers(0, len(ISO_DUMP)), CHUNK_SIZES)
def test_fuzz_a_truncated_iso2709_dump_keeps_every_complete_record(
        cut: int, sizes: list[int]) -> None:
    records = read_iso2709(ISO_DUMP[:cut], sizes)
    complete = [r for r, (_, end) in zip(ISO_RECORDS, _spans(ISO_DUMP, ISO_RECORDS),
                                         strict=True) if end <= cut]
    assert records[:len(complete)] == complete


# --- MARCXML ---------------------------------------------------------------------------------


def _sound(data: bytes) -> list[bytes]:
    pieces = read_marcxml(data, [])
    assert all(isinstance(piece, bytes) for piece in pieces)
    return [piece for piece in pieces if isinstance(piece, bytes)]


SOUND_XML = {dump: _sound(dump) for dump in XML_DUMPS}


@FUZZ
@given(st.sampled_from(XML_DUMPS).flatmap(damaged), CHUNK_SIZES)
def test_fuzz_a_damaged_marcxml_dump_raises_only_our_errors(
        data: bytes, sizes: list[int]) -> None:
    read_marcxml(data, sizes)


@FUZZ
@given(st.data(), st.sampled_from(XML_DUMPS), CHUNK_SIZES)
def test_fuzz_records_around_a_damaged_marcxml_record_come_out_whole(
        data: st.DataObject, dump: bytes, sizes: list[int]) -> None:
    spans = [found.span() for found in XML_RECORD.finditer(dump)]
    broken = data.draw(st.integers(0, len(spans) - 1), label="damaged record")
    mutated = data.draw(damaged(dump, *spans[broken]), label="dump")
    pieces = read_marcxml(mutated, sizes)
    for index, record in enumerate(SOUND_XML[dump]):
        if index != broken:
            assert record in pieces


@FUZZ
@given(st.data(), st.sampled_from(XML_DUMPS), CHUNK_SIZES)
def test_fuzz_a_truncated_marcxml_dump_keeps_every_complete_record(
        data: st.DataObject, dump: bytes, sizes: list[int]) -> None:
    cut = data.draw(st.integers(0, len(dump)), label="cut")
    pieces = read_marcxml(dump[:cut], sizes)
    ends = [found.end() for found in XML_RECORD.finditer(dump)]
    complete = [r for r, end in zip(SOUND_XML[dump], ends, strict=True) if end <= cut]
    assert pieces[:len(complete)] == complete
    # What follows them is the record the cut fell in, quarantined, or nothing.
    assert all(isinstance(piece, DamagedXml) for piece in pieces[len(complete):])
