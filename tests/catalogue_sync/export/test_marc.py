"""Merged records as MARC 21: valid MARCXML, ISO 2709 that pymarc and our own harvest read back
as the catalogue shows them, holdings in 852."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pymarc
import pytest
from xml_schemas import assert_valid

from catalogue_sync.config import ConnectorConfig, HoldingsMapping, LibraryConfig
from catalogue_sync.export.marc import (
    ISO2709_LIMIT,
    marcxml_element,
    to_iso2709,
    to_marc,
    to_marcxml,
)
from catalogue_sync.marc import parse_raw
from catalogue_sync.marc.identifiers import clean_isbn, format_issn
from catalogue_sync.models import Flavour, Format, RawFormat, RawRecord
from catalogue_sync.store.clusters import MergedRecord

# How a library harvesting the union catalogue reads its 852 (see docs/protocols.md).
UNION = LibraryConfig(
    id="union", name="Union catalogue", flavour=Flavour.MARC21,
    connector=ConnectorConfig(type="marc-file", path="union.mrc"),
    holdings=HoldingsMapping(tag="852", branch="b", location="c", call_number="h",
                             barcode="p", status="z"),
)
STAMP = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
LEADER_CODES = {
    "book": "am", "large-print": "am", "e-book": "am", "audiobook": "im", "dvd-bluray": "gm",
    "music-cd": "jm", "score": "cm", "periodical": "as", "map": "em", "board-game": "rm",
    "video-game": "mm", "other": "pm",
}


def both(sandbox: list[MergedRecord], fixtures: list[MergedRecord]) -> list[MergedRecord]:
    return [*sandbox, *fixtures]


def test_every_merged_record_is_valid_marcxml(sandbox_merged: list[MergedRecord],
                                              fixture_merged: list[MergedRecord]) -> None:
    for merged in both(sandbox_merged, fixture_merged):
        root = assert_valid(to_marcxml(to_marc(merged)), "marc")
        assert root.findtext("{http://www.loc.gov/MARC21/slim}controlfield") == merged.id


def test_pymarc_reads_back_iso2709_and_marcxml_field_for_field(
        sandbox_merged: list[MergedRecord], fixture_merged: list[MergedRecord]) -> None:
    records = [to_marc(merged) for merged in both(sandbox_merged, fixture_merged)]
    from_iso = list(pymarc.MARCReader(b"".join(to_iso2709(r) for r in records),
                                      to_unicode=True, force_utf8=True))
    collection = b"<collection xmlns='http://www.loc.gov/MARC21/slim'>" + b"".join(
        to_marcxml(r).split(b"?>", 1)[1] for r in records) + b"</collection>"
    from_xml = pymarc.parse_xml_to_array(io.BytesIO(collection))
    assert len(from_iso) == len(from_xml) == len(records)
    for original, iso, xml in zip(records, from_iso, from_xml, strict=True):
        assert iso is not None
        assert iso.leader[9] == "a"
        assert _fields(iso) == _fields(xml) == _fields(original)


def _fields(record: pymarc.Record) -> list[Any]:
    return [(f.tag, f.data) if f.control_field else
            (f.tag, f.indicators, [(s.code, s.value) for s in f.subfields])
            for f in record.fields]


def test_a_library_harvesting_the_export_reads_what_the_catalogue_shows(
        sandbox_merged: list[MergedRecord], fixture_merged: list[MergedRecord]) -> None:
    for merged in both(sandbox_merged, fixture_merged):
        display = merged.display or {}
        raw = RawRecord(None, None, False, to_iso2709(to_marc(merged)), RawFormat.ISO2709, "t")
        read = parse_raw(raw, UNION)[1]
        assert read.local_id == merged.id
        for name in ("title", "subtitle", "authors", "year", "language", "publisher",
                     "pages", "subjects"):
            assert getattr(read, name) == display[name], (merged.id, name)
        assert read.format == Format(display["format"])
        assert read.isbns == [clean_isbn(isbn) for isbn in display["isbns"]]
        assert read.issns == [format_issn(issn) for issn in display["issns"]]
        assert sorted(read.other_ids) == sorted(display["ids"])
        assert _copies(read.items) == _copies_of(display)


def _copies(items: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((i.barcode, i.call_number, i.location, i.branch, i.status) for i in items
                  if i.barcode or i.call_number)


def _copies_of(display: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((i["barcode"], i["call_number"], i["location"], i["branch"], i["status"])
                  for member in display["holdings"] for i in member["items"])


def test_leader_and_fixed_fields_say_the_format_year_and_language(
        sandbox_merged: list[MergedRecord]) -> None:
    seen = set()
    for merged in sandbox_merged:
        display = merged.display or {}
        record = to_marc(merged)
        assert record.leader[6:8] == LEADER_CODES[display["format"]]
        fixed = record["008"].data
        assert len(fixed) == 40
        assert fixed[7:11] == (f"{display['year']:04d}" if display["year"] else "uuuu")
        assert fixed[35:38] == (display["language"] or "|||")
        assert record["005"].data == merged.updated_at.strftime("%Y%m%d%H%M%S.") + str(
            merged.updated_at.microsecond // 100_000)
        seen.add(display["format"])
    assert len(seen) >= 10, seen  # the sandbox catalogues nearly every format


def test_holdings_give_one_852_per_copy_and_one_per_library_without_copies(
        sandbox_merged: list[MergedRecord]) -> None:
    for merged in sandbox_merged:
        display = merged.display or {}
        fields = to_marc(merged).get_fields("852")
        expected = sum(max(len(member["items"]), 1) for member in display["holdings"])
        assert len(fields) == expected
        members = {f"{m['library']}:{m['record']}" for m in display["holdings"]}
        assert {field["x"] for field in fields} == members
        on_loan = [item for m in display["holdings"] for item in m["items"] if item["due_date"]]
        for item in on_loan:
            field = next(f for f in fields if f["p"] == item["barcode"])
            assert field.get_subfields("z") == [item["status"], f"due {item['due_date']}"]


def test_numbers_go_to_the_fields_their_scheme_belongs_to(
        fixture_merged: list[MergedRecord]) -> None:
    by_id = {merged.id: to_marc(merged) for merged in fixture_merged}
    etranger = by_id["metranger0001"]
    assert "9782070360024" in [f["a"] for f in etranger.get_fields("020")]
    assert "(FrPBN)35289316" in [f["a"] for f in etranger.get_fields("035")]
    assert [f["a"] for f in by_id["mdiplo0000001"].get_fields("022")] == ["0026-9395"]
    assert "(PPN)00123456X" in [f["a"] for f in by_id["mtristes00001"].get_fields("035")]
    # The ISMN in both forms the two libraries catalogue it in, 024 first indicator 2.
    assert [(f.indicator1, f["a"]) for f in by_id["mclair0000001"].get_fields("024")] == [
        ("2", "M230671187"), ("2", "9790230671187")]


def test_text_that_xml_forbids_is_left_out() -> None:
    display = _display(title="Un titre\x1f avec\x0b des\x00 contrôles", authors=["Nom,\x1e Un"])
    record = to_marc(_merged(display))
    assert record["245"]["a"] == "Un titre avec des contrôles"
    assert_valid(marcxml_element(record), "marc")
    assert pymarc.Record(data=to_iso2709(record), force_utf8=True)["100"]["a"] == "Nom, Un"


def test_a_record_too_long_for_iso2709_keeps_a_copy_of_every_library() -> None:
    items = [{"barcode": f"{n:012d}", "call_number": "R DUM", "location": "Adultes",
              "status": "available", "doc_type": None, "due_date": None, "branch": "MAIN"}
             for n in range(1500)]
    holdings = [{"library": library, "record": "1", "items": items}
                for library in ("alpha", "beta")]
    merged = _merged(_display(holdings=holdings))
    assert len(to_marcxml(to_marc(merged))) > ISO2709_LIMIT
    data = to_iso2709(to_marc(merged))
    assert len(data) <= ISO2709_LIMIT
    read = pymarc.Record(data=data, force_utf8=True)
    assert {field["a"] for field in read.get_fields("852")} == {"alpha", "beta"}


@pytest.mark.parametrize(("format_", "leader", "position", "form"), [
    ("online-periodical", "as", 23, "o"), ("online-video", "gm", 29, "o"),
    ("online-music", "jm", 23, "o"), ("online-resource", "mm", 26, "j")])
def test_online_titles_are_exported_as_remote_electronic_resources(
        format_: str, leader: str, position: int, form: str) -> None:
    record = to_marc(_merged(_display(format=format_)))
    assert record.leader[6:8] == leader and record["008"].data[position] == form
    assert record["007"].data.startswith("cr")


def test_a_tombstone_has_nothing_to_export() -> None:
    with pytest.raises(ValueError, match="m000000000001"):
        to_marc(replace(_merged(_display()), deleted=True, display=None))


def _display(**values: Any) -> dict[str, Any]:
    return {"title": "Titre", "subtitle": None, "authors": [], "year": 2001, "format": "book",
            "language": "fre", "publisher": None, "pages": None, "isbns": [], "issns": [],
            "ids": [], "subjects": [], "holdings": [], **values}


def _merged(display: dict[str, Any]) -> MergedRecord:
    return MergedRecord("m000000000001", "work", False, None, display, 1, 1, STAMP)


# MARC 21 Bibliographic, Leader: the values each position may take (LC's definition).
LEADER_VALUES = {5: "acdnp", 8: " a", 9: " a", 17: " 12345678uz", 18: " acinu", 19: " abc"}
VIDEO_007_SOUND = "abu|"
"""007/05 of a videorecording: a sound on medium, b separate, u unknown, | not coded (never
' ', which means "no sound (silent)", and nothing here knows that)."""


def test_every_export_has_a_leader_and_007_marc21_defines() -> None:
    for format_ in (*LEADER_CODES, "online-video"):
        record = to_marc(_merged(_display(format=format_)))
        leader = str(to_iso2709(record)[:24], "ascii")
        assert leader[10:12] == "22" and leader[20:24] == "4500", leader
        for position, allowed in LEADER_VALUES.items():
            assert leader[position] in allowed, (format_, position, leader)
        assert leader[17:20] == "3c ", leader  # abbreviated, no ISBD punctuation
        physical = record["007"].data if record.get("007") else None
        if physical and physical[0] == "c":
            assert len(physical) == 14, physical
        if physical and physical[0] == "v":
            assert len(physical) == 9 and physical[5] in VIDEO_007_SOUND, physical
