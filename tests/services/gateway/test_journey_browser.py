"""The patron's journey in a real browser (headless Chromium), across the real servers on
loopback, as `make demo` wires them: the web catalogue, the gateway (its patrons in the
sandbox's SIP2 and Koha ILSs) and the sandbox's three vendors.

A catalogue record's "Accéder en ligne" → the gateway's sign-in → the vendor's page greeting
the patron, for each access method (CAS, signed link, entitlement API); the press site
reached first, which sends the patron to the gateway's CAS login; a wrong PIN first; sign-out
(here or everywhere), after which opening a resource asks to sign in again. Only a browser
applies the pages' Content-Security-Policy to where a sign-in form leads: an HTTP client
follows any redirect.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from catalogue_sync.config import NetworkConfig
from catalogue_sync.gateway import vendors
from catalogue_sync.kbart import read_kbart
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.models import Format
from catalogue_sync.online import import_titles, package_source
from catalogue_sync.store import Store
from catalogue_sync.store.schema import cluster_members
from services.gateway.app import create_app as create_gateway
from services.gateway.context import GatewayContext
from services.sandbox.config import PASSWORD_ENV, library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.kbart import SandboxPackage, kbart_file, package
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer, run_sandbox
from services.sandbox.vendors import API_KEY_ENV, KEY_ENV, offer_toml
from services.sandbox.vendors import create_app as create_vendors
from services.search.app import create_app as create_search
from services.search.context import SearchContext
from services.serving import loopback_socket, serve_on_loopback, url_of
from tests.browser import chromium, until
from tests.conftest import REDIS_URL, delete_prefix
from tests.services.gateway.conftest import KEYS, settings_in

CARD, PIN = "FM000001", "1234"
"""An adult of the sandbox's Médiathèque François-Mitterrand, signed in over SIP2."""
COURSES = SandboxPackage("savoirs", "cours", Format.BOOK, serial=False, linked=0, own=3)
"""The training site's package: the sandbox offers none, its resource opens this one here."""


@dataclass(frozen=True)
class Journey:
    """Where a patron is led: the resource, and the vendor's page that greets the patron."""

    resource: str
    package: str
    page: str
    greeting: str


JOURNEYS = {
    "cas": Journey("presse", "kiosque.presse", "/kiosque/",
                   "Bonjour, lecteur v1."),
    "signed-url": Journey("autoformation", "savoirs.cours", "/savoirs/entree",
                          "Bienvenue, apprenant v1."),
    "api": Journey("livres", "lirenligne.romans", "/lirenligne/",
                   "Bonne lecture, lecteur v1."),
}


@dataclass(frozen=True)
class Network:
    """The running servers' addresses, and a catalogue record opened by each resource."""

    catalogue: str
    gateway: str
    vendors: str
    records: dict[str, str]
    """A merged record id of each package, by source id (``VENDOR.PACKAGE``)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=3, total_records=50)) as server:
        yield server


@pytest.fixture(scope="module")
def network(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Network]:
    """The catalogue, the gateway and the vendors, each knowing the others' addresses."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    folder = tmp_path_factory.mktemp("journey")
    with ExitStack() as stack, pytest.MonkeyPatch.context() as environment:
        stack.callback(delete_prefix, prefix)
        sockets = [loopback_socket() for _ in range(3)]
        for sock in sockets:  # serving closes them too; this if setting up fails first
            stack.callback(sock.close)
        catalogue_url, gateway_url, vendors_url = map(url_of, sockets)
        config = network_config(sandbox, prefix, gateway_url, vendors_url, folder)
        for name, value in ((KEY_ENV, "k" * 48), (PASSWORD_ENV, API_PASSWORD)):
            environment.setenv(name, value)
        store = Store(config.storage.url)
        stack.callback(store.close)
        records = catalogue_of(store, config, sandbox.network)
        gateway = GatewayContext.open(config, settings_in(folder), keys=KEYS)
        stack.callback(gateway.redis.close)
        stack.callback(gateway.store.close)
        environment.setenv(API_KEY_ENV, vendors.create_key(gateway.store, config,
                                                           "lirenligne").secret_text)
        search = create_search(SearchContext(network=config, store=store))
        stack.callback(search.state.admin.close)
        for app, sock, health, name in ((search, sockets[0], "/health", "search"),
                                        (create_gateway(gateway), sockets[1], "/health",
                                         "gateway"),
                                        (create_vendors(gateway_url), sockets[2],
                                         "/_health", "vendors")):
            stack.enter_context(serve_on_loopback(app, health=health, name=name, sock=sock))
        yield Network(catalogue_url, gateway_url, vendors_url, records)
        vendors.audit_trail(gateway.store).flush()


def network_config(sandbox: SandboxServer, prefix: str, gateway_url: str, vendors_url: str,
                   folder: Path) -> NetworkConfig:
    """The sandbox's libraries and vendors, as `make demo` declares them."""
    offer = tomllib.loads(offer_toml(vendors_url, gateway_url))
    offer["resources"]["autoformation"]["packages"] = [COURSES.package]
    libraries = {lib.id: library_table(sandbox.base_url, lib, sip2_port=sandbox.sip2_port)
                 .unwrap() for lib in sandbox.network.libraries}
    return NetworkConfig.model_validate({
        **offer, "libraries": libraries,
        "storage": {"url": f"sqlite:///{folder / 'catalogue-sync.db'}"},
        "cache": {"redis_url": REDIS_URL, "key_prefix": prefix}})


def catalogue_of(store: Store, config: NetworkConfig, sandbox: SandboxNetwork
                 ) -> dict[str, str]:
    """The three packages' title lists imported and merged; a record of each."""
    store.create_schema()
    for chosen in (package("kiosque", "presse"), package("lirenligne", "romans"), COURSES):
        data = kbart_file(sandbox, chosen)
        source = package_source(config, chosen.vendor, chosen.package)
        import_titles(store, source, read_kbart(data, f"{chosen.package}.txt"), "kbart")
    merge(store, config)
    members = cluster_members.c
    with store.transaction("reading") as connection:
        rows = connection.execute(sa.select(members.library, sa.func.min(members.merged_id))
                                  .group_by(members.library)).all()
    found = {library: merged_id for library, merged_id in rows}
    assert set(found) >= {journey.package for journey in JOURNEYS.values()}, found
    return found


@pytest.fixture
def fresh(browser: WebDriver) -> WebDriver:
    """The browser with no cookie of any site (the gateway's, the vendors' and the
    catalogue's all belong to 127.0.0.1)."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return browser


# ---------------------------------------------------------------------------------------
# The browser's steps


def at(url: str, text: str = "", selector: str = "body") -> Callable[[WebDriver], bool]:
    """The browser shows a page whose address starts with ``url`` and whose element
    ``selector`` holds ``text``."""
    def check(browser: WebDriver) -> bool:
        try:
            return (browser.current_url.startswith(url)
                    and text in browser.find_element(By.CSS_SELECTOR, selector).text)
        except WebDriverException:  # between two pages, or not that page yet
            return False
    return check


def open_online(browser: WebDriver, network: Network, journey: Journey) -> None:
    """The catalogue record of one of the resource's titles, and its "Accéder en ligne"."""
    browser.get(f"{network.catalogue}/notice/{network.records[journey.package]}?lang=fr")
    link = browser.find_element(By.CSS_SELECTOR, "a.access")
    assert link.get_attribute("href") == f"{network.gateway}/ressources/{journey.resource}"
    assert link.text.startswith("Accéder en ligne")
    link.click()


def sign_in(browser: WebDriver, gateway: str, pin: str = PIN) -> None:
    """On the gateway's sign-in page: the card, the PIN, the button."""
    until(browser, at(f"{gateway}/connexion", selector="form.signin #carte"),
          "the gateway's sign-in page")
    browser.find_element(By.ID, "carte").send_keys(CARD)
    browser.find_element(By.ID, "code").send_keys(pin)
    browser.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()


def greeted(browser: WebDriver, network: Network, journey: Journey) -> None:
    """The vendor's page, recognising the patron (a pseudonym, the library, the category),
    never the card number."""
    until(browser, at(f"{network.vendors}{journey.page}", journey.greeting),
          f"the vendor's page {journey.page} greeting the patron")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "mediatheque-fm" in text and CARD not in text, text


# ---------------------------------------------------------------------------------------
# The journeys


@pytest.mark.parametrize("method", JOURNEYS)
def test_a_catalogue_record_leads_through_the_sign_in_to_the_vendor_s_page(
        fresh: WebDriver, network: Network, method: str) -> None:
    journey = JOURNEYS[method]
    open_online(fresh, network, journey)
    assert f"next=/ressources/{journey.resource}" in fresh.current_url
    sign_in(fresh, network.gateway)
    greeted(fresh, network, journey)


def test_the_press_site_reached_first_sends_the_patron_to_sign_in_and_back(
        fresh: WebDriver, network: Network) -> None:
    fresh.get(f"{network.vendors}/kiosque/")  # CAS: the vendor asks the gateway's /cas/login
    sign_in(fresh, network.gateway)
    greeted(fresh, network, JOURNEYS["cas"])


def test_a_wrong_pin_then_the_right_one_still_leads_to_the_vendor_s_page(
        fresh: WebDriver, network: Network) -> None:
    open_online(fresh, network, JOURNEYS["api"])
    sign_in(fresh, network.gateway, pin="0000")
    until(fresh, at(f"{network.gateway}/connexion", "incorrect", "[role=alert]"),
          "the form again, saying the card or PIN is wrong")
    sign_in(fresh, network.gateway)  # the form shown again keeps the way to the resource
    greeted(fresh, network, JOURNEYS["api"])


@pytest.mark.parametrize(("button", "end", "said"), [
    pytest.param("ici", "au-revoir", "Vous êtes déconnecté.", id="here"),
    pytest.param("partout", "partout", "Vous êtes déconnecté sur tous vos appareils.",
                 id="everywhere"),
])
def test_after_signing_out_opening_a_resource_asks_to_sign_in_again(
        fresh: WebDriver, network: Network, button: str, end: str, said: str) -> None:
    fresh.get(f"{network.gateway}/connexion?next=/ressources/presse&lang=fr")
    sign_in(fresh, network.gateway)
    greeted(fresh, network, JOURNEYS["cas"])
    fresh.get(f"{network.gateway}/ressources")
    fresh.find_element(By.CSS_SELECTOR, f"form.signout button[value={button}]").click()
    until(fresh, at(f"{network.gateway}/connexion?fin={end}", said, "[role=status]"),
          "the sign-in page saying the patron signed out")
    open_online(fresh, network, JOURNEYS["signed-url"])
    until(fresh, at(f"{network.gateway}/connexion?next=/ressources/autoformation"),
          "the sign-in page again")
    fresh.get(f"{network.gateway}/ressources")
    until(fresh, at(f"{network.gateway}/connexion?next=/ressources", selector="#carte"),
          "the sign-in page for the list of resources")
