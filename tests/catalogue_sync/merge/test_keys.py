"""Match keys: the numbers, title and author the merge compares, from real MARC records."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable

import pytest

from catalogue_sync.merge import (
    MatchKeys,
    author_key,
    blocking_keys,
    blocklist_keys,
    identifier_key,
    isbn13,
    match_keys,
    title_key,
)
from catalogue_sync.merge.keys import PLACEHOLDER_ISBNS, issn
from catalogue_sync.models import Format, NormalizedRecord

ReadKeys = Callable[..., MatchKeys]
ReadRecord = Callable[[str], NormalizedRecord]

# --- isbn13 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "2070360024", "2-07-036002-4", "2 07 036002 4", "9782070360024", "978-2-07-036002-4",
    "978‐2‐07‐036002‐4",  # Unicode hyphens, as pasted from a publisher's site
])
def test_every_written_form_of_an_isbn_folds_to_one_isbn13(written: str) -> None:
    assert isbn13(written) == "9782070360024"


@pytest.mark.parametrize(("written", "folded"), [
    ("0-8044-2957-X", "9780804429573"),  # check digit X
    ("080442957x", "9780804429573"),
    ("979-10-90636-07-1", "9791090636071"),  # 979 ISBNs exist only in 13 digits
])
def test_isbn_check_digits_x_and_979(written: str, folded: str) -> None:
    assert isbn13(written) == folded


@pytest.mark.parametrize("written", [
    "2070360025",  # ISBN-10 check digit wrong
    "9782070360025",  # ISBN-13 check digit wrong
    "2-07-036002-5",
    "3760099346126",  # a valid EAN-13, but not a book's
    "207036002",  # a digit short
    "97820703600245",
    "X070360024",
    "²070360024",  # a superscript two is a digit to Python, not to ISBN
    "",
])
def test_a_number_that_fails_its_check_is_no_isbn(written: str) -> None:
    assert isbn13(written) is None


def test_issns_are_checked_too() -> None:
    assert issn("0026-9395") == "0026-9395"
    assert issn("00269395") == "0026-9395"
    assert issn("2434-561x") == "2434-561X"
    assert issn("0026-9394") is None


# --- other numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("catalogued", "key"), [
    ("upc:602537459391", "ean:0602537459391"),  # UPC-A is an EAN-13 with a leading 0
    ("ean:0602537459391", "ean:0602537459391"),
    ("ean:9782070360024", "isbn:9782070360024"),  # a book's EAN is its ISBN
    ("ean:9790230671187", "ismn:9790230671187"),
    ("ismn:M-2306-7118-7", "ismn:9790230671187"),  # the old ISMN form
    ("ismn:979-0-2306-7118-7", "ismn:9790230671187"),
    ("ean:9770026939004", "issn:0026-9395"),  # a periodical's EAN carries its ISSN
    ("bnf:35289316", "bnf:35289316"),
    ("sudoc:00123456x", "sudoc:00123456X"),
    ("oclc:00123456", "oclc:123456"),
    ("oclc:ocm00123456", "oclc:123456"),
    ("lccn:48-5298", "lccn:48005298"),
    ("lccn:n 78-890351", "lccn:n78890351"),
    ("lccn:  85000002 /AC/r86", "lccn:85000002"),
])
def test_numbers_of_every_scheme_take_one_form(catalogued: str, key: str) -> None:
    assert identifier_key(catalogued) == key


@pytest.mark.parametrize("catalogued", [
    "sys:(Koha)48001",  # a local system number means nothing in another library
    "id:10.1000/182",
    "ean:3760099346127",  # check digit wrong
    "upc:12345",
    "oclc:",
    "bnf:ark:/12148/btv1b",  # no record number in it
])
def test_numbers_that_never_match(catalogued: str) -> None:
    assert identifier_key(catalogued) is None


def test_a_blocklist_blocks_a_number_however_it_is_written() -> None:
    blocked = blocklist_keys(["isbn:2-35000-000-1", "ean:978-2-35000-000-8 ", "UPC:602537459391"])
    assert blocked == {"isbn:9782350000008", "ean:0602537459391"}


def test_placeholder_isbns_are_known_without_configuration() -> None:
    assert "isbn:9780000000002" in PLACEHOLDER_ISBNS  # 0-000-00000-0 passes the check
    assert "isbn:9781234567897" in PLACEHOLDER_ISBNS  # 1-234-56789-X too
    assert "isbn:9789999999991" in PLACEHOLDER_ISBNS


# --- title_key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "key"), [
    ("L'étranger", "etranger"),
    ("L’Étranger", "etranger"),  # typographic apostrophe, accented capital
    ("LES MISÉRABLES", "miserables"),
    ("La peste", "peste"),
    ("Le Monde diplomatique", "monde diplomatique"),
    ("Un amour de Swann", "amour de swann"),
    ("Une vie", "vie"),
    ("Des souris et des hommes", "souris et des hommes"),
    ("Du côté de chez Swann", "cote de chez swann"),
    ("De la démocratie en Amérique", "democratie en amerique"),
    ("The plague", "plague"),
    ("A room of one's own", "room of one s own"),
    ("An American tragedy", "american tragedy"),
    ("Der Prozess", "prozess"),
    ("El amor en los tiempos del cólera", "amor en los tiempos del colera"),
    ("Il nome della rosa", "nome della rosa"),
    ("À la recherche du temps perdu", "la recherche du temps perdu"),  # one article only
    ("A la recherche du temps perdu", "la recherche du temps perdu"),  # capital unaccented
    ("Les", "les"),  # a title that is only an article keeps it
    ("Œuvres complètes", "oeuvres completes"),
    ("Tintin & Milou", "tintin et milou"),
    ("Pride and prejudice", "pride et prejudice"),
    ("Le Comte de Monte-Cristo", "comte de monte cristo"),
    ("Le comte de Monte Cristo !", "comte de monte cristo"),
    ("Vingt mille lieues sous les mers", "vingt mille lieues sous les mers"),
    ("1984", "1984"),
    ("", ""),
    (None, ""),
])
def test_title_keys_fold_case_accents_punctuation_and_one_article(
    title: str | None, key: str
) -> None:
    assert title_key(title) == key


def test_decomposed_accents_give_the_same_key() -> None:
    assert title_key(unicodedata.normalize("NFD", "L'Étranger")) == "etranger"


@pytest.mark.parametrize("title", [
    "Les misérables. Tome 1", "Les misérables. Tome I", "Les misérables. T. 1",
    "Les misérables. Vol. 1", "Les Misérables, 1",
])
def test_volume_designations_come_down_to_the_number(title: str) -> None:
    assert title_key(title) == "miserables 1"


def test_volume_numbers_are_kept_apart() -> None:
    assert title_key("Les misérables. Tome 1") != title_key("Les misérables. Tome 2")
    assert title_key("Les misérables. Tome IV") == "miserables 4"
    assert title_key("Harry Potter. 7, Harry Potter et les reliques de la mort") == (
        "harry potter 7 harry potter et les reliques de la mort"
    )


def test_the_subtitle_is_only_in_the_tie_break_key() -> None:
    assert title_key("Le voyage") == "voyage"
    assert title_key("Le voyage", "roman") == "voyage roman"
    assert title_key("Le voyage", "") == "voyage"


# --- author_key ------------------------------------------------------------------------------


@pytest.mark.parametrize(("authors", "key"), [
    (["Hugo, Victor"], "hugo"),
    (["Victor Hugo"], "hugo"),
    (["Hugo, V."], "hugo"),
    (["HUGO, Victor"], "hugo"),
    (["Camus, Albert", "Ryngaert, Jean-Pierre"], "camus"),  # the first author only
    (["La Fontaine, Jean de"], "fontaine"),
    (["Jean de La Fontaine"], "fontaine"),
    (["Saint-Exupéry, Antoine de"], "exupery"),
    (["Antoine de Saint Exupéry"], "exupery"),
    (["Le Clézio, Jean-Marie Gustave"], "clezio"),
    (["J. M. G. Le Clézio"], "clezio"),
    (["Jean d'Ormesson"], "ormesson"),
    (["Stromae"], "stromae"),
    (["Alexandre Dumas fils"], "dumas"),
    (["Beatles, The"], "beatles"),
    (["The Beatles"], "beatles"),
    (["Bibliothèque nationale de France"], "bibliotheque nationale de france"),
    (["France. Ministère de la culture"], "france ministere de la culture"),
    (["Orchestre de Paris"], "orchestre de paris"),
    ([], None),
    ([""], None),
])
def test_author_keys_are_the_first_authors_surname(authors: list[str], key: str | None) -> None:
    assert author_key(authors) == key


# --- match_keys on real records ------------------------------------------------------------


def test_one_edition_gives_the_same_keys_in_marc21_and_unimarc(keys: ReadKeys) -> None:
    marc21 = keys("fm-etranger-folio.xml")  # ISBN-10, "Camus, Albert" in 100
    iso2709 = keys("chat-etranger-folio.mrc")  # ISBN-13 with hyphens and a price
    unimarc = keys("niort-etranger-folio.xml")  # 010 with hyphens, 700 $a Camus $b Albert
    for other in (iso2709, unimarc):
        assert other.isbns == marc21.isbns == {"9782070360024"}
        assert (other.title, other.author, other.year, other.format) == (
            "etranger", "camus", 1972, Format.BOOK)
        assert other.work == marc21.work == "etranger|camus"
    assert unimarc.ids == {"bnf:35289316"}  # from the BnF ark in 003
    assert (marc21.library, marc21.record) == ("fm", "fm-1001")
    assert (unimarc.library, unimarc.record) == ("niort", "48001")


def test_an_author_in_direct_order_gives_the_same_author_key(keys: ReadKeys) -> None:
    assert keys("parth-etranger-direct-name.xml").author == "camus"


def test_the_film_is_keyed_under_its_director(keys: ReadKeys) -> None:
    film = keys("fm-etranger-film.xml")
    assert (film.title, film.author, film.format) == ("etranger", "visconti", Format.VIDEO)
    assert film.ids == {"ean:3760099346126"}
    assert film.work != keys("fm-etranger-folio.xml").work


def test_an_invalid_isbn_stays_on_the_record_but_is_no_key(record: ReadRecord) -> None:
    folio = dataclasses.replace(record("fm-etranger-folio.xml"), isbns=["2070360025"])
    assert match_keys("fm", folio).isbns == frozenset()
    assert folio.isbns == ["2070360025"]  # still there to show


def test_local_system_numbers_are_no_keys(record: ReadRecord) -> None:
    folio = dataclasses.replace(record("niort-etranger-folio.xml"),
                                other_ids=["sys:(Koha)48001", "bnf:35289316"])
    assert match_keys("niort", folio).ids == {"bnf:35289316"}


def test_other_numbers_sort_into_isbns_issns_and_ids(keys: ReadKeys) -> None:
    assert keys("fm-racine-carree.xml").ids == {"ean:0602537459391"}  # UPC in 024 1#
    assert keys("niort-racine-carree.xml").ids == {"ean:0602537459391"}  # EAN in 073
    assert keys("fm-clair-de-lune.xml").ids == {"ismn:9790230671187"}
    assert keys("niort-monde-diplomatique.xml").issns == {"0026-9395"}
    assert keys("chat-plague.mrc").ids == {"oclc:123456", "lccn:48005298"}


def test_blocklisted_numbers_are_left_out(keys: ReadKeys) -> None:
    blocked = blocklist_keys(["isbn:978-2-35000-000-8"])
    assert keys("fm-potager.xml").isbns == {"9782350000008"}
    potager = keys("fm-potager.xml", blocked)
    assert potager.isbns == frozenset()
    assert blocking_keys(potager) == ["t:potager du paresseux|lapouge"]


def test_placeholder_isbns_are_left_out_without_a_blocklist(record: ReadRecord) -> None:
    potager = dataclasses.replace(record("fm-potager.xml"), isbns=["0000000000", "123456789X"])
    assert match_keys("fm", potager).isbns == frozenset()


# --- blocking_keys --------------------------------------------------------------------------


def test_blocking_keys_are_the_numbers_and_one_title_key(keys: ReadKeys) -> None:
    assert blocking_keys(keys("niort-etranger-folio.xml")) == [
        "isbn:9782070360024", "bnf:35289316", "t:etranger|camus",
    ]
    assert blocking_keys(keys("chat-plague.mrc")) == [
        "lccn:48005298", "oclc:123456", "t:plague|camus",
    ]


def test_no_title_key_without_a_title_or_an_author(keys: ReadKeys) -> None:
    periodical = keys("fm-monde-diplomatique.xml")  # no author
    assert blocking_keys(periodical) == ["issn:0026-9395"]
    untitled = dataclasses.replace(keys("fm-etranger-folio.xml"), title="", title_full="")
    assert blocking_keys(untitled) == ["isbn:9782070360024"]


def test_blocking_keys_stay_few(record: ReadRecord) -> None:
    """A set catalogued with the ISBNs of all its volumes still has a short key list."""
    volumes = [isbn for n in range(100) if isbn13(isbn := f"97820703600{n:02d}")]
    assert len(volumes) == 10
    everything = dataclasses.replace(record("fm-etranger-folio.xml"), isbns=volumes)
    found = blocking_keys(match_keys("fm", everything))
    assert len(found) == 8
    assert found[-1] == "t:etranger|camus"


def test_no_record_has_too_many_or_empty_blocking_keys(catalogue: dict[str, MatchKeys]) -> None:
    for name, found in catalogue.items():
        assert len(blocking_keys(found)) <= 8, name
        assert all(key.split(":", 1)[1] for key in blocking_keys(found)), name
