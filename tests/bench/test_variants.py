"""The real-record variant set of bench/dedup_eval.py makes what it says it makes."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import cache

import pytest
from pymarc import Record

from bench.variants import (
    FIXTURES,
    MANIFESTATIONS,
    Encoding,
    VariantRecord,
    VariantSet,
    build_variant_set,
    isbn_parts,
    isbn_written,
    marc8,
    read_fixture,
)
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml_bytes
from catalogue_sync.models import Flavour, NormalizedRecord, RawFormat, RawRecord
from catalogue_sync.pipeline import prepare_page


@cache
def variants(rounds: int = 2, seed: int = 42) -> VariantSet:
    return build_variant_set(rounds=rounds, seed=seed)


def find(kind: str, source: str, rnd: int = 0) -> VariantRecord:
    """The variant of one source by one kind in one round."""
    [found] = [r for r in variants().records
               if r.kind == kind and r.source.endswith(source) and r.round == rnd]
    return found


def read(record: VariantRecord, encoding: Encoding | None = None) -> Record:
    """The variant's pymarc Record, read as its library is set to read it."""
    if record.format is RawFormat.MARCXML:
        return record_from_marcxml_bytes(record.data)
    library = variants().libraries[record.library]
    return record_from_iso2709(record.data, encoding or library.encoding, record.flavour)


def fields(record: Record) -> list[str]:
    return [str(field) for field in record.fields]


def normalized(record: VariantRecord) -> NormalizedRecord:
    library = variants().libraries[record.library]
    raw = RawRecord(record.local_id, None, False, record.data, record.format, "test")
    [stored], problems = prepare_page(library, [raw])
    assert not problems and stored.normalized is not None
    return stored.normalized


# --- the set as a whole ---------------------------------------------------------------------


def test_one_seed_gives_one_set_byte_for_byte() -> None:
    first, again, other = (build_variant_set(rounds=1, seed=seed) for seed in (7, 7, 8))

    def content(found: VariantSet) -> list[tuple[str, str, bytes]]:
        return [(r.library, r.local_id, r.data) for r in found.records]
    assert content(first) == content(again)
    assert content(first) != content(other)


def test_every_record_is_stored_by_its_library_without_rejection() -> None:
    by_library: dict[str, list[RawRecord]] = {}
    for record in variants().records:
        by_library.setdefault(record.library, []).append(RawRecord(
            record.local_id, None, False, record.data, record.format, record.source))
    for library, raws in by_library.items():
        stored, problems = prepare_page(variants().libraries[library], raws)
        assert [p.reason for p in problems] == [], library
        assert all(s.normalized and s.normalized.title for s in stored), library


def test_no_library_holds_two_records_of_one_manifestation() -> None:
    held = Counter((r.library, r.manifestation) for r in variants().records)
    assert max(held.values()) == 1
    keys = [r.key for r in variants().records]
    assert len(keys) == len(set(keys))


def test_every_fixture_file_is_in_the_set_as_shipped() -> None:
    originals = {r.source: r.data for r in variants().records if r.kind == "original"}
    for each in MANIFESTATIONS:
        for name in each.files + each.shipped:
            assert originals[name] == (FIXTURES / name).read_bytes()


def test_the_composition_counts_add_up() -> None:
    found = variants()
    flavours = Counter(r.flavour for r in found.records)
    assert flavours[Flavour.MARC21] > 0 and flavours[Flavour.UNIMARC] > 0
    assert sum(flavours.values()) == len(found.records) >= 300
    assert f"{len(found.records)} records (MARC 21 {flavours[Flavour.MARC21]}" in (
        found.describe()[0])


# --- truth ----------------------------------------------------------------------------------


def test_hard_negatives_never_share_a_truth_label() -> None:
    found = variants()
    hard = found.hard_negative_pairs()
    assert len(hard) > 1000
    assert not set(hard) & found.true_pairs()
    by_key = {r.key: r for r in found.records}
    for pair in hard:
        first, second = (by_key[key] for key in pair)
        assert first.manifestation != second.manifestation


def test_variants_of_a_record_are_one_manifestation() -> None:
    mine = [r for r in variants().records if r.source == "merge/fm-etranger-folio.xml"]
    assert len({r.kind for r in mine}) >= 15
    assert {r.manifestation for r in mine} == {"etranger-folio-1972"}
    true = variants().true_pairs()
    assert all(frozenset((mine[0].key, r.key)) in true for r in mine[1:])


def test_another_edition_has_another_year_pages_and_no_shared_number() -> None:
    source = normalized(find("marcxml", "fm-vendredi-1977.xml"))
    [edition] = [normalized(r) for r in variants().records
                 if r.source == "vendredi-1977~other-edition" and r.round == 0][:1]
    assert edition.title == source.title and edition.authors[:1] == source.authors[:1]
    assert edition.year and source.year and abs(edition.year - source.year) >= 2
    assert edition.pages and source.pages and abs(edition.pages - source.pages) > 0.1 * max(
        edition.pages, source.pages)
    assert not set(edition.isbns) & set(source.isbns)


def test_same_title_by_another_author_and_volumes_differ_from_their_template() -> None:
    records = [r for r in variants().records if r.round == 0 and r.format is RawFormat.MARCXML]

    def first(source: str) -> NormalizedRecord:
        return normalized(next(r for r in records if r.source == source))
    folio = first("merge/fm-etranger-folio.xml")
    author = first("etranger-folio-1972~other-author")
    assert author.title == folio.title and author.authors[0] != folio.authors[0]
    mots, mots_author = first("merge/fm-mots-1964.xml"), first("mots-1964~other-author")
    assert mots.other_ids == ["bnf:33164540"] and mots_author.other_ids == []
    one, two = first("etranger-folio-1972~volume-1"), first("etranger-folio-1972~volume-2")
    assert one.title != two.title and one.title and one.title.endswith("1")
    assert one.isbns == two.isbns  # one set ISBN, as publishers print it on each volume


# --- serializations and encodings -------------------------------------------------------------


@pytest.mark.parametrize("source", ["fm-etranger-folio.xml", "niort-etranger-folio.xml",
                                    "chat-etranger-folio.mrc", "koha-unimarc.xml"])
def test_iso2709_variants_read_back_to_the_fields_of_the_marcxml_one(source: str) -> None:
    xml = read(find("marcxml", source))
    assert fields(xml) == fields(read_fixture(next(
        name for each in MANIFESTATIONS for name in each.files if name.endswith(source))))
    for kind in ("iso2709-utf8", "iso2709-unmarked"):
        assert fields(read(find(kind, source))) == fields(xml)


def test_marc8_variant_has_leader_09_blank_and_other_bytes() -> None:
    marc8_variant = find("iso2709-marc8", "fm-etranger-folio.xml")
    utf8 = find("iso2709-utf8", "fm-etranger-folio.xml")
    assert marc8_variant.data[9:10] == b" " and utf8.data[9:10] == b"a"
    assert marc8_variant.data != utf8.data
    assert b"\xe2e" in marc8_variant.data  # MARC-8 writes the acute accent before its letter
    encodings: tuple[Encoding, ...] = ("auto", "marc-8")
    for encoding in encodings:
        assert fields(read(marc8_variant, encoding)) == fields(read(utf8))


def test_unmarked_utf8_variant_leaves_leader_09_blank() -> None:
    for source in ("fm-etranger-folio.xml", "niort-etranger-folio.xml"):
        unmarked = find("iso2709-unmarked", source)
        assert unmarked.data[9:10] == b" "
        unmarked.data.decode("utf-8")
        assert "étranger".encode() in unmarked.data


def test_nfd_variant_sends_decomposed_accents() -> None:
    nfd = find("nfd", "fm-etranger-folio.xml")
    assert "e\u0301".encode() in nfd.data and "é".encode() not in nfd.data
    assert fields(read(nfd)) == fields(read(find("marcxml", "fm-etranger-folio.xml")))
    assert unicodedata.is_normalized("NFC", str(read(nfd)))


def test_marc8_writes_french_letters() -> None:
    assert marc8("Réveillé à Noël ©") == b"R\xe2eveill\xe2e \xe1a No\xe8el \xc3"
    with pytest.raises(ValueError, match="MARC-8"):
        marc8("東京")


# --- cataloguing variants -------------------------------------------------------------------


def test_isbn_forms_are_one_isbn() -> None:
    parts = isbn_parts("978-2-07-036002-4 (br.) : 8,30 EUR")
    assert parts == ["978", "2", "07", "036002", "4"]
    assert isbn_written(parts, "10-hyphens") == "2-07-036002-4"
    assert isbn_written(parts, "13") == "9782070360024"
    assert isbn_parts("2070360024") == parts
    assert isbn_parts("2-07-036002-5") is None  # a wrong check digit is no ISBN


def test_isbn_form_variants_carry_the_source_isbn() -> None:
    for record in variants().records:
        if record.kind == "isbn-form" and "~" not in record.source:
            source = normalized(find("marcxml", record.source.rpartition("/")[2]))
            written = normalized(record).isbns
            assert {"".join(p) for i in written if (p := isbn_parts(i))} <= {
                "".join(p) for i in source.isbns if (p := isbn_parts(i))}, record.changes


Check = Callable[[NormalizedRecord], bool]


@pytest.mark.parametrize(("kind", "source", "check"), [
    ("upper", "fm-etranger-folio.xml", lambda n: n.title == "L'ETRANGER"),
    ("no-subtitle", "fm-voyage-martin.xml", lambda n: n.subtitle is None),
    ("isbn-missing", "fm-etranger-folio.xml", lambda n: n.isbns == []),
    ("bnf-number", "fm-mots-1964.xml", lambda n: n.other_ids == []),
    ("bnf-number", "fm-etranger-folio.xml", lambda n: "bnf:35289316" in n.other_ids),
    ("holdings", "fm-etranger-folio.xml", lambda n: len(n.items) == 1),  # read from 952
    ("extent", "fm-etranger-folio.xml", lambda n: n.pages == 185),
])
def test_cataloguing_variants_change_what_they_say(kind: str, source: str, check: Check
                                                   ) -> None:
    record = find(kind, source)
    assert check(normalized(record)), record.changes


def test_name_and_article_variants_rewrite_the_fields() -> None:
    name = read(find("name-form", "niort-etranger-folio.xml"))["700"]
    assert str(name) != str(read_fixture("merge/niort-etranger-folio.xml")["700"])
    assert "Camus" in (name.get("a") or "")
    marks = read(find("article", "niort-etranger-folio.xml"))["200"].get("a")
    assert marks == "\x98L'\x9cétranger"
    indicator = read(find("article", "fm-etranger-folio.xml"))["245"].indicator2
    assert indicator == "0"  # the fixture's 3 cleared
