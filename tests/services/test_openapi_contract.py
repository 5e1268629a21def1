"""The published OpenAPI documents and the answers agree: schemathesis, every check, on the
search service (its JSON API, SUSHI, OAI-PMH, SRU, operations) and on the gateway (the
vendors' API), over loopback servers with a real Redis and a small real store.

Each app is run by schemathesis's own engine (what ``schemathesis run -c all`` does: the
examples, coverage, fuzzing and stateful phases) with a fixed seed and a bounded number of
examples, so that a run is the same every time. A failure names the operation, the check,
the status and the request, to be replayed with httpx.

The one thing an OpenAPI document cannot say is a rule between two parameters: ``year_from``
not after ``year_to``, ``end_date`` not before ``begin_date``. Their descriptions say it;
``follows_documented_order`` keeps the requests meant to be valid to it, as a client that
read the descriptions would (requests meant to be invalid are left as generated).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import LibraryConfig, NetworkConfig, Settings
from catalogue_sync.gateway import vendors
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from connectors import registry
from services.gateway.app import create_app as gateway_app
from services.gateway.context import GatewayContext
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import run_sandbox
from services.search.app import create_app as search_app
from services.search.context import SearchContext
from services.search.sushi import KEYS_ENV
from services.serving import serve_on_loopback
from tests.catalogue_sync.test_stats_territory import add
from tests.conftest import REDIS_URL
from tests.services.gateway.conftest import KEYS, SIGNING_KEY, gateway_network

SUSHI_KEY = "k-contract-5f1e9a7c3b2d4e6f"
SEED = 20261208
EXAMPLES = 10
"""Examples per operation and phase: the whole module runs in well under a minute."""
ORDERED = (("year_from", "year_to"), ("begin_date", "end_date"))
"""Parameters whose values must not be in decreasing order (their descriptions say so)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One check that failed on one request."""

    phase: str
    operation: str
    check: str
    status: int | None
    request: str
    title: str

    def __str__(self) -> str:
        return (f"{self.operation}: {self.check} ({self.title}), {self.status} for "
                f"{self.request} [{self.phase}]")


def follows_documented_order(context: Any, case: Any) -> bool:
    """A request meant to be valid keeps each ``ORDERED`` pair in order."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    query = case.query or {}
    return all(str(query[low])[:7] <= str(query[high])[:7] if isinstance(query[low], str)
               else query[low] <= query[high]
               for low, high in ORDERED if query.get(low) is not None
               and query.get(high) is not None)


@dataclass(slots=True)
class Run:
    """What a run found, and the statuses each operation answered."""

    findings: list[Finding]
    statuses: dict[str, set[int]]

    def assert_agreement(self) -> None:
        distinct = list(dict.fromkeys(str(finding) for finding in self.findings))
        assert not distinct, "\n".join(distinct[:20])

    def answered(self, operation: str) -> set[int]:
        return self.statuses.get(operation, set())


def run_schemathesis(base_url: str, **options: Any) -> Run:
    """Every check of schemathesis on the app at ``base_url``."""
    config = schemathesis.Config.from_dict({
        "seed": SEED, "workers": 1,
        "generation": {"max-examples": EXAMPLES, "deterministic": True}, **options})
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    schema.hook("filter_case")(follows_documented_order)
    run = Run([], {})
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run.findings += _failures(event)
            run.statuses.setdefault(event.label or "", set()).update(
                interaction.response.status_code
                for interaction in event.recorder.interactions.values() if interaction.response)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            run.findings.append(Finding("engine", getattr(event, "label", ""), "engine error",
                                        None, "", str(getattr(event, "value", event))))
    return run


def _failures(event: events.ScenarioFinished) -> list[Finding]:
    recorder, found = event.recorder, []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE:
                continue
            interaction = recorder.interactions.get(case_id)
            request = interaction.request if interaction else None
            response = interaction.response if interaction else None
            found.append(Finding(
                event.phase.value, event.label or "", check.name,
                response.status_code if response else None,
                f"{request.method} {request.uri}" if request else "",
                check.failure_info.failure.title if check.failure_info else ""))
    return found


# The search service: a small sandbox harvested, merged and indexed, March's usage for SUSHI


def sandbox_network(base_url: str, libraries: Any, store_url: str) -> NetworkConfig:
    tables = {}
    for library in libraries:
        data = library_table(base_url, library).unwrap()
        data["connector"] = {**data["connector"], "backoff": 0.01, "max_retries": 3}
        tables[library.id] = LibraryConfig(id=library.id, **data)
    return NetworkConfig.model_validate({
        "storage": {"url": store_url}, "libraries": tables,
        "vendors": {"lirenligne": {"name": "Lire en ligne", "access": "api"}},
        "resources": {"films": {"vendor": "lirenligne", "name": "Films en ligne",
                                "kind": "video", "url": "https://films.example/"}}})


def harvested_catalogue(store: Store, index_path: Path) -> tuple[NetworkConfig, Searcher]:
    with run_sandbox(SandboxNetwork(seed=11, total_records=60), page_size=100) as sandbox:
        network = sandbox_network(sandbox.base_url, sandbox.network.libraries, store.url)

        async def harvest() -> None:
            async with httpx.AsyncClient() as client:
                outcomes = await harvest_libraries(
                    store, list(network.libraries.values()),
                    lambda library: registry.build(library, client))
            assert all(outcome.ok for outcome in outcomes), outcomes

        asyncio.run(harvest())
    merge(store, network)
    index = CatalogueIndex(index_path, writer_memory_mb=32)
    index.update(store)
    add(store, next(iter(network.libraries)), "abcdefg")
    return network, Searcher(index)


@pytest.fixture
def search_url(tmp_path: Path, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[str]:
    monkeypatch.setenv(KEYS_ENV, SUSHI_KEY)
    store = Store(f"sqlite:///{tmp_path / 'catalogue.db'}")
    store.create_schema()
    network, searcher = harvested_catalogue(store, tmp_path / "index")
    cache = ResponseCache(REDIS_URL, prefix=redis_prefix, ttl=60)
    context = SearchContext(network=network, store=store, searcher=searcher, cache=cache)
    try:
        with serve_on_loopback(search_app(context), health="/health", name="search") as url:
            yield url
    finally:
        cache.close()
        store.close()


def test_the_search_service_answers_as_its_openapi_says(search_url: str) -> None:
    run = run_schemathesis(search_url, parameters={"api_key": SUSHI_KEY})
    run.assert_agreement()
    for operation in ("GET /api/v1/search", "GET /sushi/r5/reports/pr", "POST /oai", "GET /sru"):
        assert 200 in run.answered(operation), (operation, run.answered(operation))


# The gateway: the vendors' API with a key of filmo's and a patron who opened its resource


@pytest.fixture
def gateway_url(tmp_path: Path, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[tuple[str, str]]:
    """The gateway's URL, and filmo's API key."""
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    network = gateway_network(redis_prefix)
    settings = Settings(redis_url=None, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")
    context = GatewayContext.open(network, settings, keys=KEYS)
    key = vendors.create_key(context.store, network, "filmo")
    try:
        with serve_on_loopback(gateway_app(context), health="/health", name="gateway") as url:
            yield url, key.secret_text
    finally:
        vendors.audit_trail(context.store).flush()
        context.redis.close()
        context.store.close()


def test_the_gateway_answers_as_its_openapi_says(gateway_url: tuple[str, str]) -> None:
    url, key = gateway_url
    auth = {"openapi": {"HTTPBearer": {"bearer": key}}}
    run = run_schemathesis(url, auth=auth)
    run.assert_agreement()
    assert {200, 401} <= run.answered("GET /api/v1/resources")
    # A resource id drawn from its pattern is nobody's (404): once more with filmo's own.
    films = run_schemathesis(url, auth=auth, parameters={"resource": "films"})
    films.assert_agreement()
    assert {200, 400, 401} <= films.answered("GET /api/v1/entitlements/check")
