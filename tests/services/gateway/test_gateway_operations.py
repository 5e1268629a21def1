"""The gateway's health, readiness, metrics and request ids, over real HTTP and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalogue_sync.config import Settings
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.serving import serve_on_loopback
from tests.services.gateway.conftest import (
    KEYS,
    PATRONS,
    SIGNING_KEY,
    Browsers,
    gateway_network,
)

UNREACHABLE = "redis://127.0.0.1:1"


def samples(base_url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The exposition at /metrics, parsed: (sample name, labels) -> value."""
    answer = httpx.get(f"{base_url}/metrics")
    assert answer.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples}


def test_healthz_and_its_alias_answer_without_checking_anything(gateway_url: str) -> None:
    for path in ("/healthz", "/health"):
        assert httpx.get(f"{gateway_url}{path}").json() == {"status": "ok"}


def test_readyz_is_ready_when_the_store_and_redis_answer(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"store": "ok", "redis": "ok"}}


@pytest.fixture
def unreachable_redis_url(redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                          ) -> Iterator[str]:
    """The gateway with its Redis at a port nobody listens on."""
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    settings = Settings(redis_url=UNREACHABLE, database_url=f"sqlite:///{tmp_path / 'g.db'}")
    context = GatewayContext.open(gateway_network(redis_prefix), settings, keys=KEYS)
    try:
        with serve_on_loopback(create_app(context), health="/healthz", name="gateway") as url:
            yield url
    finally:
        context.redis.close()
        context.store.close()


def test_readyz_names_redis_when_it_does_not_answer(unreachable_redis_url: str) -> None:
    answer = httpx.get(f"{unreachable_redis_url}/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not ready"
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["redis"].startswith("failed: ")
    assert "127.0.0.1:1" in body["checks"]["redis"]
    # Liveness does not depend on Redis: the process still answers.
    assert httpx.get(f"{unreachable_redis_url}/healthz").status_code == 200


def test_metrics_count_sign_ins_by_outcome_and_requests_by_route(
        browsers: Browsers, gateway_url: str) -> None:
    browsers.signed_in("adult")
    stranger = browsers.new()
    stranger.get("/connexion")
    card, _pin = PATRONS["youth"]
    refused = stranger.post("/connexion?next=/pseudonyme-secret", data={
        "csrf": stranger.cookies["signin-csrf"], "carte": card, "code": "0000"})
    assert refused.status_code == 401

    found = samples(gateway_url)
    assert found[("gateway_sign_ins_total", frozenset({("outcome", "signed-in")}))] == 1
    assert found[("gateway_sign_ins_total", frozenset({("outcome", "refused")}))] == 1
    posted = frozenset({("method", "POST"), ("route", "/connexion"), ("status", "303")})
    assert found[("http_requests_total", posted)] == 1
    # Route templates only: no query string, no raw path reaches a label.
    assert not any("pseudonyme" in value for _, labels in found for _, value in labels)


def test_the_request_id_is_echoed_or_made(gateway_url: str) -> None:
    given = httpx.get(f"{gateway_url}/healthz", headers={"X-Request-ID": "lb-4f2a.7"})
    assert given.headers["X-Request-ID"] == "lb-4f2a.7"
    for unsafe in ("x" * 65, "two words", "é"):
        made = httpx.get(f"{gateway_url}/healthz",
                         headers={"X-Request-ID": unsafe.encode("utf-8")})
        assert len(made.headers["X-Request-ID"]) == 32
        assert made.headers["X-Request-ID"] != unsafe
