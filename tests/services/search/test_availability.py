"""``GET /api/v1/records/{id}/availability`` over real HTTP: live statuses from the sandbox's
Koha REST APIs, the real Redis, and an ILS that fails never failing the answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import NetworkConfig
from catalogue_sync.merge.catalogue import clusters
from catalogue_sync.store import Store
from services.sandbox.config import PASSWORD_ENV
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import free_port, serve_on_loopback

LIVE = "mediatheque-fm"


@pytest.fixture(autouse=True)
def ils_password(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> Iterator[None]:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    yield
    sandbox.faults.clear()


@contextmanager
def serving(network: NetworkConfig, store: Store, cache: ResponseCache | None = None,
            **settings: Any) -> Iterator[str]:
    configured = network.model_copy(update={
        "availability": network.availability.model_copy(update=settings)})
    context = SearchContext(network=configured, store=store,
                            cache=cache or ResponseCache.off())
    with serve_on_loopback(create_app(context), health="/health", name="search") as url:
        yield url


def held_by(store: Store, library: str) -> str:
    return next(cluster["id"] for cluster in clusters(store)
                if library in {member["library"] for member in cluster["members"]})


def availability(url: str, merged_id: str, **options: Any) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/records/{merged_id}/availability", timeout=10, **options)


def live_holdings(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [holding for holding in body["holdings"] if holding["library"] == LIVE]


def test_the_record_page_gets_live_statuses_and_harvested_ones_with_their_date(
        merged_network: NetworkConfig, store: Store) -> None:
    merged_id = next(cluster["id"] for cluster in clusters(store)
                     if {LIVE, "reseau-agglo"} <= {m["library"] for m in cluster["members"]})
    with serving(merged_network, store) as url:
        response = availability(url, merged_id)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == merged_id
    for holding in body["holdings"]:
        if holding["library"] == LIVE:
            assert holding["source"] == "live" and holding["checked_at"]
        if holding["library"] == "reseau-agglo":
            assert (holding["source"], holding["reason"]) == ("harvested", "no-live-status")
            assert holding["harvested_at"]


def test_a_second_look_within_the_ttl_is_answered_from_redis(
        merged_network: NetworkConfig, store: Store, sandbox: SandboxServer,
        response_cache: ResponseCache) -> None:
    merged_id = held_by(store, LIVE)
    with serving(merged_network, store, response_cache) as url:
        first = availability(url, merged_id).json()
        asked = sandbox.requests.count(LIVE, "api")
        second = availability(url, merged_id).json()
    assert sandbox.requests.count(LIVE, "api") == asked
    assert {h["source"] for h in live_holdings(first)} == {"live"}
    assert {h["source"] for h in live_holdings(second)} == {"cached"}
    assert [h["items"] for h in live_holdings(second)] == [h["items"]
                                                           for h in live_holdings(first)]


@pytest.mark.parametrize("fault", [{"kind": "unavailable"}, {"kind": "server-error"},
                                   {"kind": "timeout", "seconds": 10}])
def test_an_ils_down_or_slow_shows_the_harvest_in_time_never_an_error(
        merged_network: NetworkConfig, store: Store, sandbox: SandboxServer,
        fault: dict[str, Any]) -> None:
    merged_id = held_by(store, LIVE)
    sandbox.faults.inject(LIVE, count=100, target="api", **fault)
    with serving(merged_network, store, deadline=0.8) as url:
        started = time.monotonic()
        response = availability(url, merged_id)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 0.8 + 0.5
    for holding in live_holdings(response.json()):
        assert holding["source"] == "harvested" and holding["harvested_at"]
        assert holding["reason"] in {"unavailable", "timeout"}


def test_with_redis_down_the_availability_still_answers(
        merged_network: NetworkConfig, store: Store) -> None:
    nowhere = ResponseCache(f"redis://127.0.0.1:{free_port()}/0", prefix="test-down")
    merged_id = held_by(store, LIVE)
    with serving(merged_network, store, nowhere) as url:
        responses = [availability(url, merged_id) for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert {h["source"] for r in responses for h in live_holdings(r.json())} == {"live"}
    nowhere.close()


def test_unknown_records_and_parameters_are_refused(merged_network: NetworkConfig,
                                                    store: Store) -> None:
    with serving(merged_network, store) as url:
        assert availability(url, "m000000000000").status_code == 404
        assert availability(url, "not an id!").status_code == 404
        refused = availability(url, held_by(store, LIVE), params={"fresh": "1"})
    assert refused.status_code == 400 and "fresh" in refused.json()["detail"]


def test_the_endpoint_is_in_the_openapi(merged_network: NetworkConfig, store: Store) -> None:
    with serving(merged_network, store) as url:
        schema = httpx.get(f"{url}/openapi.json").json()
    path = schema["paths"]["/api/v1/records/{record_id}/availability"]["get"]
    assert {"200", "404", "410"} <= set(path["responses"])
