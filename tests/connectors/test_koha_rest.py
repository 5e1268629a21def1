"""The koha-rest availability provider: Koha's items read right, over real HTTP to the
sandbox's Koha REST API, and every failure an error that names the library, never a secret."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import respx

from catalogue_sync.availability.provider import ItemStatus
from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import ConfigError, SourceProtocolError, SourceUnavailable
from catalogue_sync.models import Flavour, Item
from connectors import koha_rest, registry
from connectors.koha_rest import KohaRestProvider, koha_item
from services.sandbox import SandboxNetwork
from services.sandbox.circulation import koha_items
from services.sandbox.koha_api import (
    API_PASSWORD,
    API_USER,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
)
from services.sandbox.testing import SandboxServer, run_sandbox
from services.serving import free_port

FIXTURE = Path(__file__).parents[1] / "fixtures" / "koha" / "biblio_items.json"
LIBRARY = "mediatheque-fm"
PASSWORD_ENV = "TEST_KOHA_PASSWORD"
T = TypeVar("T")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=5, total_records=150)) as server:
        yield server


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: SandboxServer) -> Iterator[None]:
    yield
    sandbox.faults.clear()


def library(url: str, **options: Any) -> LibraryConfig:
    settings = {"url": url, "user": API_USER, "password_env": PASSWORD_ENV, **options}
    return LibraryConfig.model_validate({
        "id": LIBRARY, "name": "Médiathèque", "flavour": Flavour.UNIMARC,
        "connector": {"type": "oai-pmh", "url": "http://ils.invalid/oai"},
        "availability": {"type": "koha-rest", **settings}})


def ask(config: LibraryConfig, local_ids: list[str]) -> dict[str, list[Item]]:
    return run(lambda client: registry.build_provider(config, client).items(local_ids))


def run(call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient() as client:
            return await call(client)
    return asyncio.run(main())


def live_ids(sandbox: SandboxServer, count: int) -> list[str]:
    cat = sandbox.network.catalogue(LIBRARY)
    return [cat.library.local_id(i) for i in range(cat.count) if not cat.deleted[i]][:count]


# -- Koha's items read right ---------------------------------------------------------------


def test_each_koha_status_becomes_the_status_a_patron_reads() -> None:
    items = [koha_item(entry) for entry in json.loads(FIXTURE.read_text())]
    assert [(item.status, item.due_date) for item in items] == [
        ("available", None),
        ("on-loan", "2026-12-09"),
        ("not-for-loan", None),
        ("on-order", None),
        ("lost", None),
        ("withdrawn", None),
        ("available", None),       # damaged copies are still lent
        ("not-for-loan", None),    # through its item type
        ("withdrawn", None),       # withdrawn outranks a loan
    ]
    first = items[0]
    assert (first.barcode, first.call_number, first.location, first.branch, first.doc_type) == (
        "1000045120", "R HUG", "ADULTE", "FM", "LIV")
    assert items[3].location is None
    assert items[6].branch == "FM-JEUNESSE"   # the home library, not where it sits now
    assert items[7].doc_type == "REF"


def test_the_provider_reads_the_sandbox_items_of_each_record(sandbox: SandboxServer) -> None:
    ids = live_ids(sandbox, 12)
    found = ask(library(sandbox.api_url(LIBRARY)), ids)
    cat = sandbox.network.catalogue(LIBRARY)
    assert list(found) == ids
    for local_id in ids:
        expected = koha_items(cat, cat.find(local_id) or 0, local_id, datetime.now(UTC))
        assert [item.barcode for item in found[local_id]] == [
            entry["external_id"] for entry in expected]
        assert [item.call_number for item in found[local_id]] == [
            copy.call_number for copy in cat.copies(cat.find(local_id) or 0)]
        assert all(item.status in set(ItemStatus) for item in found[local_id])


def test_every_page_of_a_record_s_items_is_read(sandbox: SandboxServer) -> None:
    cat = sandbox.network.catalogue(LIBRARY)
    index = next(i for i in range(cat.count) if len(cat.copies(i)) > 1 and not cat.deleted[i])
    local_id = cat.library.local_id(index)
    before = sandbox.requests.count(LIBRARY, "api")
    found = ask(library(sandbox.api_url(LIBRARY), page_size=1), [local_id])
    assert len(found[local_id]) == len(cat.copies(index))
    assert sandbox.requests.count(LIBRARY, "api") - before == len(cat.copies(index))


def test_a_record_koha_no_longer_has_has_no_items(sandbox: SandboxServer) -> None:
    cat = sandbox.network.catalogue(LIBRARY)
    deleted = next(cat.library.local_id(i) for i in range(cat.count) if cat.deleted[i])
    found = ask(library(sandbox.api_url(LIBRARY)), ["99999999", deleted])
    assert found == {"99999999": [], deleted: []}


def test_oauth2_client_credentials_sign_in_once(sandbox: SandboxServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KOHA_SECRET", OAUTH_CLIENT_SECRET)
    config = library(sandbox.api_url(LIBRARY), user=None, password_env=None,
                     client_id=OAUTH_CLIENT_ID, client_secret_env="TEST_KOHA_SECRET")
    ids = live_ids(sandbox, 3)
    before = sandbox.requests.count(LIBRARY, "api")
    assert list(ask(config, ids)) == ids
    assert list(ask(config, ids)) == ids
    # One token request, then one request per record each time.
    assert sandbox.requests.count(LIBRARY, "api") - before == 1 + 2 * len(ids)


# -- failures ------------------------------------------------------------------------------


def test_refused_credentials_are_a_protocol_error_without_the_password(
        sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    with pytest.raises(SourceProtocolError) as caught:
        ask(library(sandbox.api_url(LIBRARY)), live_ids(sandbox, 1))
    message = str(caught.value)
    assert f"[{LIBRARY}]" in message and "HTTP 401" in message and API_USER in message
    assert "not-the-password" not in message


def test_a_slow_ils_is_unavailable_after_its_timeout(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "timeout", seconds=5, target="api")
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        ask(library(sandbox.api_url(LIBRARY), timeout=0.3), live_ids(sandbox, 1))
    assert time.monotonic() - started < 2
    assert "no answer within 0.3 s" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


@pytest.mark.parametrize("kind", ["unavailable", "rate-limited", "server-error"])
def test_an_ils_that_is_down_is_unavailable(sandbox: SandboxServer, kind: str) -> None:
    sandbox.faults.inject(LIBRARY, kind, target="api")
    with pytest.raises(SourceUnavailable) as caught:
        ask(library(sandbox.api_url(LIBRARY)), live_ids(sandbox, 1))
    assert caught.value.library == LIBRARY


def test_a_refused_connection_is_unavailable() -> None:
    with pytest.raises(SourceUnavailable) as caught:
        ask(library(f"http://127.0.0.1:{free_port()}/api/v1"), ["1"])
    assert "cannot reach the ILS (ConnectError)" in str(caught.value)


def test_an_answer_that_is_not_json_is_a_protocol_error() -> None:
    # A proxy's HTML error page: the sandbox never sends one.
    url = "http://koha.invalid/api/v1"
    with respx.mock:
        respx.get(f"{url}/biblios/7/items").respond(200, html="<html>Maintenance</html>")
        with pytest.raises(SourceProtocolError, match="not JSON"):
            ask(library(url), ["7"])


def test_a_next_page_on_another_server_is_not_followed() -> None:
    # The credentials would go with it.
    url = "http://koha.invalid/api/v1"
    with respx.mock:
        respx.get(f"{url}/biblios/7/items").respond(
            200, json=json.loads(FIXTURE.read_text())[:1],
            headers={"Link": '<http://elsewhere.invalid/steal?_page=2>; rel="next"'})
        found = ask(library(url), ["7"])
    assert len(found["7"]) == 1


# -- configuration -------------------------------------------------------------------------


def test_options_are_checked_and_named() -> None:
    base = {"id": "bm", "name": "BM", "flavour": Flavour.MARC21,
            "connector": ConnectorConfig(type="oai-pmh", url="http://x/oai")}
    cases = {
        "libraries.bm.availability.url: Field required": {"type": "koha-rest"},
        "libraries.bm.availability.pasword_env: Extra inputs are not permitted": {
            "type": "koha-rest", "url": "http://x", "pasword_env": "X"},
        "libraries.bm.availability: user and password_env go together": {
            "type": "koha-rest", "url": "http://x", "user": "u"},
        "libraries.bm.availability.timeout: Input should be greater than 0": {
            "type": "koha-rest", "url": "http://x", "timeout": 0},
        "libraries.bm.availability.url: the API URL must not hold credentials": {
            "type": "koha-rest", "url": "https://api:s3cret@koha.example/api/v1"},
        "libraries.bm.availability.url: the API URL is an http or https URL": {
            "type": "koha-rest", "url": "koha.example/api/v1"},
    }
    for expected, table in cases.items():
        with pytest.raises(ConfigError) as caught:
            KohaRestProvider.parse_options(LibraryConfig.model_validate(
                {**base, "availability": table}))
        assert expected in str(caught.value)


def test_a_password_variable_that_is_not_set_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(ConfigError, match=f"availability: environment variable {PASSWORD_ENV}"):
        ask(library("http://koha.invalid/api/v1"), ["1"])


def test_a_not_for_loan_status_too_large_for_an_integer_is_not_for_loan() -> None:
    # JSON's 1e999 reads as infinity: int() raised an OverflowError out of the provider.
    entry = {**json.loads(FIXTURE.read_text())[0], "effective_not_for_loan_status": 1e999}
    assert koha_item(entry).status == "not-for-loan"


@pytest.mark.parametrize("expires_in", [[3600], {"s": 1}, "soon", "NaN", -5, True, 10**400])
def test_a_token_lifetime_that_is_no_number_is_an_hour(expires_in: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # float() of a list raised a TypeError, of "soon" a ValueError, of 10**400 an
    # OverflowError, out of the sign-in.
    monkeypatch.setenv("TEST_KOHA_SECRET", "s3cret")
    monkeypatch.setattr(koha_rest, "_TOKENS", {})  # no token of another test
    url = "http://koha.invalid/api/v1"
    config = library(url, user=None, password_env=None, client_id="cs",
                     client_secret_env="TEST_KOHA_SECRET")
    with respx.mock:
        respx.post(f"{url}/oauth/token").respond(
            200, json={"access_token": "t0k3n", "expires_in": expires_in})
        respx.get(f"{url}/biblios/7/items").respond(200, json=[])
        assert ask(config, ["7"]) == {"7": []}
        assert ask(config, ["7"]) == {"7": []}  # the token is kept: no second sign-in
        assert respx.calls.call_count == 3


@pytest.mark.parametrize("token", ["t0k€n", "two words", ""])
def test_an_access_token_no_header_can_carry_is_a_protocol_error(
        token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx raised a UnicodeEncodeError building the Authorization header of "t0k€n".
    monkeypatch.setenv("TEST_KOHA_SECRET", "s3cret")
    monkeypatch.setattr(koha_rest, "_TOKENS", {})
    url = "http://koha.invalid/api/v1"
    config = library(url, user=None, password_env=None, client_id="cs",
                     client_secret_env="TEST_KOHA_SECRET")
    with respx.mock:
        respx.post(f"{url}/oauth/token").respond(200, json={"access_token": token})
        with pytest.raises(SourceProtocolError, match="access_token is not one an HTTP header"):
            ask(config, ["7"])


def test_a_next_page_that_is_no_url_is_a_protocol_error() -> None:
    # httpx.InvalidURL came out of the provider.
    url = "http://koha.invalid/api/v1"
    with respx.mock:
        respx.get(f"{url}/biblios/7/items").respond(
            200, json=[], headers={"Link": '<http://koha.invalid:abc/x>; rel="next"'})
        with pytest.raises(SourceProtocolError, match="the Link header's next page is no URL"):
            ask(library(url), ["7"])
