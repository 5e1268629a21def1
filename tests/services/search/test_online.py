"""Online records in the search service: the API and the pages say where to open them."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from catalogue_sync.config import NetworkConfig
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.kbart import read_kbart
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.online import import_titles, package_source
from catalogue_sync.store import Store
from services.sandbox.kbart import kbart_file, package
from services.sandbox.testing import SandboxServer
from services.sandbox.vendors import offer_toml
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback
from tests.services.search.test_accessibility import axe_violations, browser  # noqa: F401

GATEWAY = "http://127.0.0.1:8001/ressources/livres"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: how answers show online records does not depend on the database."""
    return f"sqlite:///{tmp_path / 'var' / 'catalogue-sync.db'}"


@pytest.fixture
def online_network(merged_network: NetworkConfig, sandbox: SandboxServer, store: Store
                   ) -> NetworkConfig:
    """The sandbox harvested, its e-book package imported, all merged."""
    offer = tomllib.loads(offer_toml())
    network = NetworkConfig(**{**merged_network.model_dump(exclude={"path"}), **offer})
    source = package_source(network, "lirenligne", "romans")
    data = kbart_file(sandbox.network, package("lirenligne", "romans"))
    import_titles(store, source, read_kbart(data, "romans.txt"), "romans.txt")
    merge(store, network)
    return network


@pytest.fixture
def online_url(online_network: NetworkConfig, store: Store, tmp_path: Path) -> Iterator[str]:
    index = CatalogueIndex(tmp_path / "online-index", writer_memory_mb=32)
    index.update(store)
    context = SearchContext(network=online_network, store=store, searcher=Searcher(index))
    with serve_on_loopback(create_app(context), health="/health", name="search") as url:
        yield url


def linked_online_record(url: str) -> tuple[str, str]:
    """(online merged id, print merged id) of a title offered online and held in print."""
    hits = httpx.get(f"{url}/api/v1/search", params={"format": "e-book",
                                                     "library": "lirenligne.romans",
                                                     "page_size": 100}).json()["hits"]
    for hit in hits:
        record = httpx.get(f"{url}/api/v1/records/{hit['id']}").json()
        printed = [edition for edition in record["editions"] if edition["format"] == "book"]
        if printed:
            return hit["id"], printed[0]["id"]
    raise AssertionError("no online title linked to a print edition")


def test_the_api_gives_the_resources_that_open_an_online_record(online_url: str) -> None:
    answer = httpx.get(f"{online_url}/api/v1/search",
                       params={"library": "lirenligne.romans"}).json()
    assert answer["total"] > 10
    holding = answer["hits"][0]["libraries"][0]
    assert holding["id"] == "lirenligne.romans" and holding["name"] == "Livres numériques"
    assert holding["online"] == [{"resource": "livres", "name": "Livres numériques",
                                  "url": GATEWAY}]
    facet = {value["value"]: value["label"] for value in answer["facets"]["library"]}
    assert facet["lirenligne.romans"] == "Livres numériques"


def test_the_record_page_links_online_access_and_the_print_edition(online_url: str) -> None:
    online, printed = linked_online_record(online_url)
    page = httpx.get(f"{online_url}/notice/{online}?lang=fr").text
    assert "En ligne — Livres numériques" in page
    assert f'<a class="access" href="{GATEWAY}">Accéder en ligne' in page
    assert f'href="/notice/{printed}"' in page  # other editions and formats
    english = httpx.get(f"{online_url}/notice/{online}?lang=en").text
    assert "Online — Livres numériques" in english and ">Access online<" in english
    back = httpx.get(f"{online_url}/notice/{printed}").text
    assert f'href="/notice/{online}"' in back


def test_a_result_list_offers_access_online(online_url: str) -> None:
    page = httpx.get(f"{online_url}/recherche",
                     params={"bibliotheque": "lirenligne.romans", "lang": "fr"}).text
    assert f'<a class="access" href="{GATEWAY}">Accéder en ligne' in page
    assert "En ligne — Livres numériques" in page


def test_online_pages_have_no_wcag_21_aa_violation(online_url: str,
                                                   browser: WebDriver) -> None:  # noqa: F811
    online, _ = linked_online_record(online_url)
    problems = {}
    for lang in ("fr", "en"):
        for path in (f"/notice/{online}?", "/recherche?bibliotheque=lirenligne.romans&"):
            browser.get(f"{online_url}{path}lang={lang}")
            if found := axe_violations(browser):
                problems[f"{path} ({lang})"] = found
    assert problems == {}
