"""The sandbox's vendors take the gateway's patrons: a signed link is accepted once, fresh,
and only with its signature; the press site goes to the gateway's CAS login."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalogue_sync.config import NetworkConfig
from catalogue_sync.gateway import vendors
from catalogue_sync.gateway.signed_links import signed_link
from catalogue_sync.gateway.signin import SignIn
from services.gateway.app import create_app as create_gateway
from services.gateway.context import GatewayContext
from services.sandbox.vendors import (
    API_KEY_ENV,
    KEY_ENV,
    Nonces,
    create_app,
    link_is_good,
    offer_toml,
)
from services.serving import serve_on_loopback
from tests.conftest import REDIS_URL
from tests.services.gateway.conftest import KEYS, PATRONS, Browsers, TableIls, settings_in

KEY = "k" * 48


@pytest.fixture
def vendors_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(KEY_ENV, KEY)
    with serve_on_loopback(create_app("http://127.0.0.1:9"), health="/_health",
                           name="vendors") as url:
        yield url


def network(vendors_url: str, prefix: str) -> NetworkConfig:
    libraries = {"fm": {"name": "FM", "flavour": "marc21",
                        "connector": {"type": "oai-pmh", "url": "http://x.invalid/oai"},
                        "patrons": {"type": "sip2", "card_prefixes": ["2900"],
                                    "categories": {"A": "adult", "J": "youth"}}}}
    offer = tomllib.loads(offer_toml(vendors_url, "http://127.0.0.1:8001"))
    return NetworkConfig.model_validate({
        **offer, "libraries": libraries,
        "cache": {"redis_url": REDIS_URL, "key_prefix": prefix}})


def test_the_training_site_takes_a_signed_link_once(
        vendors_url: str, redis_prefix: str, tmp_path: Path) -> None:
    config = network(vendors_url, redis_prefix)
    context = GatewayContext.open(config, settings_in(tmp_path), keys=KEYS)
    context.sign_in = SignIn(config, KEYS, context.sessions, context.sign_in.throttle,
                             TableIls)
    with serve_on_loopback(create_gateway(context), health="/health",
                           name="gateway") as gateway_url:
        browsers = Browsers(gateway_url)
        try:
            adult = browsers.signed_in("adult")
            link = adult.get("/ressources/autoformation").headers["location"]
            assert link.startswith(f"{vendors_url}/savoirs/entree?")
            welcome = httpx.get(link)
            assert welcome.status_code == 200 and "Bienvenue, apprenant v1." in welcome.text
            assert PATRONS["adult"][0] not in welcome.text
            assert httpx.get(link).status_code == 403, "a link is good once"
            youth = browsers.signed_in("youth")
            assert youth.get("/ressources/autoformation").status_code == 403
        finally:
            for browser in browsers.opened:
                browser.close()
    context.redis.close()
    context.store.close()


def test_a_link_is_refused_when_tampered_with_old_or_signed_with_another_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = network("http://127.0.0.1:8102", "unused")
    resource, vendor = config.resources["autoformation"], config.vendors["savoirs"]

    def query(key: str, now: float | None = None) -> str:
        return urlsplit(signed_link(resource, vendor, key.encode(), patron="v1.abc",
                                    library="fm", category="adult", now=now)).query

    good = query(KEY)
    assert link_is_good(good, KEY.encode(), Nonces())
    assert not link_is_good(good.replace("adult", "youth"), KEY.encode(), Nonces())
    assert not link_is_good(query("z" * 48), KEY.encode(), Nonces())
    assert not link_is_good(query(KEY, now=time.time() - 120), KEY.encode(), Nonces())
    assert not link_is_good(good.split("&sig=")[0], KEY.encode(), Nonces())


def test_the_press_site_sends_a_reader_without_ticket_to_the_gateway_s_cas_login(
        vendors_url: str) -> None:
    answer = httpx.get(f"{vendors_url}/kiosque/")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert (target.netloc, target.path) == ("127.0.0.1:9", "/cas/login")
    assert parse_qs(target.query)["service"] == [f"{vendors_url}/kiosque/"]


def test_the_e_book_site_lets_in_whom_the_gateway_s_api_says(
        redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    config = network("http://127.0.0.1:9", redis_prefix)  # the gateway never calls vendors
    context = GatewayContext.open(config, settings_in(tmp_path), keys=KEYS)
    context.sign_in = SignIn(config, KEYS, context.sessions, context.sign_in.throttle,
                             TableIls)
    monkeypatch.setenv(API_KEY_ENV, vendors.create_key(context.store, config,
                                                       "lirenligne").secret_text)
    with serve_on_loopback(create_gateway(context), health="/health",
                           name="gateway") as gateway_url, \
            serve_on_loopback(create_app(gateway_url), health="/_health",
                              name="vendors") as vendors_url:
        browsers = Browsers(gateway_url)
        try:
            sent = urlsplit(browsers.signed_in("adult").get("/ressources/livres")
                            .headers["location"])
            welcome = httpx.get(f"{vendors_url}/lirenligne/?{sent.query}")
            assert welcome.status_code == 200 and "(fm)" in welcome.text
            stranger = sent.query.replace("patron=v1.", "patron=v1.x")
            assert httpx.get(f"{vendors_url}/lirenligne/?{stranger}").status_code == 403
        finally:
            for browser in browsers.opened:
                browser.close()
    vendors.audit_trail(context.store).flush()
    context.redis.close()
    context.store.close()
