"""The generated catalogue: deterministic, overlapping, confusable, parseable, tickable."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime

import pymarc
import pytest

from catalogue_sync.models import Flavour, Format, LibraryKind
from services.sandbox import SandboxLibrary, SandboxNetwork, default_libraries
from services.sandbox.generator import DEFAULT_ANCHOR

HOLDINGS_TAGS = {"marc21": "852", "koha-marc21": "952", "koha-unimarc": "995"}
TITLE_TAGS = {Flavour.MARC21: "245", Flavour.UNIMARC: "200"}


@pytest.fixture(scope="module")
def network() -> SandboxNetwork:
    return SandboxNetwork(seed=7, total_records=1500)


def parse_marcxml(records: list[bytes]) -> list[pymarc.Record]:
    collection = b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + b"".join(records)
    return pymarc.parse_xml_to_array(io.BytesIO(collection + b"</collection>"))


def isbn_digits(value: str) -> str:
    """The ISBN as a matcher would normalize it: digits (and X) before any qualifier."""
    return re.sub(r"[^0-9X]", "", value.split("(")[0].upper())


def isbn13_valid(digits: str) -> bool:
    return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def isbn10_valid(digits: str) -> bool:
    values = [10 if d == "X" else int(d) for d in digits]
    return sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0


def test_the_same_seed_gives_the_same_records_byte_for_byte() -> None:
    first, second = SandboxNetwork(seed=3, total_records=300), SandboxNetwork(3, 300)
    other = SandboxNetwork(seed=4, total_records=300)
    for library in first.libraries:
        ours = [(r.local_id, r.datestamp, r.marcxml()) for r in first.records(library.id)]
        assert ours == [(r.local_id, r.datestamp, r.marcxml())
                        for r in second.records(library.id)]
    assert [r.marcxml() for r in first.records("mediatheque-fm")] != [
        r.marcxml() for r in other.records("mediatheque-fm")]


def test_record_counts_add_up_to_the_total_and_follow_the_shares() -> None:
    network = SandboxNetwork(total_records=2000)
    counts = {lib.id: network.catalogue(lib.id).count for lib in network.libraries}
    assert sum(counts.values()) == 2000
    assert counts["mediatheque-fm"] == 600 and counts["ludotheque"] == 160
    fixed = [SandboxLibrary("a", "A", LibraryKind.MUNICIPAL, Flavour.MARC21, "marc21",
                            records=25),
             SandboxLibrary("b", "B", LibraryKind.MUNICIPAL, Flavour.UNIMARC, "koha-unimarc")]
    network = SandboxNetwork(total_records=100, libraries=fixed)
    assert [network.catalogue(i).count for i in ("a", "b")] == [25, 75]


def test_the_default_network_is_five_french_libraries_of_every_kind() -> None:
    libraries = default_libraries()
    assert {lib.kind for lib in libraries} == set(LibraryKind)
    assert {lib.flavour for lib in libraries} == set(Flavour)
    assert {lib.holdings for lib in libraries} == set(HOLDINGS_TAGS)
    assert any(lib.name == "Médiathèque François-Mitterrand" for lib in libraries)


def test_a_library_rejects_an_id_network_toml_would_refuse() -> None:
    with pytest.raises(ValueError, match="library id"):
        SandboxLibrary("Bad Id", "X", LibraryKind.MUNICIPAL, Flavour.MARC21, "marc21")


def test_libraries_overlap_on_manifestations_and_on_works(network: SandboxNetwork) -> None:
    truth = network.truth()
    shared = [members for members in truth.clusters().values()
              if len({library for library, _ in members}) > 1]
    assert len(shared) > 0.25 * len(truth.clusters())
    assert len(truth.duplicate_pairs("work")) > len(truth.duplicate_pairs())
    # A library never holds the same manifestation twice.
    for members in truth.clusters(deleted=True).values():
        libraries = [library for library, _ in members]
        assert len(libraries) == len(set(libraries))


def test_one_book_is_catalogued_differently_by_different_libraries(
    network: SandboxNetwork,
) -> None:
    """Same manifestation, other ISBN spellings: a matcher must normalize to find them."""
    isbn_forms: dict[str, set[str]] = {}
    for library in network.libraries:
        for record, parsed in zip(network.records(library.id),
                                  parse_marcxml([r.marcxml() for r in
                                                 network.records(library.id)]),
                                  strict=True):
            for field in parsed.get_fields("020", "010"):
                isbn_forms.setdefault(record.manifestation_id, set()).add(field["a"])
    varied = [forms for forms in isbn_forms.values() if len(forms) > 1]
    assert varied
    for forms in varied:
        digits = {isbn_digits(form) for form in forms}
        thirteen = {d for d in digits if len(d) == 13}
        assert len(thirteen) <= 1, forms
        assert all(isbn13_valid(d) if len(d) == 13 else isbn10_valid(d) for d in digits)


def test_hard_negatives_are_labelled(network: SandboxNetwork) -> None:
    truth = network.truth()
    kinds = Counter(relation.kind for relation in truth.relations)
    assert {"adaptation", "series", "homonym"} <= set(kinds)
    works = truth.works
    for relation in truth.relations:
        first, *others = (works.get(w) for w in relation.work_ids)
        if relation.kind in ("adaptation", "series", "homonym") and first and all(others):
            assert all(o.title == first.title for o in others if o)
            assert len(set(relation.work_ids)) == len(relation.work_ids)
    films = [w for w in works.values() if w.family == "film"]
    novels = {(w.title, w.id) for w in works.values() if w.family in ("novel", "classic")}
    assert any(title == film.title for film in films for title, _ in novels)


@pytest.mark.parametrize("library", [lib.id for lib in default_libraries()])
def test_records_parse_with_pymarc_in_marcxml_and_iso2709(
    network: SandboxNetwork, library: str
) -> None:
    sandbox_library = network.library(library)
    records = list(network.records(library))
    from_xml = parse_marcxml([r.marcxml() for r in records])
    iso = b"".join(r.iso2709() for r in records)
    from_iso = list(pymarc.MARCReader(iso, to_unicode=True, force_utf8=True))
    assert len(from_xml) == len(from_iso) == len(records)
    holdings = HOLDINGS_TAGS[sandbox_library.holdings]
    for record, xml, binary in zip(records, from_xml, from_iso, strict=True):
        assert binary is not None
        assert xml["001"].data == binary["001"].data == record.local_id
        assert [f.tag for f in xml.fields] == [f.tag for f in binary.fields]
        assert xml.get_fields(TITLE_TAGS[sandbox_library.flavour])
        assert int(binary.leader[:5]) == len(binary.as_marc())
    with_items = [r for r in from_xml if r.get_fields(holdings)]
    assert len(with_items) > 0.8 * len(records)


def test_unimarc_records_of_the_intercommunal_network_keep_their_quirks(
    network: SandboxNetwork,
) -> None:
    records = [r.marcxml() for r in network.records("reseau-agglo")]
    text = b"".join(records).decode()
    assert "\x88" in text and "\x89" in text  # NSB/NSE around articles
    assert "(br.)" in text
    assert any(r.leader[9] == " " for r in parse_marcxml(records))


def test_french_content_and_formats(network: SandboxNetwork) -> None:
    text = b"".join(r.marcxml() for lib in network.libraries
                    for r in network.records(lib.id)).decode()
    for expected in ("Gallimard", "Roman policier", "rameau", "Tome", "Adultes", "Jeunesse"):
        assert expected in text
    formats = {r.format for lib in network.libraries for r in network.records(lib.id)}
    assert formats >= {Format.BOOK, Format.VIDEO, Format.MUSIC, Format.BOARD_GAME,
                       Format.VIDEO_GAME, Format.PERIODICAL, Format.MAP, Format.EBOOK}


def test_datestamps_lie_in_the_past_and_some_records_are_deleted(
    network: SandboxNetwork,
) -> None:
    records = list(network.records("mediatheque-fm"))
    assert all(r.datestamp <= DEFAULT_ANCHOR and r.datestamp.tzinfo is UTC for r in records)
    assert all(r.datestamp.microsecond == 0 for r in records)
    assert 0 < sum(r.deleted for r in records) < 0.1 * len(records)


def test_a_tick_changes_and_deletes_records_deterministically() -> None:
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    network, twin = SandboxNetwork(seed=9, total_records=400), SandboxNetwork(9, 400)
    before = {r.local_id: r for r in network.records("departementale")}
    result = network.tick("departementale", changed=6, deleted=4, now=now)
    assert result == twin.tick("departementale", changed=6, deleted=4, now=now)
    assert len(result.changed) == 6 and len(result.deleted) == 4
    after = {r.local_id: r for r in network.records("departementale")}
    for local_id in result.changed:
        assert after[local_id].datestamp == now and not after[local_id].deleted
        assert after[local_id].marcxml() != before[local_id].marcxml()
        assert b"<controlfield tag=\"005\">20260601120000.0<" in after[local_id].marcxml()
    for local_id in result.deleted:
        assert after[local_id].deleted and after[local_id].datestamp == now
    untouched = set(before) - set(result.changed) - set(result.deleted)
    assert all(after[i].datestamp == before[i].datestamp for i in untouched)
    # A record taken before the tick keeps its old content.
    assert before[result.changed[0]].marcxml() != after[result.changed[0]].marcxml()
