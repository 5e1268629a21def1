"""What words and numbers become in the index, on both sides of a search."""

from __future__ import annotations

import math
from typing import Any

import pytest

from catalogue_sync.index.analysis import ENGLISH, FRENCH, analyze, sort_key, strip_elision
from catalogue_sync.index.documents import (
    available_in,
    id_forms,
    isbn_forms,
    issn_form,
    recency,
    text_values,
)


@pytest.mark.parametrize(("text", "bare"), [
    ("L'Étranger", "Étranger"), ("l’histoire d’un homme", "histoire un homme"),
    ("qu'il jusqu'au lorsqu'elle", "il au elle"), ("aujourd'hui", "aujourd'hui"),
    ("C'est l'été", "est été"), ("O'Brien", "O'Brien"),
])
def test_elided_articles_are_stripped(text: str, bare: str) -> None:
    assert strip_elision(text) == bare


def test_french_and_english_analysis() -> None:
    assert analyze("Les Misérables", FRENCH) == analyze("les miserable", FRENCH)
    assert analyze("chevaux", FRENCH) == analyze("cheval", FRENCH)
    assert analyze("L'ŒUVRE", FRENCH) == analyze("oeuvres", FRENCH)
    assert analyze("running gardens", ENGLISH) == analyze("run garden", ENGLISH)
    assert analyze("Straße") == ["strasse"]
    assert analyze("x" * 41 + " mot") == ["mot"]  # no 41-byte "word"


def test_every_form_of_an_isbn_is_indexed() -> None:
    assert isbn_forms(["978-2-07-036002-4", "2070360024"]) == ["9782070360024", "2070360024"]
    assert isbn_forms(["0-8044-2957-X"]) == ["9780804429573", "080442957X"]
    assert isbn_forms(["979-10-90636-07-1"]) == ["9791090636071"]  # 979 has no ISBN-10
    assert isbn_forms(["2-07-036002-5 (br.)"]) == ["2070360025(BR)"]  # wrong: as catalogued


def test_issns_and_other_numbers() -> None:
    assert issn_form("0026-9395") == issn_form("00269395") == "00269395"
    assert issn_form("1234-567x") == "1234567X"
    assert id_forms("ean:3760099346126") == ["EAN:3760099346126", "3760099346126"]


def test_titles_sort_without_articles_and_numbers_in_order() -> None:
    titles = ["Le Tour du monde", "Les Misérables. Tome 2", "L'Assommoir",
              "Les Misérables. Tome 10", "Zazie"]
    ordered = sorted(titles, key=sort_key)
    assert ordered == ["L'Assommoir", "Les Misérables. Tome 2", "Les Misérables. Tome 10",
                       "Le Tour du monde", "Zazie"]
    assert sort_key(None) > sort_key("Zzz")  # no title: last


def test_recency_favours_newer_editions_by_at_most_ten_percent() -> None:
    def factor(year: int | None) -> float:
        return math.log2(2 + recency(year))  # what tantivy multiplies the score by

    assert factor(None) == factor(1900) == 1.0
    assert 1.0 < factor(1990) < factor(2020) <= factor(2100) == pytest.approx(1.1)


def test_available_in_counts_copies_on_the_shelf_only() -> None:
    holdings: list[dict[str, Any]] = [
        {"library": "a", "items": [{"status": "on-loan"}, {"status": "available"}]},
        {"library": "b", "items": [{"status": "on-loan"}]},
        {"library": "c", "items": [{"status": "1"}]},  # the library's own code: not for loan
        {"library": "d", "items": []},
    ]
    assert available_in(holdings) == ["a"]


def test_document_text_values() -> None:
    values = text_values({"title": "L'Étranger", "subtitle": "roman", "authors":
                          ["Camus, Albert", "Albert Camus"], "subjects": ["L'absurde"],
                          "publisher": "Gallimard", "isbns": [], "issns": [], "ids": [],
                          "format": "book", "language": "fre", "year": 1972,
                          "holdings": [{"library": "fm", "items": []}]})
    assert values["title"] == ["Étranger roman"]
    assert values["title_exact"] == ["etranger", "etranger roman"]
    assert values["surname"] == ["Camus", "Albert Camus"]
    assert values["subject"] == ["absurde"]
    assert values["library"] == ["fm"] and values["available_in"] == []
