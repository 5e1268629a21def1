"""The koha-rest patron directory over real HTTP to the sandbox's Koha REST API (password
validation, then the patron), respx only to inject the answers the sandbox never gives."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import respx

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import (
    ConfigError,
    SourceError,
    SourceProtocolError,
    SourceUnavailable,
)
from catalogue_sync.models import Flavour
from catalogue_sync.patrons import PatronCheck
from connectors import registry
from connectors.koha_patrons import KohaPatronDirectory
from services.sandbox import SandboxNetwork
from services.sandbox.koha_api import API_PASSWORD, API_USER, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from services.sandbox.patrons import find_patron
from services.sandbox.testing import SandboxServer, run_sandbox
from services.serving import free_port

pytestmark = pytest.mark.anyio
LIBRARY = "departementale"
PASSWORD_ENV = "TEST_KOHA_PATRONS_PASSWORD"
FAKE = "http://koha.invalid/api/v1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=9, total_records=60), sip2=False) as server:
        yield server


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: SandboxServer) -> Iterator[None]:
    yield
    sandbox.faults.clear()


def library(url: str, library_id: str = LIBRARY, **options: Any) -> LibraryConfig:
    settings = {"url": url, "user": API_USER, "password_env": PASSWORD_ENV, **options}
    return LibraryConfig.model_validate({
        "id": library_id, "name": "Médiathèque départementale", "flavour": Flavour.MARC21,
        "connector": {"type": "oai-pmh", "url": "http://ils.invalid/oai"},
        "patrons": {"type": "koha-rest", "card_prefixes": ["MD"], **settings}})


async def check(config: LibraryConfig, card: str, pin: str) -> PatronCheck:
    async with httpx.AsyncClient() as client:
        return await registry.build_directory(config, client).check(card, pin)


@pytest.mark.parametrize(("card", "pin", "verdict"), [
    ("MD000001", "1234", PatronCheck.accept("ADULTE")),
    ("MD000002", "2468", PatronCheck.accept("JEUNE")),
    ("MD000001", "9999", PatronCheck.refuse("wrong-pin")),
    ("MD999999", "1234", PatronCheck.refuse("wrong-pin")),   # Koha does not tell which
    ("MD000003", "1111", PatronCheck.refuse("expired", date.today() - timedelta(days=365))),
    ("MD000004", "0000", PatronCheck.refuse("lost")),        # card reported lost
    ("MD000005", "4321", PatronCheck.accept("ADULTE")),      # debarred: loans only
    ("MD000001", "", PatronCheck.refuse("wrong-pin")),
])
async def test_koha_s_verdict_on_the_sandbox_patrons(sandbox: SandboxServer, card: str,
                                                     pin: str, verdict: PatronCheck) -> None:
    assert await check(library(sandbox.api_url(LIBRARY)), card, pin) == verdict


async def test_restricted_patrons_are_refused_when_configured(sandbox: SandboxServer) -> None:
    config = library(sandbox.api_url(LIBRARY), refuse_restricted=True)
    assert await check(config, "MD000005", "4321") == PatronCheck.refuse("blocked")


async def test_oauth2_client_credentials_work_too(sandbox: SandboxServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KOHA_PATRONS_SECRET", OAUTH_CLIENT_SECRET)
    config = library(sandbox.api_url(LIBRARY), user=None, password_env=None,
                     client_id=OAUTH_CLIENT_ID, client_secret_env="TEST_KOHA_PATRONS_SECRET")
    assert await check(config, "MD000002", "2468") == PatronCheck.accept("JEUNE")


async def failure(config: LibraryConfig, card: str = "MD000001",
                  pin: str = "1234") -> SourceError:
    with pytest.raises(SourceError) as caught:
        await check(config, card, pin)
    return caught.value


async def test_refused_api_credentials_are_a_protocol_error(
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-api-password")
    error = await failure(library(sandbox.api_url(LIBRARY)))
    assert isinstance(error, SourceProtocolError) and error.code == "401"
    assert "permissions (borrowers, password validation)" in str(error)
    assert "not-the-api-password" not in str(error)


async def test_a_slow_koha_is_unavailable_after_the_timeout(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "timeout", seconds=5, target="api")
    error = await failure(library(sandbox.api_url(LIBRARY), timeout=0.3))
    assert isinstance(error, SourceUnavailable) and "no answer within 0.3 s" in str(error)


async def test_a_koha_that_is_down_or_unreachable_is_unavailable(
        sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "unavailable", target="api")
    assert isinstance(await failure(library(sandbox.api_url(LIBRARY))), SourceUnavailable)
    refused = await failure(library(f"http://127.0.0.1:{free_port()}/api/v1"))
    assert "cannot reach the ILS (ConnectError)" in str(refused)


async def test_an_ils_without_the_api_is_a_protocol_error(sandbox: SandboxServer) -> None:
    error = await failure(library(sandbox.api_url("reseau-agglo"), "reseau-agglo"))
    assert isinstance(error, SourceProtocolError) and error.code == "404"


@respx.mock
async def test_a_validation_without_patron_id_is_a_protocol_error() -> None:
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"cardnumber": "x"})
    error = await failure(library(FAKE))
    assert isinstance(error, SourceProtocolError) and "no patron_id" in str(error)


@respx.mock
async def test_a_patron_without_category_is_an_incomplete_answer() -> None:
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"patron_id": 42})
    respx.get(f"{FAKE}/patrons/42").respond(200, json={"patron_id": 42, "expiry_date": None})
    assert await check(library(FAKE), "MD000001", "1234") == PatronCheck.refuse(
        "incomplete-answer")


@pytest.mark.parametrize(("patron", "verdict"), [
    ({"category_id": "ADULTE", "patron_card_lost": True}, PatronCheck.refuse("lost")),
    ({"category_id": "ADULTE", "lost": True}, PatronCheck.accept("ADULTE")),  # not Koha's
    ({"category_id": "ADULTE", "expired": True, "expiry_date": "2099-01-31"},
     PatronCheck.refuse("expired", date(2099, 1, 31))),  # Koha's own word wins
    ({"category_id": "ADULTE", "expiry_date": "2020-06-30"},
     PatronCheck.refuse("expired", date(2020, 6, 30))),  # Koha before 24.05: no "expired"
])
@respx.mock
async def test_lost_and_expired_are_read_from_koha_s_own_fields(
        patron: dict[str, Any], verdict: PatronCheck) -> None:
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"patron_id": 42})
    respx.get(f"{FAKE}/patrons/42").respond(200, json={"patron_id": 42, **patron})
    assert await check(library(FAKE), "MD000001", "1234") == verdict


@respx.mock
async def test_a_patron_gone_between_the_two_requests_is_an_unknown_card() -> None:
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"patron_id": 42})
    respx.get(f"{FAKE}/patrons/42").respond(404, json={"error": "Patron not found"})
    assert await check(library(FAKE), "MD000001", "1234") == PatronCheck.refuse(
        "unknown-card")


@respx.mock
async def test_errors_name_the_endpoint_not_the_patron(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"patron_id": 4242})
    respx.get(f"{FAKE}/patrons/4242").respond(
        200, json={"category_id": "ADULTE", "expiry_date": "31/12/2030"})
    error = await failure(library(FAKE), "CARD-SECRET-9", "PIN-SECRET-9")
    assert "/patrons/{patron_id}" in str(error) and "expiry_date is not a date" in str(error)
    assert "4242" not in str(error) and "4242" not in repr(error)
    # httpx itself logs each URL at INFO (the patron's id too): never the card or PIN,
    # which travel in the JSON body.
    for text in (str(error), repr(error), caplog.text):
        assert "CARD-SECRET-9" not in text and "PIN-SECRET-9" not in text


async def test_no_card_or_pin_in_errors_or_logs(sandbox: SandboxServer,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.faults.inject(LIBRARY, "server-error", target="api")
    error = await failure(library(sandbox.api_url(LIBRARY)), "CARD-SECRET-7", "PIN-SECRET-7")
    await check(library(sandbox.api_url(LIBRARY)), "CARD-SECRET-7", "PIN-SECRET-7")
    for text in (str(error), repr(error), str(error.__cause__), caplog.text):
        assert "CARD-SECRET-7" not in text and "PIN-SECRET-7" not in text


def test_options_are_checked_and_named() -> None:
    base = {"id": "bm", "name": "BM", "flavour": Flavour.MARC21,
            "connector": ConnectorConfig(type="oai-pmh", url="http://x/oai")}
    cases = {
        "libraries.bm.patrons.url: Field required": {"type": "koha-rest"},
        "libraries.bm.patrons.refuse_restriced: Extra inputs are not permitted": {
            "type": "koha-rest", "url": "http://x", "refuse_restriced": True},
        "libraries.bm.patrons: client_id and client_secret_env go together": {
            "type": "koha-rest", "url": "http://x", "client_id": "c"},
        "libraries.bm.patrons.url: the API URL must not hold credentials": {
            "type": "koha-rest", "url": "https://api:s3cret@koha.example/api/v1"},
        "libraries.bm.patrons.timeout: Input should be less than or equal to 60": {
            "type": "koha-rest", "url": "http://x", "timeout": 600},
    }
    for expected, table in cases.items():
        with pytest.raises(ConfigError) as caught:
            registry.validate_library(LibraryConfig.model_validate({**base, "patrons": table}))
        assert expected in str(caught.value)
        assert "s3cret" not in str(caught.value)


def test_a_password_variable_that_is_not_set_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(ConfigError, match=f"patrons: environment variable {PASSWORD_ENV}"):
        KohaPatronDirectory(library(FAKE), httpx.AsyncClient())


def test_dates_in_the_fixture_patrons_follow_today() -> None:
    # The sandbox's expired card expired a year ago, whatever the day the tests run.
    expired = find_patron(LIBRARY, "MD000003")
    assert expired is not None and expired.expires <= date.today() - timedelta(days=300)


@pytest.mark.parametrize(("patron_id", "path"), [
    ("42\b", "/patrons/42%08"), ("../../admin", "/patrons/..%2F..%2Fadmin")])
@respx.mock
async def test_the_validation_s_patron_id_never_steers_the_patron_request(
        patron_id: str, path: str) -> None:
    # A control character in it was an httpx.InvalidURL, a slash changed the path asked for.
    respx.post(f"{FAKE}/auth/password/validation").respond(201, json={"patron_id": patron_id})
    patron = respx.get(url__eq=f"{FAKE}{path}").respond(200, json={"category_id": "ADULTE"})
    assert await check(library(FAKE), "MD000001", "1234") == PatronCheck.accept("ADULTE")
    assert patron.called
