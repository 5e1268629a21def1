"""The gateway over real HTTP and a real Redis, with member libraries whose ILS answers from
a table (``ScriptedIls``): the SIP2 and Koha directories have their own tests against real
ILS peers (tests/connectors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from lxml import html

from catalogue_sync.config import NetworkConfig, Settings
from catalogue_sync.gateway.pseudonyms import PseudonymKeys
from catalogue_sync.gateway.signin import SignIn
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.serving import serve_on_loopback
from tests.catalogue_sync.gateway.test_gateway_core import ScriptedIls
from tests.conftest import REDIS_URL

KEYS = PseudonymKeys.parse("v1:" + "ab" * 32)
SIGNING_KEY = "s" * 40
PATRONS = {"adult": ("29000001234", "1234"), "youth": ("29000009876", "4321"),
           "bdp": ("31000000042", "0042")}
"""Cards and PINs the scripted ILS accepts (ScriptedIls.patrons adds the others)."""


def gateway_network(prefix: str, **gateway: Any) -> NetworkConfig:
    def library(name: str, card_prefix: str) -> dict[str, object]:
        return {"name": name, "flavour": "marc21",
                "connector": {"type": "oai-pmh", "url": "http://x.invalid/oai"},
                "patrons": {"type": "sip2", "card_prefixes": [card_prefix],
                            "categories": {"A": "adult", "J": "youth"}}}
    return NetworkConfig.model_validate({
        "network": {"name": "Réseau test"},
        "cache": {"redis_url": REDIS_URL, "key_prefix": prefix},
        "gateway": {"cookie_secure": False, "base_url": "http://127.0.0.1:8001", **gateway},
        "libraries": {"fm": library("Médiathèque François-Mitterrand", "2900"),
                      "bdp": library("Bibliothèque départementale", "3100")},
        "vendors": {
            "cafeyn": {"name": "Cafeyn", "access": "cas",
                       "services": ["https://sso.cafeyn.example/reseau/"]},
            "apprendre": {"name": "Tout apprendre", "access": "signed-url",
                          "secret_env": "TEST_APPRENDRE_KEY"},
            "filmo": {"name": "Filmo", "access": "api"}},
        "resources": {
            "presse": {"vendor": "cafeyn", "name": "Presse en ligne", "kind": "press",
                       "url": "https://sso.cafeyn.example/reseau/login"},
            "autoformation": {"vendor": "apprendre", "name": "Autoformation",
                              "kind": "training", "url": "https://apprendre.example/entree",
                              "libraries": ["fm"], "categories": ["adult"]},
            "films": {"vendor": "filmo", "name": "Films", "kind": "video",
                      "url": "https://filmo.example/reseau?src=gw", "libraries": ["bdp"]}}})


class TableIls(ScriptedIls):
    patrons: ClassVar[dict[tuple[str, str], str]] = {
        **ScriptedIls.patrons, ("29000009876", "4321"): "J", ("31000000042", "0042"): "A"}


def settings_in(tmp_path: Path) -> Settings:
    """Settings whose store is a SQLite file of the test's own (never the checkout's)."""
    return Settings(redis_url=None, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")


@pytest.fixture
def gateway_context(redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                    ) -> Iterator[GatewayContext]:
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    network = gateway_network(redis_prefix)
    context = GatewayContext.open(network, settings_in(tmp_path), keys=KEYS)
    context.sign_in = SignIn(network, KEYS, context.sessions, context.sign_in.throttle, TableIls)
    yield context
    context.redis.close()
    context.store.close()


@pytest.fixture
def gateway_url(gateway_context: GatewayContext) -> Iterator[str]:
    with serve_on_loopback(create_app(gateway_context), health="/health",
                           name="gateway") as base_url:
        yield base_url


def went_on(browser: httpx.Client, answer: httpx.Response) -> httpx.Response:
    """What a browser does on the page a sign-in leads to (/connexion/suite): follow its
    refresh, a navigation of the page's own (services/gateway/web.py, onward)."""
    found = html.fromstring(answer.text).xpath("//meta[@http-equiv='refresh']/@content")
    assert answer.status_code == 200 and found and found[0].startswith("0; url="), answer.text
    return browser.get(answer.url.join(found[0].removeprefix("0; url=")))


class Browsers:
    """Browsers on the gateway, closed at the end of the test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opened: list[httpx.Client] = []

    def new(self, **cookies: str) -> httpx.Client:
        browser = httpx.Client(base_url=self.base_url, timeout=10, cookies=cookies)
        self.opened.append(browser)
        return browser

    def signed_in(self, who: str = "adult") -> httpx.Client:
        """A browser signed in as one of ``PATRONS``."""
        browser = self.new()
        assert browser.get("/connexion").status_code == 200
        card, pin = PATRONS[who]
        answer = browser.post("/connexion", data={
            "csrf": browser.cookies["signin-csrf"], "carte": card, "code": pin,
            "next": "/ressources"})
        assert answer.status_code == 303, answer.text
        return browser


@pytest.fixture
def browsers(gateway_url: str) -> Iterator[Browsers]:
    opened = Browsers(gateway_url)
    yield opened
    for browser in opened.opened:
        browser.close()
