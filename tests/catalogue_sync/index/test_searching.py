"""Searching the union catalogue as patrons do: French words, numbers typed any way, names,
and the order a librarian expects. Expected results are computed from the display records
themselves, not from the index."""

from __future__ import annotations

import re
import unicodedata

import pytest

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index.query import AllOf, Filters, Term, Without
from tests.catalogue_sync.index.catalogues import Catalogue


def folded(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return " ".join(re.findall(r"\w+", "".join(c for c in decomposed
                                               if not unicodedata.combining(c))))


def title_of(record: dict[str, object]) -> str:
    return folded(" ".join(str(part) for part in (record["title"], record["subtitle"]) if part))


def with_title_word(catalogue: Catalogue, word: str) -> set[str]:
    """Merged records whose title holds a word starting with ``word`` (folded)."""
    return {row.id for row in catalogue.records()
            if re.search(rf"\b{word}", title_of(row.display or {}))}


# French: elision, accents, case, stemming


@pytest.mark.parametrize("typed", ["etranger", "l'étranger", "L’ÉTRANGER", "Étranger",
                                   "l'etrangers"])
def test_elided_articles_accents_case_and_plurals_do_not_matter(
        marc_catalogue: Catalogue, typed: str) -> None:
    expected = with_title_word(marc_catalogue, "etranger")
    assert len(expected) == 8  # every edition and format of L'Étranger in the fixtures
    assert set(marc_catalogue.ids(typed)) == expected


def test_elision_in_the_middle_of_a_query(sandbox_catalogue: Catalogue) -> None:
    """"d'avant" finds "Les Chansons d'avant" as "avant" does; "qu'" and "l'" likewise."""
    for elided, bare in [("chansons d'avant", "chansons avant"), ("l'histoire", "histoire"),
                         ("qu'il l'adieu", "il adieu")]:
        assert sandbox_catalogue.ids(elided) == sandbox_catalogue.ids(bare)
    assert sandbox_catalogue.ids("d'avant")


def test_french_stemming_finds_singulars_and_plurals(marc_catalogue: Catalogue,
                                                    sandbox_catalogue: Catalogue) -> None:
    miserables = with_title_word(marc_catalogue, "miserables")
    assert set(marc_catalogue.ids("misérable")) == miserables == set(
        marc_catalogue.ids("MISERABLES")) and len(miserables) == 2
    enfants = with_title_word(sandbox_catalogue, "enfant")
    assert enfants <= set(sandbox_catalogue.ids("enfant"))
    assert enfants <= set(sandbox_catalogue.ids("enfants"))


def test_english_words_are_stemmed_as_english(marc_catalogue: Catalogue) -> None:
    """"falling" is "fall" only to the English stemmer."""
    fall = with_title_word(marc_catalogue, "fall")
    assert len(fall) == 1 and set(marc_catalogue.ids("falling")) == fall
    assert set(marc_catalogue.ids("plagues")) == with_title_word(marc_catalogue, "plague")


def test_truncation(sandbox_catalogue: Catalogue) -> None:
    starting = with_title_word(sandbox_catalogue, "gard")
    assert starting and starting <= set(sandbox_catalogue.ids("gard*"))
    # A stem may be shorter than the word typed: "gardiens*" still finds "gardiens".
    assert with_title_word(sandbox_catalogue, "gardiens") <= set(
        sandbox_catalogue.ids("gardiens*"))


# Numbers and names


@pytest.mark.parametrize("typed", ["978-2-07-036002-4", "9782070360024", "2070360024",
                                   "2-07-036002-4", "978 2 07 036002 4"])
def test_an_isbn_in_any_form_finds_its_records(marc_catalogue: Catalogue, typed: str) -> None:
    expected = {row.id for row in marc_catalogue.records()
                if "9782070360024" in (row.display or {})["isbns"]}
    assert len(expected) == 2
    assert set(marc_catalogue.ids(typed)) == expected
    assert set(marc_catalogue.ids(Term("isbn", typed))) == expected


@pytest.mark.parametrize("typed", ["0026-9395", "00269395"])
def test_an_issn_with_or_without_its_hyphen(marc_catalogue: Catalogue, typed: str) -> None:
    found = marc_catalogue.search(typed).hits
    assert [hit.record["title"] for hit in found] == ["Le Monde diplomatique"]


def test_other_numbers_and_merged_ids(marc_catalogue: Catalogue) -> None:
    dvd = marc_catalogue.search("3760099346126").hits  # the EAN on the DVD's case
    assert [hit.record["format"] for hit in dvd] == ["dvd-bluray"]
    assert marc_catalogue.ids(Term("id", dvd[0].id)) == [dvd[0].id]
    assert marc_catalogue.ids(Term("id", "bnf:35289316")) == marc_catalogue.ids(
        Term("id", "35289316"))


def test_author_surnames(marc_catalogue: Catalogue) -> None:
    camus = {row.id for row in marc_catalogue.records()
             if any("camus" in folded(name) for name in (row.display or {})["authors"])}
    assert len(camus) >= 10  # "Camus, Albert" and "Albert Camus" alike
    assert set(marc_catalogue.ids("camus")) == camus
    assert set(marc_catalogue.ids(Term("author", "Camus"))) == camus
    assert {hit.record["title"] for hit in marc_catalogue.search("levi-strauss").hits} == {
        "Tristes tropiques"}


# Relevance


def test_title_matches_rank_above_subject_only_matches(sandbox_catalogue: Catalogue) -> None:
    hits = sandbox_catalogue.search("bretagne", limit=100).hits
    in_title = ["bretagne" in title_of(hit.record) for hit in hits]
    assert sum(in_title) >= 5 and len(hits) - sum(in_title) >= 5
    assert in_title == sorted(in_title, reverse=True), "a subject match outranks a title"


def test_the_exact_title_comes_first(sandbox_catalogue: Catalogue) -> None:
    hits = sandbox_catalogue.search("les gardiens de lumina", limit=100).hits
    exact = [folded(hit.record["title"]) == "les gardiens de lumina" for hit in hits]
    assert sum(exact) == 6 and len(hits) > 6  # "Les Gardiens de Lumina 2" matches too
    assert exact == sorted(exact, reverse=True)


def test_a_phrase_wants_its_words_in_order(sandbox_catalogue: Catalogue) -> None:
    def holding(phrase: str) -> set[str]:
        return {row.id for row in sandbox_catalogue.records() if any(
            phrase in folded(text) for text in
            [title_of(row.display or {}), *(row.display or {})["subjects"]])}

    expected = holding("guerre mondiale")
    assert len(expected) >= 10
    assert set(sandbox_catalogue.ids('"guerre mondiale"')) == expected
    assert sandbox_catalogue.ids('"mondiale guerre"') == []
    assert set(sandbox_catalogue.ids("mondiale guerre")) >= expected


def test_newer_editions_come_first_among_equal_matches(marc_catalogue: Catalogue) -> None:
    """Every L'Étranger has the same one-word title: only the year tells them apart."""
    years = [hit.record["year"] for hit in marc_catalogue.search("étranger").hits]
    assert len(years) == 8 and years == sorted(years, reverse=True)


# Boolean queries


def test_exclusion_and_trees(sandbox_catalogue: Catalogue) -> None:
    histoire = set(sandbox_catalogue.ids("histoire"))
    bretagne = set(sandbox_catalogue.ids("bretagne"))
    assert set(sandbox_catalogue.ids("histoire -bretagne")) == histoire - bretagne
    both = AllOf((Term("any", "histoire"), Term("any", "bretagne")))
    assert set(sandbox_catalogue.ids(both)) == histoire & bretagne
    assert set(sandbox_catalogue.ids(Without(Term("any", "histoire"),
                                             Term("title", "bretagne")))) < histoire


# Hostile trees


def test_trees_too_deep_or_too_long_are_refused(sandbox_catalogue: Catalogue) -> None:
    deep: Term | AllOf = Term("any", "histoire")
    for _ in range(50):
        deep = AllOf((deep,))
    with pytest.raises(InvalidRequest, match="nests"):
        sandbox_catalogue.search(deep)
    with pytest.raises(InvalidRequest, match="words"):
        sandbox_catalogue.search(" ".join(["mot"] * 100))
    with pytest.raises(InvalidRequest, match="unknown index"):
        sandbox_catalogue.search(Term("shelf", "x"))  # type: ignore[arg-type]


def test_a_filter_never_changes_the_order(sandbox_catalogue: Catalogue) -> None:
    plain = sandbox_catalogue.search("bretagne", limit=100).hits
    library = plain[0].record["holdings"][0]["library"]
    filtered = sandbox_catalogue.search("bretagne", limit=100,
                                        filters=Filters(libraries=(library,))).hits
    kept = {hit.id for hit in filtered}
    assert [hit.id for hit in plain if hit.id in kept] == [hit.id for hit in filtered]
    assert [hit.score for hit in plain if hit.id in kept] == pytest.approx(
        [hit.score for hit in filtered])
