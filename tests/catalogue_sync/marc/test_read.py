"""Reading MARCXML and ISO 2709 records from the files under tests/fixtures/marc."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pymarc
import pytest
from lxml import etree

from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc.read import (
    record_from_iso2709,
    record_from_marcxml,
    record_from_marcxml_bytes,
)
from catalogue_sync.marc.split import (
    Iso2709Splitter,
    XmlRepairer,
    repair_xml,
    split_iso2709,
)
from catalogue_sync.marc.xmlsplit import DamagedXml, MarcXmlSplitter
from catalogue_sync.models import Flavour

FIXTURES = Path(__file__).parents[2] / "fixtures" / "marc"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def title(record: pymarc.Record, tag: str = "245") -> str:
    return record[tag]["a"]


# --- MARCXML -------------------------------------------------------------------------------


def test_marcxml_record_reads_like_pymarcs_own_parser() -> None:
    ours = record_from_marcxml_bytes(fixture("novel-marc21.xml"))
    [theirs] = pymarc.parse_xml_to_array(str(FIXTURES / "novel-marc21.xml"))
    assert str(ours) == str(theirs)
    assert [f.indicators for f in ours.get_fields("245", "264")] == [
        f.indicators for f in theirs.get_fields("245", "264")]
    assert ours["008"].is_control_field() and not ours["245"].is_control_field()


def test_a_marcxml_record_survives_an_iso2709_round_trip() -> None:
    record = record_from_marcxml_bytes(fixture("koha-unimarc.xml"))
    again = record_from_iso2709(record.as_marc(), flavour=Flavour.UNIMARC)
    assert [str(f) for f in again.fields] == [str(f) for f in record.fields]


@pytest.mark.parametrize(("name", "namespace"), [
    ("novel-marc21.xml", "{http://www.loc.gov/MARC21/slim}"),
    ("formats-unimarc.xml", "{info:lc/xmlns/marcxchange-v2}"),
    ("nfd-marc21.xml", ""),
])
def test_marcxml_is_read_in_any_namespace(name: str, namespace: str) -> None:
    root = etree.fromstring(fixture(name))
    element = next(root.iter("{*}record"))
    assert element.tag == f"{namespace}record"
    record = record_from_marcxml(element)
    assert record["001"].data
    assert record.leader[6] in "acegijklmr"
    assert record.get_fields("100", "200", "245")


def test_decomposed_accents_are_composed() -> None:
    raw = fixture("nfd-marc21.xml")
    assert "e\u0301".encode() in raw  # the ILS sent NFD
    record = record_from_marcxml_bytes(raw)
    assert title(record) == "L'étranger /"
    assert unicodedata.is_normalized("NFC", str(record))


def test_control_characters_in_xml_are_removed_before_parsing() -> None:
    raw = fixture("control-chars.xml")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(raw)
    repaired, removed = repair_xml(raw)
    assert removed == 3
    assert title(record_from_marcxml_bytes(raw)) == "L'étranger /"
    assert title(record_from_marcxml_bytes(repaired)) == "L'étranger /"


@pytest.mark.parametrize(("dirty", "clean", "removed"), [
    (b"<a>x\x01y\x1b\x1fz</a>", b"<a>xyz</a>", 3),
    (b"<a>&#x1;&#27;&#x001F;&#11;ok</a>", b"<a>ok</a>", 4),
    (b"<a>tab\t&#9;&#x9; lf\n&#10;&#xA; cr\r&#13;&#xD;</a>",
     b"<a>tab\t&#9;&#x9; lf\n&#10;&#xA; cr\r&#13;&#xD;</a>", 0),
    (b"<a>&#32;&#233;&#x20AC;</a>", b"<a>&#32;&#233;&#x20AC;</a>", 0),
])
def test_repair_xml_removes_only_what_xml_forbids(dirty: bytes, clean: bytes, removed: int) -> None:
    assert repair_xml(dirty) == (clean, removed)


def test_a_character_reference_cut_between_two_chunks_is_still_removed() -> None:
    repairer = XmlRepairer()
    out = repairer.feed(b"<a>before &#x") + repairer.feed(b"1B; after</a>") + repairer.flush()
    assert out == b"<a>before  after</a>"
    assert repairer.removed == 1


def test_broken_marcxml_is_rejected_with_the_parser_message() -> None:
    with pytest.raises(RecordRejected, match="not well-formed MARCXML"):
        record_from_marcxml_bytes(b"<record><leader>00000nam</record>")
    with pytest.raises(RecordRejected, match=r"no MARCXML <record> element .*<html>"):
        record_from_marcxml_bytes(b"<html><body>Service unavailable</body></html>")


def test_marcxml_splitter_streams_a_collection_in_small_chunks() -> None:
    data = fixture("formats-marc21.xml")
    splitter = MarcXmlSplitter()
    records = [r for at in range(0, len(data), 50) for r in splitter.feed(data[at:at + 50])]
    records += splitter.close()
    ids = [record_from_marcxml_bytes(raw)["001"].data for raw in records]
    assert len(ids) == 17
    assert ids[0] == "book/plain"
    assert ids[-1] == "other/poster"


def test_marcxml_splitter_ignores_an_oai_record_around_a_marc_one() -> None:
    novel = fixture("novel-marc21.xml").split(b"?>", 1)[1]
    oai = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>'
           b"<header><identifier>oai:x:1</identifier></header><metadata>" + novel
           + b"</metadata></record></ListRecords></OAI-PMH>")
    splitter = MarcXmlSplitter()
    records = splitter.feed(oai) + splitter.close()
    assert [record_from_marcxml_bytes(raw)["001"].data for raw in records] == ["000123456"]


# --- ISO 2709: one record --------------------------------------------------------------------


def test_iso2709_and_marcxml_copies_of_a_record_read_the_same() -> None:
    from_iso = record_from_iso2709(fixture("novel-marc21.mrc"))
    from_xml = record_from_marcxml_bytes(fixture("novel-marc21.xml"))
    assert [str(f) for f in from_iso.fields] == [str(f) for f in from_xml.fields]
    assert title(from_iso) == "L'étranger /"


def test_marc8_accents_become_unicode() -> None:
    raw = fixture("marc8-marc21.mrc")
    assert b"mis\xe2erables" in raw  # MARC-8: the combining acute comes before the letter
    record = record_from_iso2709(raw)
    assert title(record) == "Les misérables /"
    assert record["650"]["a"] == "Pauvreté"
    assert unicodedata.is_normalized("NFC", title(record))
    assert record.leader[9] == "a"  # the record is Unicode now


def test_utf8_with_a_lying_leader_is_read_as_utf8() -> None:
    raw = fixture("utf8-lying-leader.mrc")
    assert raw[9:10] == b" "  # leader/09 claims MARC-8
    assert title(record_from_iso2709(raw, "auto")) == "Les misérables /"
    assert title(record_from_iso2709(raw, "utf-8")) == "Les misérables /"


def test_forcing_marc8_reads_what_the_library_says_it_sends() -> None:
    marc8 = fixture("marc8-marc21.mrc")
    patched = marc8[:9] + b"a" + marc8[10:]  # an ILS that writes 'a' on MARC-8 records
    with pytest.raises(RecordRejected, match='set encoding = "marc-8"'):
        record_from_iso2709(patched, "auto")
    assert title(record_from_iso2709(patched, "marc-8")) == "Les misérables /"


def test_latin1_bytes_under_a_utf8_leader_name_the_field() -> None:
    [_, _, _, _, latin1, _] = [data for _, data in split_iso2709(io.BytesIO(
        fixture("dump-with-errors.mrc")))]
    with pytest.raises(RecordRejected) as caught:
        record_from_iso2709(latin1, "auto")
    assert "not valid UTF-8 in field 245" in caught.value.reason
    assert 'set encoding = "marc-8"' in caught.value.reason


def test_unimarc_is_read_as_utf8_whatever_its_leader() -> None:
    raw = fixture("koha-unimarc.mrc")
    assert raw[9:10] == b" "  # UNIMARC leaves leader/09 undefined
    record = record_from_iso2709(raw, "auto", Flavour.UNIMARC)
    assert record["200"]["f"] == "Leïla Slimani"
    assert record.leader[9] == " "


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda r: r[:600], r"leader says 1127 bytes, record has 600: truncated"),
    (lambda r: b"hello", r"only 5 bytes"),
    (lambda r: b"abcde" + r[5:], r"leader does not start with the record length"),
    (lambda r: r[:12] + b"99999" + r[17:], r"leader/12-16 puts the data at byte '99999'"),
    (lambda r: r[:24] + b"245XX" + r[29:], r"directory entry of field 245 is damaged"),
    (lambda r: r[:24] + r[24:27] + b"9999" + r[31:], r"field 001 runs past the end"),
    (lambda r: r[:30] + r[31:] + b" ", r"directory does not end where leader/12-16 says"),
    (lambda r: r[:12] + b"%05d" % (int(r[12:17]) - 1) + r[17:30] + r[31:] + b" ",
     r"the directory \(the list of fields after the leader\) is damaged"),
])
def test_damaged_records_are_rejected_with_a_reason(
        damage: Callable[[bytes], bytes], reason: str) -> None:
    record = fixture("novel-marc21.mrc")
    with pytest.raises(RecordRejected, match=reason):
        record_from_iso2709(damage(record))


# --- ISO 2709: splitting a dump --------------------------------------------------------------


def test_the_split_keeps_every_good_record_around_broken_ones() -> None:
    dump = fixture("dump-with-errors.mrc")
    found = list(split_iso2709(io.BytesIO(dump)))
    assert len(found) == 6
    outcomes = []
    for offset, data in found:
        assert dump[offset:offset + len(data)] == data  # bytes kept exactly, offsets true
        try:
            outcomes.append(record_from_iso2709(data)["001"].data)
        except RecordRejected as rejected:
            outcomes.append(rejected.reason)
    assert [outcomes[i] for i in (0, 1, 3, 5)] == ["dump-1", "dump-2", "dump-4", "dump-6"]
    assert outcomes[2] == "leader says 1124 bytes, record has 562: truncated"
    assert outcomes[4].startswith("not valid UTF-8 in field 245")


@pytest.mark.parametrize("chunk_size", [1, 7, 1000, 1 << 20])
def test_the_split_does_not_depend_on_chunk_boundaries(chunk_size: int) -> None:
    dump = fixture("dump-with-errors.mrc")
    whole = list(split_iso2709(io.BytesIO(dump)))
    assert list(split_iso2709(io.BytesIO(dump), chunk_size=chunk_size)) == whole
    chunks = [dump[at:at + chunk_size] for at in range(0, len(dump), chunk_size)]
    assert list(split_iso2709(chunks)) == whole


def test_separators_between_records_are_skipped_and_offsets_continue() -> None:
    record = fixture("novel-marc21.mrc")
    dump = b"\r\n" + record + b"\x00\n \t" + record + b"\x1a"
    assert list(split_iso2709([dump])) == [(2, record), (2 + len(record) + 4, record)]
    splitter = Iso2709Splitter(offset=1000)
    assert splitter.feed(record) == [(1000, record)]
    assert splitter.close() == []


def test_bytes_after_the_last_terminator_are_a_truncated_record() -> None:
    record = fixture("novel-marc21.mrc")
    [(_, first), (offset, tail)] = list(split_iso2709([record + record[:100]]))
    assert first == record
    assert offset == len(record)
    with pytest.raises(RecordRejected, match="record has 100: truncated"):
        record_from_iso2709(tail)


def test_bytes_that_never_end_a_record_do_not_fill_the_memory() -> None:
    splitter = Iso2709Splitter()
    [(offset, junk)] = splitter.feed(b"x" * (5 << 20))  # a file that is not MARC at all
    assert (offset, len(junk)) == (0, 5 << 20)
    record = fixture("novel-marc21.mrc")
    assert splitter.feed(record) == [(5 << 20, record)]


# --- damaged records (issue 12) --------------------------------------------------------------


def test_a_leader_length_of_00000_is_corrected_with_a_warning_naming_the_record(
        caplog: pytest.LogCaptureFixture) -> None:
    raw = b"00000" + fixture("novel-marc21.mrc")[5:]
    with caplog.at_level("WARNING", logger="catalogue_sync.marc.read"):
        record = record_from_iso2709(raw)
    assert record.leader.record_length == f"{len(raw):05d}"
    assert "record 000123456: leader/00-04 says 00000 bytes, the record has 1127" in caplog.text


def test_nul_bytes_over_a_records_data_are_quarantined_naming_the_field() -> None:
    raw = fixture("novel-marc21.mrc")
    at = raw.index("L'étranger".encode())
    damaged = raw[:at] + b"\x00" * 10 + raw[at + 10:]
    with pytest.raises(RecordRejected, match=r"10 NUL byte\(s\) from byte \d+ in field 245"):
        record_from_iso2709(damaged)


def test_marcxml_splitter_reports_a_record_whose_start_tag_the_stream_cuts() -> None:
    data = fixture("formats-marc21.xml")
    cut = data[: data.index(b"<record>", data.index(b"e-book/007")) + len(b"<record")]
    splitter = MarcXmlSplitter()
    pieces = splitter.feed(cut) + splitter.close()
    *sound, last = pieces
    assert all(isinstance(piece, bytes) for piece in sound) and len(sound) == 5
    assert isinstance(last, DamagedXml) and last.data == b"<record" and "truncated" in last.reason


def test_marcxml_splitter_reports_a_record_never_closed_and_goes_on() -> None:
    data = fixture("formats-marc21.xml")
    at = data.index(b"</record>", data.index(b"e-book/007"))
    damaged = data[:at] + data[at + len(b"</record>"):]  # the next record opens inside it
    splitter = MarcXmlSplitter()
    pieces = splitter.feed(damaged) + splitter.close()
    assert len(pieces) == 17  # 16 records, and the one that swallowed the next one's start
    broken = [piece for piece in pieces if isinstance(piece, DamagedXml)]
    assert len(broken) == 1 and "is not closed before the next record" in broken[0].reason
    assert b"e-book/007" in broken[0].data
    assert splitter.envelope_error is None


def test_marcxml_splitter_reads_records_in_the_documents_namespaces_and_encoding() -> None:
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
            '<marc:collection xmlns:marc="http://www.loc.gov/MARC21/slim">\n'
            '  <!-- xmlns:marc="urn:not-this-one" -->\n'
            '  <marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>'
            '<marc:controlfield tag="001">Éloïse</marc:controlfield></marc:record>\n'
            '</marc:collection>\n').encode("latin-1")
    splitter = MarcXmlSplitter()
    (piece,) = [p for at in range(0, len(data), 7) for p in splitter.feed(data[at:at + 7])]
    assert splitter.close() == [] and splitter.envelope_error is None
    assert isinstance(piece, bytes) and b'xmlns:marc="http://www.loc.gov/MARC21/slim"' in piece
    assert record_from_marcxml_bytes(piece)["001"].data == "Éloïse"
