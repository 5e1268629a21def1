"""The web catalogue over real HTTP, without a browser, on a catalogue merged from a real
sandbox harvest and indexed: French by default and English on demand, results checked
against the index, facets that narrow, pages, record pages checked against the store, forms
that work without JavaScript, and every bad address a 4xx page, never a 500."""

from __future__ import annotations

import re
from string import Formatter
from urllib.parse import urlencode

import httpx
import pytest
from lxml import html

from catalogue_sync.config import NetworkConfig
from catalogue_sync.index import simple
from catalogue_sync.index.query import Everything, Filters, SearchRequest
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord
from services.sandbox.config import PASSWORD_ENV
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer
from services.search.web.translations import TEXTS
from tests.services.search.conftest import join_two_lone_records, live

LIVE = "mediatheque-fm"
"""The sandbox library whose ILS has Koha's REST API (live availability)."""


@pytest.fixture
def web_url(indexed_url: str) -> str:
    return indexed_url


def page(url: str, client: httpx.Client | None = None, status: int = 200,
         **headers: str) -> html.HtmlElement:
    """GET an HTML page, check its status and media type; its document."""
    response = (client or httpx).get(url, headers=headers, timeout=30)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


_COMPOUND = re.compile(r"([\w-]+)|\.([\w-]+)|#([\w-]+)|\[([\w-]+)(?:=([^\]]*))?\]"
                       r"|:not\(\[([\w-]+)=([^\]]*)\]\)")


def css(element: html.HtmlElement, selector: str) -> list[html.HtmlElement]:
    """The elements under ``element`` matching a simple CSS selector: tags, classes, ids,
    attributes ([a], [a=v], :not([a=v])) and the descendant combinator."""
    steps = []
    for compound in selector.split():
        tag, tests = "*", []
        for found in _COMPOUND.finditer(compound):
            name, klass, ident, attr, value, not_attr, not_value = found.groups()
            if name:
                tag = name
            elif klass:
                tests.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {klass} ')")
            elif ident:
                tests.append(f"@id='{ident}'")
            elif attr:
                tests.append(f"@{attr}='{value}'" if value is not None else f"@{attr}")
            else:
                tests.append(f"not(@{not_attr}='{not_value}')")
        steps.append(tag + "".join(f"[{test}]" for test in tests))
    found: list[html.HtmlElement] = element.xpath(".//" + "//".join(steps))
    return found


def text(element: html.HtmlElement) -> str:
    """The element's text as read: spaces (French no-break ones too) made plain."""
    return " ".join(element.text_content().split())


def title_of(doc: html.HtmlElement) -> str:
    return " ".join((doc.findtext(".//title") or "").split())


def hit_ids(doc: html.HtmlElement) -> list[str]:
    return [link.get("href").rsplit("/", 1)[1] for link in css(doc, ".hit-title a")]


def total_of(doc: html.HtmlElement) -> int:
    return int(re.sub(r"\D", "", text(css(doc, "#results-heading")[0])))


def libraries_of(merged: MergedRecord) -> set[str]:
    return {holding["library"] for holding in (merged.display or {}).get("holdings", [])}


def a_title_word(searcher: Searcher) -> str:
    """A word of a title that finds more than one page of results."""
    for hit in searcher.search(SearchRequest(Everything(), limit=100, facets=False)).hits:
        for word in str(hit.record.get("title") or "").split():
            if len(word) > 5 and word.isalpha():
                found = searcher.search(SearchRequest(simple.parse(word), facets=False))
                if found.total > 20:
                    return word
    raise AssertionError("no title word finds more than 20 records")


# Languages


def test_pages_are_french_by_default_with_a_labelled_search_box(
        web_url: str, merged_network: NetworkConfig) -> None:
    doc = page(f"{web_url}/")
    assert doc.get("lang") == "fr"
    assert title_of(doc) == "Accueil — Catalogue du réseau"
    form = css(doc, "form[role=search]")[0]
    assert (form.get("method"), form.get("action")) == ("get", "/recherche")
    box = css(form, "input#q")[0]
    assert box.get("name") == "q"
    assert text(css(doc, "label[for=q]")[0]) == "Rechercher dans le catalogue"
    listed = {text(item) for item in css(doc, ".libraries li")}
    assert listed == {library.name for library in merged_network.libraries.values()}
    assert css(doc, "a.skip-link")[0].get("href") == "#contenu"
    assert css(doc, "main#contenu")


def test_english_is_chosen_by_parameter_and_remembered_in_a_cookie(web_url: str) -> None:
    with httpx.Client() as client:
        response = client.get(f"{web_url}/?lang=en")
        assert "lang=en" in response.headers["set-cookie"]
        doc = page(f"{web_url}/recherche?q=histoire", client)
        assert doc.get("lang") == "en"
        assert title_of(doc).startswith("Results for “histoire”")
        switch = css(doc, "nav.lang-switch a")[0]
        assert (text(switch), switch.get("lang")) == ("Français", "fr")
        assert switch.get("href") == "?q=histoire&lang=fr"
        assert page(f"{web_url}/?lang=fr", client).get("lang") == "fr"
        assert page(f"{web_url}/", client).get("lang") == "fr"


ACCEPT_LANGUAGE = [
    ("en-GB,en;q=0.9,fr;q=0.8", "en"), ("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4", "fr"),
    ("fr-CA", "fr"), ("de, it", "fr"), ("en;q=0, fr;q=0.1", "fr"), ("*;q=x,,;;", "fr"),
    ("EN", "en"), ("", "fr")]


def test_the_browser_language_is_followed_when_nothing_else_says(web_url: str) -> None:
    chosen = [(header, page(f"{web_url}/", **{"accept-language": header}).get("lang"))
              for header, _ in ACCEPT_LANGUAGE]
    assert chosen == ACCEPT_LANGUAGE


def test_every_interface_string_is_in_both_languages() -> None:
    french, english = TEXTS["fr"], TEXTS["en"]
    assert french.keys() == english.keys()
    for key in french:
        fields = [{name for _, name, _, _ in Formatter().parse(table[key]) if name}
                  for table in (french, english)]
        assert fields[0] == fields[1], key


# Results


def test_results_are_the_index_s_page_with_count_and_holdings(
        web_url: str, searcher: Searcher, merged_network: NetworkConfig) -> None:
    word = a_title_word(searcher)
    found = searcher.search(SearchRequest(simple.parse(word)))
    doc = page(f"{web_url}/recherche?q={word}")
    assert title_of(doc) == f"Résultats pour « {word} » — Catalogue du réseau"
    assert total_of(doc) == found.total
    assert hit_ids(doc) == [hit.id for hit in found.hits]
    first = css(doc, ".hit")[0]
    holders = {text(name) for name in css(first, ".holding .library")}
    names = {merged_network.libraries[h["library"]].name for h in found.hits[0].record["holdings"]}
    assert holders == names
    assert css(doc, "input#q")[0].get("value") == word


def test_facet_links_narrow_the_results_and_filters_come_off_again(
        web_url: str, searcher: Searcher, merged_network: NetworkConfig) -> None:
    doc = page(f"{web_url}/recherche")
    everything = total_of(doc)
    library = merged_network.libraries[
        searcher.search(SearchRequest()).facets["library"][-1].value]
    link = next(a for a in css(doc, "ul[aria-labelledby=facet-library] a")
                if text(css(a, ".label")[0]) == library.name)
    count = int(re.sub(r"\D", "", text(css(link, ".count")[0])))
    narrowed = page(web_url + link.get("href"))
    assert total_of(narrowed) == count < everything
    for hit in css(narrowed, ".hit"):
        assert library.name in {text(name) for name in css(hit, ".holding .library")}
    chosen = css(narrowed, "a.chosen")[0]
    assert "filtre actif" in text(chosen)
    removal = css(narrowed, ".active-filters a")[0]
    assert text(removal) == f"Retirer le filtre : {library.name}"
    assert total_of(page(web_url + removal.get("href"))) == everything


def test_format_and_year_facets_narrow_too(web_url: str, searcher: Searcher) -> None:
    doc = page(f"{web_url}/recherche")
    book = next(a for a in css(doc, "ul[aria-labelledby=facet-format] a")
                if text(css(a, ".label")[0]) == "Livre")
    books = page(web_url + book.get("href"))
    expected = searcher.search(SearchRequest(filters=Filters(formats=("book",)))).total
    assert total_of(books) == expected
    assert {text(f) for f in css(books, ".hit .format")} == {"Livre"}
    year_link = css(books, "ul[aria-labelledby=facet-year] a")[0]
    year = text(css(year_link, ".label")[0])
    of_year = page(web_url + year_link.get("href"))
    assert {text(y) for y in css(of_year, ".hit .year")} == {year}
    assert {text(f) for f in css(of_year, ".hit .format")} == {"Livre"}


def test_pages_are_linked_with_the_current_one_marked(web_url: str, searcher: Searcher) -> None:
    total = searcher.search(SearchRequest(facets=False)).total
    last = -(-total // 20)
    first = page(f"{web_url}/recherche")
    nav = css(first, "nav.pagination")[0]
    assert nav.get("aria-label") == "Pages de résultats"
    assert text(css(nav, "a[aria-current=page]")[0]) == "Page 1"
    assert not css(nav, "a[rel=prev]")
    following = css(nav, "a[rel=next]")[0]
    assert text(following) == "Page suivante ›"
    second = page(web_url + following.get("href"))
    assert title_of(second) == "Tout le catalogue — page 2 — Catalogue du réseau"
    assert set(hit_ids(second)).isdisjoint(hit_ids(first))
    assert text(css(second, "a[aria-current=page]")[0]) == "Page 2"
    assert css(second, "ol.hits")[0].get("start") == "21"
    assert text(css(second, "a[rel=prev]")[0]) == "‹ Page précédente"
    end = page(f"{web_url}/recherche?page={last}")
    assert not css(end, "a[rel=next]")
    past = page(f"{web_url}/recherche?page={last + 1}", status=400)
    assert f"n'a que {last} pages" in text(css(past, ".message")[0])
    assert css(past, ".next-steps a")[0].get("href") == f"/recherche?page={last}"


def test_forms_are_plain_get_forms_and_pages_have_no_scripts(
        web_url: str, searcher: Searcher) -> None:
    doc = page(f"{web_url}/recherche?q=histoire&format=book")
    assert not css(doc, "script")
    for form in css(doc, "form"):
        assert (form.get("method"), form.get("action")) == ("get", "/recherche")
        for field in [*css(form, "input:not([type=hidden])"), *css(form, "select")]:
            assert css(doc, f"label[for={field.get('id')}]"), field.get("name")
    sort = css(doc, "form.sort-form")[0]
    fields = [(f.get("name"), f.get("value")) for f in css(sort, "input[type=hidden]")]
    assert fields == [("q", "histoire"), ("format", "book")]
    by_year = page(f"{web_url}/recherche?{urlencode([*fields, ('tri', 'annee')])}")
    years = [int(text(y)) for y in css(by_year, ".hit .year")]
    assert years == sorted(years, reverse=True)
    assert css(by_year, "select#tri option[selected]")[0].get("value") == "annee"
    year_form = css(doc, "form.year-form")[0]
    assert css(year_form, "fieldset legend") and css(year_form, "input#annee_de")


def test_a_year_range_and_the_availability_filter(web_url: str, searcher: Searcher) -> None:
    doc = page(f"{web_url}/recherche?annee_de=2010&annee_a=2000&disponible=1")
    expected = searcher.search(SearchRequest(filters=Filters(
        year_from=2000, year_to=2010, available=True), facets=False)).total
    assert total_of(doc) == expected
    assert all(2000 <= int(text(y)) <= 2010 for y in css(doc, ".hit .year"))
    assert all(css(hit, ".holding-available") for hit in css(doc, ".hit"))
    active = [text(a) for a in css(doc, ".active-filters a")]
    assert active == ["Retirer le filtre : Années 2000 à 2010", "Retirer le filtre : En rayon",
                      "Retirer tous les filtres"]


def test_no_results_says_so_and_suggests(web_url: str) -> None:
    doc = page(f"{web_url}/recherche?q=zzqxwv&bibliotheque=ludotheque")
    assert text(css(doc, "h1")[0]) == "Aucun résultat pour « zzqxwv »"
    suggestions = css(doc, ".no-results li")
    assert len(suggestions) == 5
    assert css(suggestions[0], "a")[0].get("href") == "/recherche?q=zzqxwv"
    assert not css(doc, "nav.pagination")
    english = page(f"{web_url}/recherche?q=zzqxwv&lang=en")
    assert text(css(english, "h1")[0]) == "No results for “zzqxwv”"


# Records


def test_a_record_page_shows_every_library_s_copies(
        web_url: str, store: Store, merged_network: NetworkConfig) -> None:
    merged = max(live(store), key=lambda m: (len(libraries_of(m)), m.id))
    display = merged.display or {}
    doc = page(f"{web_url}/notice/{merged.id}")
    assert text(css(doc, "h1")[0]).startswith(display["title"])
    assert title_of(doc).endswith("— notice — Catalogue du réseau")
    sections = css(doc, ".library-holdings")
    assert len(sections) == len(display["holdings"])
    for section, holding in zip(sections, display["holdings"], strict=True):
        library = merged_network.libraries[holding["library"]]
        assert text(css(section, "h3")[0]) == library.name
        opac = library.opac_link(holding["record"])
        links = [a.get("href") for a in css(section, "a")]
        assert links == ([opac] if opac else [])
    tables = css(doc, "table")
    holdings = [h for h in display["holdings"] if h["items"]]
    assert len(tables) == len(holdings) >= 2
    for table, holding in zip(tables, holdings, strict=True):
        name = merged_network.libraries[holding["library"]].name
        assert text(css(table, "caption")[0]) == f"Exemplaires de : {name}"
        assert [(th.get("scope"), text(th)) for th in css(table, "th")] == [
            ("col", "Site"), ("col", "Emplacement"), ("col", "Cote"), ("col", "Statut"),
            ("col", "Retour prévu")]
        rows = css(table, "tbody tr")
        assert len(rows) == len(holding["items"])
        for row, item in zip(rows, holding["items"], strict=True):
            cells = [text(cell) for cell in css(row, "td")]
            assert cells[2] == (item["call_number"] or "— non renseigné")
            if item["status"] == "on-loan":
                assert cells[3] == "Emprunté" and re.fullmatch(r"\d+(er)? \w+ \d{4}", cells[4])
    for isbn in display["isbns"]:
        assert isbn in text(css(doc, "dl.identifiers")[0])


def test_copies_are_live_from_an_ils_that_answers_and_as_harvested_from_one_that_does_not(
        web_url: str, store: Store, sandbox: SandboxServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    shared = next(m for m in live(store) if {LIVE, "reseau-agglo"} <= libraries_of(m))

    def notes() -> dict[str, str]:
        doc = page(f"{web_url}/notice/{shared.id}")
        return {text(css(section, "h3")[0]): text(css(section, "p.source")[0])
                for section in css(doc, ".library-holdings")}

    harvested = re.compile(r"État au dernier moissonnage, le \d+(er)? \w+ \d{4}\.")
    now = notes()
    assert now["Médiathèque François-Mitterrand"] == (
        "État en direct du catalogue de la bibliothèque.")
    assert harvested.fullmatch(now["Réseau des médiathèques de l'agglomération"])
    sandbox.faults.inject(LIVE, count=100, target="api", kind="unavailable")
    try:
        down = notes()["Médiathèque François-Mitterrand"]
    finally:
        sandbox.faults.clear()
    note, reason = down.split(". ", 1)
    assert harvested.fullmatch(note + ".")
    assert reason == "Le catalogue de la bibliothèque ne répond pas pour l'instant."


def test_a_record_page_links_the_other_editions_of_its_work(web_url: str, store: Store) -> None:
    works: dict[str, list[MergedRecord]] = {}
    for merged in live(store):
        works.setdefault(merged.work, []).append(merged)
    shared = next(group for work, group in sorted(works.items())
                  if len(group) > 1 and not work.startswith("|"))
    doc = page(f"{web_url}/notice/{shared[0].id}")
    linked = {a.get("href").rsplit("/", 1)[1] for a in css(doc, ".editions a")}
    assert linked == {merged.id for merged in shared[1:]}
    subject = css(doc, ".subjects a")
    if subject:
        assert css(page(web_url + subject[0].get("href")), ".hit")


def test_a_record_merged_into_another_redirects_and_an_unknown_one_is_a_404_page(
        web_url: str, store: Store, merged_network: NetworkConfig) -> None:
    gone, kept = join_two_lone_records(store, merged_network)
    response = httpx.get(f"{web_url}/notice/{gone}")
    assert (response.status_code, response.headers["location"]) == (301, f"/notice/{kept}")
    missing = page(f"{web_url}/notice/m000000000000", status=404)
    assert text(css(missing, "h1")[0]) == "Notice introuvable"
    assert title_of(missing) == "Notice introuvable — Catalogue du réseau"
    english = page(f"{web_url}/notice/nothing-here?lang=en", status=404)
    assert text(css(english, "h1")[0]) == "Record not found"


def test_an_address_no_page_has_is_a_404_page_for_browsers_and_json_for_programs(
        web_url: str) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    doc = page(f"{web_url}/catalogue/nulle-part", **browser, status=404)
    assert text(css(doc, "h1")[0]) == "Page introuvable"
    assert css(doc, "form[role=search]"), "the page offers to search again"
    english = page(f"{web_url}/nowhere?lang=en", **browser, status=404)
    assert text(css(english, "h1")[0]) == "Page not found"
    program = httpx.get(f"{web_url}/api/v1/nowhere", headers={"accept": "application/json"})
    assert (program.status_code, program.json()) == (404, {"detail": "Not Found"})
    wrong_method = httpx.post(f"{web_url}/api/v1/search")
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()


def test_every_page_links_the_accessibility_statement_with_a_contact(web_url: str) -> None:
    home = page(f"{web_url}/")
    link = [a for a in css(home, "footer a") if a.get("href") == "/accessibilite"]
    assert text(link[0]) == "Accessibilité : non conforme (aucun audit réalisé)"
    statement = page(f"{web_url}/accessibilite")
    assert text(css(statement, "h1")[0]) == "Déclaration d'accessibilité"
    headings = [text(h) for h in css(statement, "h2")]
    assert headings[:1] == ["État de conformité"] and "Voies de recours" in headings
    assert [a.get("href") for a in css(statement, "main a") if
            a.get("href", "").startswith("mailto:")] == ["mailto:admin@example.org"]
    english = page(f"{web_url}/accessibilite?lang=en")
    assert text(css(english, "h1")[0]) == "Accessibility statement"
    moved = httpx.get(f"{web_url}/accessibility?lang=en")
    assert (moved.status_code, moved.headers["location"]) == (301, "/accessibilite?lang=en")


def test_english_addresses_lead_to_the_french_ones(web_url: str) -> None:
    response = httpx.get(f"{web_url}/search?q=camus&format=book")
    assert (response.status_code, response.headers["location"]) == (
        301, "/recherche?q=camus&format=book")
    response = httpx.get(f"{web_url}/record/m123")
    assert (response.status_code, response.headers["location"]) == (301, "/notice/m123")
    css = httpx.get(f"{web_url}/static/catalogue/catalogue.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


# Bad input


HOSTILE = [
    "q=" + "a" * 1001, "page=0", "page=-1", "page=abc", "page=1e3", "page=99999999999",
    "page=502", "tri=random", "annee_de=deux-mille", "annee_a=99999",
    "&".join(f"bibliotheque=b{n}" for n in range(101)),
    "q=" + "+".join(f"w{n}" for n in range(70)),
]
HARMLESS = [
    "q=%00%01%1f", "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "q=%22((%5B%5D", "q=*", "q=-",
    "q=%ff%fe%fd", "q=a&q=b", "bibliotheque=%3Cb%3E", "format=", "lang=xx",
    "lang=" + "e" * 5000, "annee_de=&annee_a=", "tri=", "disponible=peut-etre", "q=--+**+%C2%AB",
    "q=978-2-07-036002-4", "q=%E2%80%AE%E2%80%8B", "unknown=1&q=histoire",
]


def test_a_search_that_cannot_run_is_a_400_page(web_url: str) -> None:
    for query in HOSTILE:
        doc = page(f"{web_url}/recherche?{query}", status=400)
        assert text(css(doc, "h1")[0]) == "Recherche impossible", query
        assert css(doc, "form[role=search]"), "the page offers to search again"
        assert css(doc, ".message")[0].text_content().strip(), query
    words = page(f"{web_url}/recherche?{HOSTILE[-1]}", status=400)
    assert "64" in text(css(words, ".detail span[lang=en]")[0])


def test_odd_searches_are_answered_and_nothing_is_echoed_unescaped(web_url: str) -> None:
    for query in HARMLESS:
        response = httpx.get(f"{web_url}/recherche?{query}", timeout=30)
        assert response.status_code == 200, (query, response.text[:500])
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "<script>" not in response.text and "<b>" not in response.text, query
        html.fromstring(response.text)


def test_without_an_index_the_search_is_a_503_page_and_records_still_show(
        search_url: str, store: Store) -> None:
    doc = page(f"{search_url}/recherche?q=histoire", status=503)
    assert text(css(doc, "h1")[0]) == "Catalogue momentanément indisponible"
    some = live(store)[0]
    assert css(page(f"{search_url}/notice/{some.id}"), "h1")
