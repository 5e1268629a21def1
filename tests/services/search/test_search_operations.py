"""The search service's readiness, metrics and request ids in its logs, over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import NetworkConfig
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.store import Store
from services.logs import JsonFormatter, RequestIdFilter
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback


@pytest.fixture
def without_redis_url(merged_network: NetworkConfig, store: Store, searcher: Searcher
                      ) -> Iterator[str]:
    """The indexed search service whose cache's Redis is at a port nobody listens on."""
    cache = ResponseCache("redis://127.0.0.1:1", prefix="ops-test")
    context = SearchContext(network=merged_network, store=store, searcher=searcher,
                            cache=cache)
    with serve_on_loopback(create_app(context), health="/healthz", name="search") as url:
        yield url
    cache.close()


def test_readyz_checks_the_store_and_the_index(indexed_url: str, search_url: str) -> None:
    ready = httpx.get(f"{indexed_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready",
                            "checks": {"store": "ok", "index": "ok", "redis": "ok"}}
    without_index = httpx.get(f"{search_url}/readyz")
    assert without_index.status_code == 503
    assert without_index.json()["checks"]["index"].startswith("failed: no search index")


def test_an_unreachable_cache_is_reported_but_searches_go_on(without_redis_url: str) -> None:
    answer = httpx.get(f"{without_redis_url}/readyz")
    assert answer.status_code == 200  # the cache is optional: searches answer without it
    assert answer.json()["checks"]["redis"] == (
        "failed: Redis at redis://127.0.0.1:1 does not answer")


def test_metrics_time_searches_by_route(without_redis_url: str) -> None:
    for query in ("a", "b"):
        assert httpx.get(f"{without_redis_url}/api/v1/search", params={"q": query}
                         ).status_code == 200
    exposition = httpx.get(f"{without_redis_url}/metrics").text
    found = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
             for family in text_string_to_metric_families(exposition)
             for sample in family.samples}
    route = ("route", "/api/v1/search")
    assert found[("catalogue_sync_search_duration_seconds_count", (route,))] == 2
    assert found[("http_requests_total", (("method", "GET"), route, ("status", "200")))] == 2


def test_log_lines_carry_the_request_id_and_format_as_json(
        without_redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="services.operations"):
        answer = httpx.get(f"{without_redis_url}/readyz", headers={"X-Request-ID": "probe-7"})
    assert answer.headers["X-Request-ID"] == "probe-7"
    record = next(record for record in caplog.records if record.name == "services.operations")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "probe-7"
    assert line["level"] == "WARNING"
    assert line["logger"] == "services.operations"
    assert line["check"] == "redis"
    assert "does not answer" in line["message"]
    assert line["time"].endswith("+00:00")
