"""The sandbox's Koha REST API: items as Koha lists them, statuses that move with time,
sign-in as Koha asks for it, faults aimed at the API alone, and requests counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import load_network
from connectors import registry
from services.sandbox import SandboxNetwork
from services.sandbox.circulation import PERIOD, koha_items
from services.sandbox.config import PASSWORD_ENV, network_toml
from services.sandbox.koha_api import (
    API_PASSWORD,
    API_USER,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
)
from services.sandbox.testing import SandboxServer, run_sandbox

LIBRARY = "departementale"
AUTH = (API_USER, API_PASSWORD)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=17, total_records=400)) as running:
        yield running


@pytest.fixture
def sandbox(server: SandboxServer) -> Iterator[SandboxServer]:
    server.faults.clear()
    yield server
    server.faults.clear()


def items_url(sandbox: SandboxServer, local_id: str, library: str = LIBRARY) -> str:
    return f"{sandbox.api_url(library)}/biblios/{local_id}/items"


def a_record(sandbox: SandboxServer, copies: int = 1, library: str = LIBRARY) -> str:
    cat = sandbox.network.catalogue(library)
    index = next(i for i in range(cat.count)
                 if not cat.deleted[i] and len(cat.copies(i)) >= copies)
    return cat.library.local_id(index)


def test_items_are_the_record_s_holdings_in_koha_s_shape(sandbox: SandboxServer) -> None:
    local_id = a_record(sandbox)
    response = httpx.get(items_url(sandbox, local_id), auth=AUTH)
    assert response.status_code == 200
    cat = sandbox.network.catalogue(LIBRARY)
    copies = cat.copies(cat.find(local_id) or 0)
    items = response.json()
    assert response.headers["X-Total-Count"] == str(len(copies))
    assert [item["external_id"] for item in items] == [copy.barcode for copy in copies]
    assert [item["callnumber"] for item in items] == [copy.call_number for copy in copies]
    assert {item["biblio_id"] for item in items} == {int(local_id)}
    assert {"item_id", "home_library_id", "not_for_loan_status", "lost_status", "withdrawn",
            "checked_out_date", "location", "item_type_id"} <= set(items[0])


def test_pages_follow_koha_s_parameters_and_link_header(sandbox: SandboxServer) -> None:
    local_id = a_record(sandbox, copies=2)
    first = httpx.get(items_url(sandbox, local_id), auth=AUTH, params={"_per_page": 1})
    assert len(first.json()) == 1
    second = httpx.get(first.links["next"]["url"], auth=AUTH)
    assert second.json()[0]["copy_number"] == "2"
    everything = httpx.get(items_url(sandbox, local_id), auth=AUTH, params={"_per_page": -1})
    assert len(everything.json()) == int(first.headers["X-Total-Count"])


def test_the_api_wants_its_user_or_a_token(sandbox: SandboxServer) -> None:
    url = items_url(sandbox, a_record(sandbox))
    assert httpx.get(url).status_code == 401
    refused = httpx.get(url, auth=(API_USER, "wrong"))
    assert (refused.status_code, refused.json()) == (401, {"error": "Authentication failure."})
    token = httpx.post(f"{sandbox.api_url(LIBRARY)}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": OAUTH_CLIENT_ID,
        "client_secret": OAUTH_CLIENT_SECRET}).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    signed = httpx.get(url, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert signed.status_code == 200
    wrong_secret = httpx.post(f"{sandbox.api_url(LIBRARY)}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": OAUTH_CLIENT_ID,
        "client_secret": "guess"})
    assert wrong_secret.status_code == 403


def test_records_the_library_does_not_have_are_not_found(sandbox: SandboxServer) -> None:
    deleted = sandbox.network.tick(LIBRARY, changed=0, deleted=1).deleted[0]
    for local_id in ("1", deleted):
        response = httpx.get(items_url(sandbox, local_id), auth=AUTH)
        assert (response.status_code, response.json()) == (404, {"error": "Biblio not found"})


def test_an_ils_without_a_rest_api_has_none(sandbox: SandboxServer) -> None:
    local_id = a_record(sandbox, library="centre-doc")
    response = httpx.get(items_url(sandbox, local_id, "centre-doc"), auth=AUTH)
    assert response.status_code == 404


def test_statuses_move_with_time_and_hold_within_a_period(sandbox: SandboxServer) -> None:
    cat = sandbox.network.catalogue(LIBRARY)
    live = [i for i in range(cat.count) if not cat.deleted[i]]
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    start = now.replace(minute=0)

    def statuses(at: datetime) -> list[tuple[object, ...]]:
        return [(item["external_id"], item["checked_out_date"], item["lost_status"])
                for i in live for item in koha_items(cat, i, cat.library.local_id(i), at)]

    assert statuses(start) == statuses(start + timedelta(seconds=PERIOD - 1))
    later = statuses(start + timedelta(seconds=PERIOD))
    assert later != statuses(start)
    assert [status[0] for status in later] == [status[0] for status in statuses(start)]


def test_every_status_kind_occurs_in_the_network(sandbox: SandboxServer) -> None:
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    kinds: Counter[str] = Counter()
    for cat in sandbox.network.catalogues.values():
        for i in range(cat.count):
            for item in koha_items(cat, i, cat.library.local_id(i), now):
                kinds[_kind(item)] += 1
    assert set(kinds) == {"available", "on-loan", "not-for-loan", "on-order", "lost",
                          "withdrawn"}
    assert kinds["available"] > kinds["on-loan"] > kinds["lost"]


def _kind(item: dict[str, object]) -> str:
    if item["withdrawn"]:
        return "withdrawn"
    if item["lost_status"]:
        return "lost"
    if item["checked_out_date"]:
        return "on-loan"
    not_for_loan = item["not_for_loan_status"]
    assert isinstance(not_for_loan, int)
    return "on-order" if not_for_loan < 0 else "not-for-loan" if not_for_loan else "available"


def test_faults_aimed_at_the_api_leave_oai_alone(sandbox: SandboxServer) -> None:
    url = items_url(sandbox, a_record(sandbox))
    sandbox.faults.inject(LIBRARY, "unavailable", target="api", retry_after=7)
    oai = httpx.get(sandbox.oai_url(LIBRARY), params={"verb": "Identify"})
    assert oai.status_code == 200
    down = httpx.get(url, auth=AUTH)
    assert (down.status_code, down.headers["Retry-After"]) == (503, "7")
    assert httpx.get(url, auth=AUTH).status_code == 200


def test_a_fault_is_aimed_at_the_api_over_http_too(sandbox: SandboxServer) -> None:
    created = httpx.post(f"{sandbox.base_url}/_faults", json={
        "kind": "server-error", "library": LIBRARY, "target": "api"})
    assert (created.status_code, created.json()["target"]) == (201, "api")
    assert httpx.get(items_url(sandbox, a_record(sandbox)), auth=AUTH).status_code == 500


def test_a_fault_aimed_at_oai_leaves_the_api_alone(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "server-error", target="oai")
    assert httpx.get(items_url(sandbox, a_record(sandbox)), auth=AUTH).status_code == 200
    assert httpx.get(sandbox.oai_url(LIBRARY), params={"verb": "Identify"}).status_code == 500


def test_a_slow_api_waits_before_answering(sandbox: SandboxServer) -> None:
    sandbox.faults.inject(LIBRARY, "timeout", seconds=5, target="api")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(items_url(sandbox, a_record(sandbox)), auth=AUTH, timeout=0.3)


def test_requests_are_counted_by_library_and_kind(sandbox: SandboxServer) -> None:
    before = sandbox.requests.count(LIBRARY, "api")
    httpx.get(items_url(sandbox, a_record(sandbox)), auth=AUTH)
    httpx.get(items_url(sandbox, a_record(sandbox)))
    assert sandbox.requests.count(LIBRARY, "api") == before + 2
    counted = httpx.get(f"{sandbox.base_url}/_requests").json()
    assert counted[LIBRARY]["api"] == before + 2


def test_network_toml_gives_live_availability_to_the_koha_libraries(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text(network_toml("http://127.0.0.1:8100", SandboxNetwork(total_records=50)),
                    encoding="utf-8")
    network = load_network(path)
    registry.validate(network)
    live = {lib.id: lib.availability for lib in network.libraries.values() if lib.availability}
    assert set(live) == {"mediatheque-fm", "departementale", "ludotheque"}
    fm = live["mediatheque-fm"]
    assert fm is not None and fm.type == "koha-rest"
    assert fm.options == {"url": "http://127.0.0.1:8100/mediatheque-fm/api/v1",
                          "user": API_USER, "password_env": PASSWORD_ENV, "timeout": 2.0}
    assert API_PASSWORD not in path.read_text()
