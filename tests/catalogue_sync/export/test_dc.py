"""Merged records as Dublin Core: valid oai_dc, with the catalogue's description."""

from __future__ import annotations

from collections import defaultdict

from lxml import etree
from xml_schemas import assert_valid

from catalogue_sync.export.dc import DC_NS, DCMI_TYPES, dc_element, to_dc
from catalogue_sync.store.clusters import MergedRecord


def elements(root: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for child in root:
        found[etree.QName(child).localname].append(child.text or "")
    return dict(found)


def test_every_merged_record_is_valid_oai_dc(sandbox_merged: list[MergedRecord],
                                             fixture_merged: list[MergedRecord]) -> None:
    for merged in [*sandbox_merged, *fixture_merged]:
        root = assert_valid(to_dc(merged), "oai_dc")
        assert all(etree.QName(child).namespace == DC_NS for child in root)


def test_dublin_core_says_what_the_catalogue_shows(sandbox_merged: list[MergedRecord]
                                                   ) -> None:
    for merged in sandbox_merged:
        display = merged.display or {}
        found = elements(dc_element(merged))
        title = display["title"] + (f" : {display['subtitle']}" if display["subtitle"] else "")
        assert found["title"] == [title]
        assert found.get("creator", []) == display["authors"]
        assert found.get("subject", []) == display["subjects"]
        assert found.get("date", []) == ([str(display["year"])] if display["year"] else [])
        assert found["format"][0] == display["format"]
        assert found.get("type", []) == ([DCMI_TYPES[display["format"]]]
                                         if display["format"] in DCMI_TYPES else [])
        assert found["identifier"][-1] == merged.id
        assert [f"urn:isbn:{isbn}" for isbn in display["isbns"]] == [
            value for value in found["identifier"] if value.startswith("urn:isbn:")]
        assert found.get("language", []) == ([display["language"]]
                                             if display["language"] else [])


def test_issns_and_pages_have_their_own_forms(fixture_merged: list[MergedRecord]) -> None:
    by_id = {merged.id: elements(dc_element(merged)) for merged in fixture_merged}
    assert "urn:issn:0026-9395" in by_id["mdiplo0000001"]["identifier"]
    assert by_id["mdiplo0000001"]["type"] == ["Text"]
    assert by_id["metranger0001"]["format"] == ["book", "185 p."]
    assert by_id["mfilm00000001"]["type"] == ["MovingImage"]
    assert by_id["maudio0000001"]["type"] == ["Sound"]
