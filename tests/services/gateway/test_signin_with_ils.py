"""Signing in through the gateway against real ILS peers: the sandbox's SIP2 server and its
Koha REST endpoints, on loopback, as `make demo` does. The card never reaches a log."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import LibraryConfig, NetworkConfig
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.gateway.translations import FR
from services.sandbox.config import PASSWORD_ENV, library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer, run_sandbox
from services.serving import serve_on_loopback
from tests.conftest import REDIS_URL
from tests.services.gateway.conftest import KEYS, Browsers, settings_in


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=3, total_records=50)) as server:
        yield server


@pytest.fixture
def gateway_url(sandbox: SandboxServer, redis_prefix: str, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    libraries = {}
    for lib in sandbox.network.libraries:
        data = library_table(sandbox.base_url, lib, sip2_port=sandbox.sip2_port).unwrap()
        data["patrons"]["timeout"] = 1.0
        libraries[lib.id] = LibraryConfig(id=lib.id, **data)
    network = NetworkConfig(libraries=libraries).model_copy(update={
        "cache": NetworkConfig.model_validate(
            {"cache": {"redis_url": REDIS_URL, "key_prefix": redis_prefix}}).cache,
        "gateway": NetworkConfig.model_validate({"gateway": {"cookie_secure": False}}).gateway})
    context = GatewayContext.open(network, settings_in(tmp_path), keys=KEYS)
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as url:
        yield url
    sandbox.faults.clear()
    context.redis.close()
    context.store.close()


def sign_in(browsers: Browsers, card: str, pin: str) -> httpx.Response:
    browser = browsers.new()
    browser.get("/connexion")
    return browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                            "carte": card, "code": pin})


def test_patrons_sign_in_over_sip2_and_koha_rest_and_refusals_look_alike(
        browsers: Browsers, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    assert sign_in(browsers, "FM000001", "1234").status_code == 303  # SIP2, adult
    assert sign_in(browsers, "MD000001", "1234").status_code == 303  # Koha REST
    wrong_pin, unknown = sign_in(browsers, "FM000002", "9999"), sign_in(browsers, "FM999999",
                                                                        "1234")
    koha_wrong_pin = sign_in(browsers, "MD000003", "9999")  # an expired card, a wrong PIN
    assert {r.status_code for r in (wrong_pin, unknown, koha_wrong_pin)} == {401}
    assert len({r.text.replace(r.cookies.get("signin-csrf") or "", "")
                for r in (wrong_pin, unknown, koha_wrong_pin)}) == 1
    logged = caplog.text
    assert all(card not in logged for card in ("FM000001", "MD000001", "FM999999", "1234"))


def test_the_truth_is_told_in_english_too(
        browsers: Browsers, sandbox: SandboxServer) -> None:
    browser = browsers.new()
    browser.get("/connexion?lang=en")
    answer = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                              "carte": "LU000004", "code": "0000"})
    assert answer.status_code == 403
    assert message_of(answer) == ("Your card is reported lost: your library can reactivate it "
                                  "or give you a new one. Contact "
                                  f"{library_name('ludotheque', sandbox)}: "
                                  "accueil@ludotheque.example")


def library_name(library_id: str, sandbox: SandboxServer) -> str:
    return next(lib.name for lib in sandbox.network.libraries if lib.id == library_id)


def message_of(answer: httpx.Response) -> str:
    found = re.search(r'<p class="message" role="alert" id="probleme">(.*?)</p>', answer.text,
                      re.S)
    assert found, answer.text
    return html.unescape(found[1])


@pytest.mark.parametrize(("card", "pin", "said"), [
    ("FM000003", "1111", "Votre carte a expiré le {date} : votre bibliothèque peut la "
                         "renouveler."),                                    # SIP2
    ("MD000003", "1111", "Votre carte a expiré le {date} : votre bibliothèque peut la "
                         "renouveler."),                                    # Koha REST
    ("FM000004", "0000", "Votre carte est signalée perdue"),                # SIP2
    ("MD000004", "0000", "Votre carte est signalée perdue"),                # Koha REST
    ("FM000006", "1357", "Votre type d'abonnement ne donne pas accès"),    # COLLECTIV
])
def test_a_right_pin_on_a_card_that_cannot_sign_in_is_told_why_and_never_locks_out(
        browsers: Browsers, card: str, pin: str, said: str) -> None:
    expired_on = date.today() - timedelta(days=365)  # the sandbox's expired card
    day = "1er" if expired_on.day == 1 else str(expired_on.day)
    month = FR["months"].split()[expired_on.month - 1]
    library = "departementale" if card.startswith("MD") else "mediatheque-fm"
    for _ in range(7):  # more than attempts_per_card (5)
        answer = sign_in(browsers, card, pin)
        assert answer.status_code == 403
        message = message_of(answer)
        assert said.format(date=f"{day} {month} {expired_on.year}") in message
        assert f"accueil@{library}.example" in message  # [libraries.ID] contact
    assert message_of(sign_in(browsers, card, "9876")) == FR["refused"]  # not locked out


def test_an_ils_answer_without_cq_is_a_refusal_and_a_silent_ils_is_unavailable(
        browsers: Browsers, sandbox: SandboxServer) -> None:
    sandbox.faults.inject("mediatheque-fm", "missing-cq", target="sip2")
    assert sign_in(browsers, "FM000001", "1234").status_code == 401
    sandbox.faults.clear()
    sandbox.faults.inject("mediatheque-fm", "timeout", target="sip2", seconds=5)
    silent = sign_in(browsers, "FM000001", "1234")
    assert silent.status_code == 503 and "ne répond pas" in silent.text
