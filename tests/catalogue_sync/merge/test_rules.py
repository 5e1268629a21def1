"""The merge rules, decided on real MARC 21 and UNIMARC records from four libraries."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import pytest

from catalogue_sync.config import MergeConfig
from catalogue_sync.merge import (
    RULES,
    Decision,
    MatchKeys,
    MatchSettings,
    blocklist_keys,
    decide,
    same_work,
)
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.models import Format

ReadKeys = Callable[..., MatchKeys]

# (record a, record b, the decision a librarian should read)
CASES = [
    # 1. one library's duplicates are its own business
    ("fm-etranger-folio.xml", "fm-etranger-folio-copy.xml", Decision(
        False, "veto:same-library", "both records come from library fm (fm-1001 and fm-1002)")),
    # 2. a book never merges with its other formats, whatever they share
    ("chat-etranger-folio.mrc", "fm-etranger-large-print.xml", Decision(
        False, "veto:format", "formats differ: book vs large-print")),
    ("fm-etranger-folio.xml", "niort-etranger-audiobook.xml", Decision(
        False, "veto:format", "formats differ: book vs audiobook")),
    ("chat-etranger-folio.mrc", "fm-etranger-film.xml", Decision(
        False, "veto:format", "formats differ: book vs dvd-bluray")),
    # 3. two editions of one work, ten years apart
    ("fm-vendredi-1977.xml", "niort-vendredi-1987.xml", Decision(
        False, "veto:isbn-conflict", "ISBNs differ: 9782070506231 vs 9782070512881")),
    # 4. same title, author and year, but the BnF catalogued two different things
    ("fm-mots-1964.xml", "parth-mots-1964-other-printing.xml", Decision(
        False, "veto:id-conflict", "BnF record numbers differ: 33164540 vs 35187422")),
    # 5. shared numbers, in any written form and either flavour
    ("fm-etranger-folio.xml", "chat-etranger-folio.mrc", Decision(
        True, "shared-isbn", "both have ISBN 9782070360024")),
    ("fm-etranger-folio.xml", "niort-etranger-folio.xml", Decision(
        True, "shared-isbn", "both have ISBN 9782070360024")),
    ("fm-miserables-t1.xml", "parth-miserables-t1.xml", Decision(
        True, "shared-isbn", "both have ISBN 9782253096818")),
    ("fm-monde-diplomatique.xml", "niort-monde-diplomatique.xml", Decision(
        True, "shared-issn", "both have ISSN 0026-9395")),
    ("fm-racine-carree.xml", "niort-racine-carree.xml", Decision(
        True, "shared-id:ean", "both have EAN 0602537459391")),
    ("fm-clair-de-lune.xml", "niort-clair-de-lune.xml", Decision(
        True, "shared-id:ismn", "both have ISMN 9790230671187")),
    ("fm-mots-1964.xml", "niort-mots-1964.xml", Decision(
        True, "shared-id:bnf", "both have BnF record number 33164540")),
    ("fm-tristes-tropiques.xml", "niort-tristes-tropiques.xml", Decision(
        True, "shared-id:sudoc", "both have Sudoc PPN 00123456X")),
    ("fm-plague.xml", "chat-plague.mrc", Decision(
        True, "shared-id:oclc", "both have OCLC number 123456")),
    ("fm-fall.xml", "chat-fall.mrc", Decision(
        True, "shared-id:lccn", "both have LCCN 57005583")),
    # 5. ... unless the titles show a reused number
    ("fm-miserables-t1.xml", "niort-miserables-t2.xml", Decision(
        False, "veto:title", "both have ISBN 9782253096818, but the volume numbers differ: "
        "'miserables 1' vs 'miserables 2'")),
    ("fm-potager.xml", "niort-confitures.xml", Decision(
        False, "veto:title", "both have ISBN 9782350000008, but the titles differ: "
        "'potager du paresseux' vs 'confitures de grand mere'")),
    ("fm-poemes-verlaine.xml", "niort-poemes-apollinaire.xml", Decision(
        False, "veto:author", "both have ISBN 9782915614053, but the authors differ: "
        "'verlaine' vs 'apollinaire'")),
    # 6. no shared number: title, author, year and pages must all agree
    ("fm-etranger-folio.xml", "parth-etranger-direct-name.xml", Decision(
        True, "title-author-year",
        "same title 'etranger', author 'camus', years 1972 and 1972, 185 and 187 pages")),
    ("fm-etranger-folio.xml", "parth-etranger-1957.xml", Decision(
        False, "veto:year", "years differ by more than 1: 1972 vs 1957")),
    ("fm-etranger-folio.xml", "chat-etranger-blanche.mrc", Decision(
        False, "veto:pages", "page counts differ: 185 vs 159 pages")),
    ("fm-voyage-martin.xml", "niort-voyage-lemoine.xml", Decision(
        False, "veto:author", "authors differ: 'martin' vs 'lemoine'")),
    ("fm-voyage-martin.xml", "parth-voyage-martin-carnets.xml", Decision(
        False, "veto:subtitle", "subtitles differ: 'roman' vs 'carnets d orient'")),
    ("chat-etranger-folio.mrc", "fm-fall.xml", Decision(
        False, "no-evidence", "no shared number and the titles differ: 'etranger' vs 'fall'")),
    # A film catalogued under its original title in one library: missed, as designed.
    ("fm-etranger-film.xml", "niort-etranger-film.xml", Decision(
        False, "no-evidence",
        "no shared number and the titles differ: 'etranger' vs 'straniero'")),
]


@pytest.mark.parametrize(("a", "b", "expected"), CASES,
                         ids=[f"{d.rule}:{a.split('.')[0]}" for a, _, d in CASES])
def test_each_rule_decides_and_names_its_values(
    keys: ReadKeys, a: str, b: str, expected: Decision
) -> None:
    decision = decide(keys(a), keys(b))
    assert (decision.merge, decision.rule, decision.reason) == (
        expected.merge, expected.rule, expected.reason)
    # Each veto here rests on values both records have: the records conflict, and no third
    # record may bring them into one cluster. Different titles are no such evidence.
    assert decision.conflict == (not expected.merge and expected.rule != "no-evidence")


def test_every_rule_has_a_real_record_case() -> None:
    assert {case[2].rule for case in CASES} == set(RULES)


# The union catalogue of the fixture records: each group is one title for patrons.
GROUPS = [
    {"fm-etranger-folio.xml", "fm-etranger-folio-copy.xml", "chat-etranger-folio.mrc",
     "niort-etranger-folio.xml", "parth-etranger-direct-name.xml"},
    {"fm-miserables-t1.xml", "parth-miserables-t1.xml"},
    {"fm-monde-diplomatique.xml", "niort-monde-diplomatique.xml"},
    {"fm-mots-1964.xml", "niort-mots-1964.xml"},
    {"fm-racine-carree.xml", "niort-racine-carree.xml"},
    {"fm-clair-de-lune.xml", "niort-clair-de-lune.xml"},
    {"fm-tristes-tropiques.xml", "niort-tristes-tropiques.xml"},
    {"fm-plague.xml", "chat-plague.mrc"},
    {"fm-fall.xml", "chat-fall.mrc"},
]


def test_only_the_same_titles_merge_across_every_pair(catalogue: dict[str, MatchKeys]) -> None:
    """Every pair of fixture records, both ways: a false merge anywhere fails here."""
    group_of = {name: index for index, group in enumerate(GROUPS) for name in group}
    for a, b in itertools.permutations(catalogue, 2):
        expected = (a in group_of and group_of[a] == group_of.get(b)
                    and catalogue[a].library != catalogue[b].library)
        decision = decide(catalogue[a], catalogue[b])
        assert decision.merge == expected, (a, b, decision)
        assert decision.rule == decide(catalogue[b], catalogue[a]).rule, (a, b)


# --- settings and edge cases --------------------------------------------------------------


def test_a_library_may_merge_its_own_duplicates(keys: ReadKeys) -> None:
    mine = MatchSettings(same_library=True)
    decision = decide(keys("fm-etranger-folio.xml"), keys("fm-etranger-folio-copy.xml"), mine)
    assert decision == Decision(True, "shared-isbn", "both have ISBN 9782070360024")


def test_tolerances_are_settings(keys: ReadKeys) -> None:
    folio, y1957 = keys("fm-etranger-folio.xml"), keys("parth-etranger-1957.xml")
    assert decide(folio, y1957, MatchSettings(year_tolerance=15)).rule == "title-author-year"
    blanche = keys("chat-etranger-blanche.mrc")  # 159 pages against 185
    assert decide(folio, blanche, MatchSettings(page_tolerance=0.15)).rule == "title-author-year"
    assert decide(folio, blanche, MatchSettings(page_slack=26)).rule == "title-author-year"
    assert decide(folio, blanche, MatchSettings(page_slack=25)).rule == "veto:pages"


def test_every_tolerance_comes_from_network_toml() -> None:
    config = MergeConfig(page_tolerance=0.2, page_slack=3, year_tolerance=2)
    settings = MergeSettings.from_config(config)
    assert settings.match == MatchSettings(page_tolerance=0.2, page_slack=3, year_tolerance=2)
    # a changed setting changes the fingerprint, which makes the next merge a full rebuild
    assert settings.fingerprint != MergeSettings.from_config(MergeConfig()).fingerprint


def test_negative_tolerances_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        MatchSettings(year_tolerance=-1)


def test_a_blocklisted_isbn_is_no_evidence(keys: ReadKeys) -> None:
    blocked = blocklist_keys(["isbn:978-2-35000-000-8"])
    decision = decide(keys("fm-potager.xml", blocked), keys("niort-confitures.xml", blocked))
    assert decision == Decision(False, "no-evidence", "no shared number and the titles differ: "
                                "'potager du paresseux' vs 'confitures de grand mere'")


def test_other_merges_only_with_other(keys: ReadKeys) -> None:
    a, b = keys("fm-etranger-folio.xml"), keys("niort-etranger-folio.xml")
    other_a, other_b = (dataclasses.replace(k, format=Format.OTHER) for k in (a, b))
    assert decide(other_a, other_b).rule == "shared-isbn"
    assert decide(other_a, b) == Decision(False, "veto:format", "formats differ: other vs book",
                                            conflict=True)


def test_one_shared_isbn_among_several_is_enough(keys: ReadKeys) -> None:
    folio = keys("fm-etranger-folio.xml")
    both_bindings = dataclasses.replace(
        keys("niort-etranger-folio.xml"), isbns=frozenset({"9782070360024", "9782070411191"}))
    assert decide(folio, both_bindings).rule == "shared-isbn"


def test_a_reused_number_on_books_of_different_lengths_vetoes(keys: ReadKeys) -> None:
    folio = keys("fm-etranger-folio.xml")
    longer = dataclasses.replace(keys("chat-etranger-folio.mrc"), pages=320)
    assert decide(folio, longer) == Decision(
        False, "veto:pages",
        "both have ISBN 9782070360024, but the page counts differ: 185 vs 320 pages",
        conflict=True)
    longer_with_bnf = dataclasses.replace(longer, ids=frozenset({"bnf:35289316"}))
    assert decide(keys("niort-etranger-folio.xml"), longer_with_bnf).rule == "shared-isbn"


def test_an_issn_conflict_vetoes(keys: ReadKeys) -> None:
    diplo = keys("fm-monde-diplomatique.xml")
    other = dataclasses.replace(keys("niort-monde-diplomatique.xml"),
                                issns=frozenset({"0395-2037"}))
    assert decide(diplo, other) == Decision(False, "veto:id-conflict",
                                            "ISSNs differ: 0026-9395 vs 0395-2037",
                                            conflict=True)


def test_two_kinds_of_shared_numbers_outweigh_a_title_typo(keys: ReadKeys) -> None:
    typo = dataclasses.replace(keys("niort-etranger-folio.xml"), title="etrenger")
    with_bnf = dataclasses.replace(keys("chat-etranger-folio.mrc"), ids=frozenset({
        "bnf:35289316"}))
    assert decide(with_bnf, typo) == Decision(True, "shared-isbn", "both have ISBN 9782070360024")
    without_bnf = keys("chat-etranger-folio.mrc")
    assert decide(without_bnf, typo).rule == "veto:title"


def test_a_title_match_needs_both_years_and_both_authors(keys: ReadKeys) -> None:
    """A missing year or author is too little evidence, not a conflict (``conflict`` False)."""
    folio, direct = keys("fm-etranger-folio.xml"), keys("parth-etranger-direct-name.xml")
    no_year = dataclasses.replace(direct, year=None)
    assert decide(folio, no_year) == Decision(
        False, "veto:year", "same title 'etranger' and author but no year in parth record P-5521")
    no_author = dataclasses.replace(direct, author=None)
    assert decide(folio, no_author) == Decision(
        False, "veto:author", "same title 'etranger' but no author in parth record P-5521")


def test_pages_are_only_compared_when_both_are_known(keys: ReadKeys) -> None:
    folio = keys("fm-etranger-folio.xml")
    no_pages = dataclasses.replace(keys("chat-etranger-blanche.mrc"), pages=None)
    assert decide(folio, no_pages).rule == "title-author-year"


def test_no_title_is_no_evidence(keys: ReadKeys) -> None:
    untitled = dataclasses.replace(keys("parth-etranger-direct-name.xml"), title="",
                                   title_full="")
    assert decide(keys("fm-etranger-folio.xml"), untitled) == Decision(
        False, "no-evidence", "no shared number and no title in parth record P-5521")


# --- same_work ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("fm-etranger-folio.xml", "fm-etranger-large-print.xml"),
    ("fm-etranger-folio.xml", "niort-etranger-audiobook.xml"),
    ("fm-vendredi-1977.xml", "niort-vendredi-1987.xml"),
    ("fm-etranger-folio.xml", "parth-etranger-1957.xml"),
    ("fm-monde-diplomatique.xml", "niort-monde-diplomatique.xml"),  # no author: by ISSN
])
def test_editions_and_formats_of_a_work_are_linked(keys: ReadKeys, a: str, b: str) -> None:
    assert same_work(keys(a), keys(b))
    assert same_work(keys(b), keys(a))


@pytest.mark.parametrize(("a", "b"), [
    ("fm-etranger-folio.xml", "fm-etranger-film.xml"),  # the film is Visconti's work
    ("fm-miserables-t1.xml", "niort-miserables-t2.xml"),
    ("fm-potager.xml", "niort-confitures.xml"),
    ("fm-voyage-martin.xml", "niort-voyage-lemoine.xml"),
    ("fm-poemes-verlaine.xml", "niort-poemes-apollinaire.xml"),
    ("fm-plague.xml", "fm-fall.xml"),  # one author, two works
])
def test_different_works_are_not_linked(keys: ReadKeys, a: str, b: str) -> None:
    assert not same_work(keys(a), keys(b))


def test_a_shared_number_links_formats_of_one_work(keys: ReadKeys) -> None:
    """A large-print record catalogued with the book's ISBN and no author."""
    folio = keys("fm-etranger-folio.xml")
    large = dataclasses.replace(keys("fm-etranger-large-print.xml"), author=None,
                                isbns=frozenset({"9782070360024"}))
    assert decide(folio, dataclasses.replace(large, library="chat")).rule == "veto:format"
    assert same_work(folio, large)
