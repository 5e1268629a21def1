"""What a librarian sees of a record once normalized: title, authors, ids, format, items."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pymarc
import pytest
from lxml import etree
from pymarc import Field, Indicators, Subfield

from catalogue_sync.config import ConnectorConfig, HoldingsMapping, LibraryConfig
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc import normalize, parse_raw
from catalogue_sync.marc.identifiers import clean_isbn, format_issn, system_number
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml
from catalogue_sync.marc.read import record_from_marcxml_bytes as read_xml
from catalogue_sync.marc.text import strip_isbd
from catalogue_sync.models import Flavour, Format, Item, NormalizedRecord, RawFormat, RawRecord

FIXTURES = Path(__file__).parents[2] / "fixtures" / "marc"
MARC21_ITEMS = HoldingsMapping().resolved(Flavour.MARC21)
KOHA_ITEMS = HoldingsMapping().resolved(Flavour.UNIMARC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def novel() -> NormalizedRecord:
    return normalize(read_xml(fixture("novel-marc21.xml")), Flavour.MARC21, MARC21_ITEMS)


def koha_record() -> pymarc.Record:
    return read_xml(fixture("koha-unimarc.xml"))


def koha(record: pymarc.Record | None = None, **mapping: object) -> NormalizedRecord:
    holdings = HoldingsMapping(**mapping).resolved(Flavour.UNIMARC) if mapping else KOHA_ITEMS
    return normalize(record or koha_record(), Flavour.UNIMARC, holdings)


def field(tag: str, *subfields: str, ind: str = "  ") -> Field:
    """field("245", "a", "Title /", "c", "Author") -> a data field."""
    pairs = [Subfield(code, value) for code, value in zip(subfields[::2], subfields[1::2],
                                                          strict=True)]
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]), subfields=pairs)


def marc21(*fields: Field, fixed: str = "190315s2019    fr            000 1 fre d",
           leader: str = "00000cam a2200000 i 4500") -> NormalizedRecord:
    record = pymarc.Record(leader=leader)
    record.add_field(Field(tag="001", data="x1"), Field(tag="008", data=fixed), *fields)
    return normalize(record, Flavour.MARC21, MARC21_ITEMS)


# --- MARC 21 -------------------------------------------------------------------------------


def test_a_marc21_novel_reads_as_a_librarian_catalogued_it() -> None:
    record = novel()
    assert record.local_id == "000123456"
    assert record.title == "L'étranger"
    assert record.subtitle is None
    assert record.authors == ["Camus, Albert", "Ryngaert, Jean-Pierre"]
    assert record.year == 1972
    assert record.isbns == ["9782070360024", "2070360024"]  # the cancelled $z is not kept
    assert record.other_ids == ["oclc:489673284", "bnf:35289316"]
    assert record.format is Format.BOOK
    assert record.language == "fre"
    assert record.publisher == "Gallimard"
    assert record.pages == 185
    assert record.subjects == ["Absurde (philosophie) -- Romans",
                               "Alger (Algérie) -- 1900-1945 -- Romans"]


def test_marc21_holdings_become_items_at_their_branch() -> None:
    assert novel().items == [
        Item(barcode="0012345678", call_number="R CAM", location="Adultes - Romans",
             branch="Médiathèque François-Mitterrand"),
        Item(barcode="0012345679", call_number="R CAM", location="Adultes - Romans",
             branch="Bibliothèque des Couronneries"),
    ]


def test_the_iso2709_copy_normalizes_like_the_marcxml_one() -> None:
    iso = normalize(record_from_iso2709(fixture("novel-marc21.mrc")), Flavour.MARC21,
                    MARC21_ITEMS)
    assert iso == novel()


def test_decomposed_input_gives_composed_text() -> None:
    record = normalize(read_xml(fixture("nfd-marc21.xml")), Flavour.MARC21, MARC21_ITEMS)
    assert record.title == "L'étranger"
    assert record.items[0].branch == "Médiathèque François-Mitterrand"
    for text in [record.title, *record.subjects, *(i.branch or "" for i in record.items)]:
        assert unicodedata.is_normalized("NFC", text)


def test_title_with_part_number_and_name() -> None:
    record = marc21(field("245", "a", "Les Rougon-Macquart.", "n", "1,", "p",
                          "La fortune des Rougon /", "c", "Émile Zola."))
    assert record.title == "Les Rougon-Macquart. 1. La fortune des Rougon"


def test_subtitle_and_corporate_author() -> None:
    record = marc21(
        field("110", "a", "France.", "b", "Ministère de la culture,", "e", "auteur."),
        field("245", "a", "Rapport annuel :", "b", "bibliothèques publiques /"),
    )
    assert record.subtitle == "bibliothèques publiques"
    assert record.authors == ["France. Ministère de la culture"]


def test_year_falls_back_to_the_publication_statement() -> None:
    record = marc21(field("264", "a", "Paris :", "b", "Actes Sud,", "c", "DL 2019", ind=" 1"),
                    fixed="190315s19uu    fr            000 1 fre d")
    assert record.year == 2019
    copyright_only = marc21(field("264", "c", "©2015", ind=" 4"),
                            fixed="190315nuuuu    fr            000 1 fre d")
    assert copyright_only.year == 2015


def test_language_falls_back_to_041_and_unnamed_publisher_is_none() -> None:
    record = marc21(field("041", "a", "engfre", ind="1 "),
                    field("260", "a", "[S.l.] :", "b", "[s.n.],", "c", "1998"),
                    fixed="190315s2019    fr            000 1     d")
    assert record.language == "eng"
    assert record.publisher is None
    assert record.year == 2019  # 008/07-10 wins over 260 $c


def test_standard_numbers_and_system_numbers() -> None:
    record = marc21(
        field("010", "a", "   85012345 "),
        field("022", "a", "03952037"),
        field("024", "a", "3 760123 456789", ind="3 "),
        field("024", "a", "979-0-2309-6441-1", ind="2 "),
        field("024", "a", "10.1000/182", "2", "DOI", ind="7 "),
        field("035", "a", "(PPN)123456789"),
        field("035", "a", "(Sudoc)987654321"),
        field("035", "a", "KOHA-0042"),
    )
    assert record.issns == ["0395-2037"]
    assert record.other_ids == [
        "ean:3760123456789", "ismn:9790230964411", "doi:10.1000/182", "lccn:85012345",
        "sudoc:123456789", "sudoc:987654321", "sys:KOHA-0042",
    ]


# --- UNIMARC -------------------------------------------------------------------------------


def test_a_koha_unimarc_record_reads_as_catalogued() -> None:
    record = koha()
    assert record.local_id == "48213"
    assert record.title == "Chanson douce"
    assert record.subtitle == "roman"
    assert record.authors == ["Slimani, Leïla"]
    assert record.year == 2016
    assert record.isbns == ["9782070196678"]
    assert record.other_ids == ["bnf:45119468"]
    assert record.format is Format.BOOK
    assert record.language == "fre"
    assert record.publisher == "Gallimard"
    assert record.pages == 226
    assert record.subjects == ["Infanticide -- France -- 2000-.... -- Romans",
                               "Nourrices -- Romans"]


def test_koha_items_show_which_copy_is_on_loan() -> None:
    on_shelf, on_loan = koha().items
    assert on_shelf == Item(barcode="0000123450012", call_number="R SLI",
                            location="Adultes - Romans", status="available", doc_type="LIVRE",
                            branch="FM")
    assert on_loan.status == "on-loan"
    assert on_loan.due_date == "2024-06-15"
    assert on_loan.branch == "COUR"


def test_a_status_code_is_kept_unless_the_library_calls_it_available() -> None:
    record = koha_record()
    record.get_fields("995")[0]["o"] = "1"  # Koha "notforloan" 1: reference only
    assert koha(record).items[0].status == "1"
    relaxed = koha(record, preset="koha-unimarc", available_status=["", "0", "1"])
    assert relaxed.items[0].status == "available"


def test_the_id_can_live_in_a_subfield() -> None:
    record = koha_record()
    assert normalize(record, Flavour.UNIMARC, KOHA_ITEMS, id_field="090$a").local_id == "48213"
    assert normalize(record, Flavour.UNIMARC, KOHA_ITEMS, id_field="999$c").local_id is None


def test_unimarc_year_falls_back_to_the_publication_area() -> None:
    record = koha_record()
    record["100"]["a"] = "20160822d        m  y0frey50      ba"
    assert koha(record).year == 2016  # from 210 $d "DL 2016"


def test_unimarc_periodical_title_without_non_sorting_markers() -> None:
    root = etree.fromstring(fixture("formats-unimarc.xml"))
    [periodical] = [r for r in root if "periodical" in r[1].text]
    record = normalize(record_from_marcxml(periodical), Flavour.UNIMARC, KOHA_ITEMS)
    assert record.title == "Le Monde diplomatique"  # NSB/NSE markers dropped, article kept
    assert record.issns == ["0026-9395"]


# --- Formats -------------------------------------------------------------------------------


def format_cases() -> list[tuple[str, str, etree._Element]]:
    cases = []
    for flavour in ("marc21", "unimarc"):
        for element in etree.fromstring(fixture(f"formats-{flavour}.xml")):
            cases.append((flavour, element[1].text, element))
    return cases


@pytest.mark.parametrize(("flavour", "name", "element"), format_cases(),
                         ids=[f"{flavour}-{name}" for flavour, name, _ in format_cases()])
def test_each_format_rule(flavour: str, name: str, element: etree._Element) -> None:
    expected = Format(name.split("/")[0])  # the fixture's 001 names what a patron would see
    record = normalize(record_from_marcxml(element), Flavour(flavour), KOHA_ITEMS)
    assert record.format is expected


@pytest.mark.parametrize(("flavour", "name", "pages"), [
    ("marc21", "book/plain", 320),
    ("marc21", "score/plain", 32),
    ("marc21", "e-book/008", 250),
    ("marc21", "dvd-bluray/007", None),  # "1 DVD vidéo (1 h 58 min)" counts no pages
    ("unimarc", "large-print/200b", 412),
    ("unimarc", "board-game/plain", None),
])
def test_pages_come_from_the_physical_description(flavour: str, name: str,
                                                  pages: int | None) -> None:
    [element] = [e for f, n, e in format_cases() if (f, n) == (flavour, name)]
    assert normalize(record_from_marcxml(element), Flavour(flavour), KOHA_ITEMS).pages == pages


# --- Text and identifiers ------------------------------------------------------------------


@pytest.mark.parametrize(("catalogued", "shown"), [
    ("Le petit prince /", "Le petit prince"),
    ("Hugo, Victor,", "Hugo, Victor"),
    ("Gallimard.", "Gallimard"),
    ("Tome 2.", "Tome 2"),
    ("Paris :", "Paris"),
    ("Dupont, J.", "Dupont, J."),
    ("Saint-Exupéry, A. de", "Saint-Exupéry, A. de"),
    ("Et après...", "Et après..."),
    ("  double   spaces\tand tab ;", "double spaces and tab"),
    (" / ", None),
])
def test_isbd_punctuation_is_stripped_but_not_initials(catalogued: str,
                                                       shown: str | None) -> None:
    assert strip_isbd(catalogued) == shown


@pytest.mark.parametrize(("catalogued", "isbn"), [
    ("978-2-07-036002-4 (br.) : 8,30 EUR", "9782070360024"),
    ("2-07-036822-X", "207036822X"),
    ("2 07 036002 4", "2070360024"),
    ("ISBN 978-2-07-036002-4", "9782070360024"),
    ("2070360024 15 EUR", "2070360024"),  # a price without ISBD colon
    ("978207036002", "978207036002"),  # wrong length: kept as found
    ("(br.)", None),
])
def test_isbns_are_cleaned_but_not_converted(catalogued: str, isbn: str | None) -> None:
    assert clean_isbn(catalogued) == isbn


@pytest.mark.parametrize(("catalogued", "issn"), [
    ("0395-2037", "0395-2037"), ("0395203x", "0395-203X"), ("0026-9395 (imprimé)", "0026-9395"),
])
def test_issns_are_formatted(catalogued: str, issn: str) -> None:
    assert format_issn(catalogued) == issn


@pytest.mark.parametrize(("catalogued", "identifier"), [
    ("(OCoLC)ocm489673284", "oclc:489673284"),
    ("(OCoLC)1234567", "oclc:1234567"),
    ("(FrPBN)FRBNF35289316", "bnf:35289316"),
    ("(FRBNF)33115398", "bnf:33115398"),
    ("(PPN)123456789", "sudoc:123456789"),
    ("FRBNF45119468", "bnf:45119468"),
    ("(DE-101)1234", "sys:(DE-101)1234"),
])
def test_system_numbers_name_their_catalogue(catalogued: str, identifier: str) -> None:
    assert system_number(catalogued) == identifier


# --- parse_raw -----------------------------------------------------------------------------


def library(flavour: str = "marc21", **settings: object) -> LibraryConfig:
    return LibraryConfig(id="poitiers-fm", name="Médiathèque François-Mitterrand",
                         flavour=Flavour(flavour), **settings,
                         connector=ConnectorConfig(type="marc-file", path="dump.mrc"))


def raw(name: str, local_id: str | None = None) -> RawRecord:
    kind = RawFormat.MARCXML if name.endswith(".xml") else RawFormat.ISO2709
    return RawRecord(local_id, None, False, fixture(name), kind, f"{name}#record=1")


def test_parse_raw_reads_both_serializations_with_the_librarys_settings() -> None:
    record, normalized = parse_raw(raw("koha-unimarc.mrc"), library("unimarc"))
    assert record["200"]["a"] == "Chanson douce"
    assert normalized.local_id == "48213"
    assert normalized.items[1].status == "on-loan"
    _, from_xml = parse_raw(raw("koha-unimarc.xml"), library("unimarc"))
    assert from_xml == normalized


def test_the_protocols_id_wins_over_the_records() -> None:
    _, normalized = parse_raw(raw("novel-marc21.xml", "oai:fm:123"), library())
    assert normalized.local_id == "oai:fm:123"


def test_the_librarys_encoding_overrides_the_leader() -> None:
    marc8 = fixture("marc8-marc21.mrc")
    lying = RawRecord(None, None, False, marc8[:9] + b"a" + marc8[10:], RawFormat.ISO2709, "x")
    with pytest.raises(RecordRejected, match="not valid UTF-8"):
        parse_raw(lying, library())
    _, normalized = parse_raw(lying, library(encoding="marc-8"))
    assert normalized.title == "Les misérables"


def test_a_record_without_an_id_is_rejected_with_advice() -> None:
    record = read_xml(fixture("novel-marc21.xml"))
    record.remove_fields("001")
    nameless = RawRecord(None, None, False, record.as_marc(), RawFormat.ISO2709, "dump#offset=0")
    with pytest.raises(RecordRejected, match=r"no record id in 001; .* set id_field"):
        parse_raw(nameless, library())


def test_broken_data_is_rejected_with_the_protocols_id() -> None:
    broken = RawRecord("oai:fm:9", None, False, fixture("novel-marc21.mrc")[:500],
                       RawFormat.ISO2709, "x")
    with pytest.raises(RecordRejected) as caught:
        parse_raw(broken, library())
    assert caught.value.local_id == "oai:fm:9"
    assert caught.value.reason == "leader says 1127 bytes, record has 500: truncated"
    empty = RawRecord("oai:fm:10", None, False, b"", RawFormat.MARCXML, "x")
    with pytest.raises(RecordRejected, match="empty"):
        parse_raw(empty, library())


def test_each_library_reads_items_with_its_own_mapping() -> None:
    koha_xml = raw("koha-unimarc.xml")
    assert len(parse_raw(koha_xml, library("unimarc"))[1].items) == 2
    elsewhere = library("unimarc", holdings=HoldingsMapping(preset="koha-unimarc", tag="952"))
    assert parse_raw(koha_xml, elsewhere)[1].items == []
    assert len(parse_raw(koha_xml, library("unimarc"))[1].items) == 2
