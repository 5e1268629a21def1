"""Availability: live statuses from the sandbox's Koha REST APIs, kept in the real Redis, and
the harvested statuses with their date whenever an ILS cannot answer in time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest
from availability_support import display_holding, network_of

from catalogue_sync.availability.service import (
    Availability,
    HoldingStatus,
    Reason,
    RecordAvailability,
    Source,
)
from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.models import Item
from catalogue_sync.store import Store
from connectors import registry
from connectors.koha_rest import koha_item
from services.sandbox.circulation import koha_items
from services.sandbox.config import PASSWORD_ENV
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer
from services.serving import free_port

LIVE = "mediatheque-fm"
"""A library on Koha with its REST API."""
HARVESTED_ONLY = "centre-doc"
"""A library whose ILS offers no live status."""


def availability(sandbox: SandboxServer, store: Store, cache: ResponseCache | None = None,
                 network: NetworkConfig | None = None, **settings: Any) -> Availability:
    return Availability(network or network_of(sandbox, store.url, **settings), store,
                        registry.build_provider, cache)


def ask(service: Availability, display: dict[str, Any], merged_id: str) -> RecordAvailability:
    return asyncio.run(service.for_record(display, merged_id))


def of(answer: RecordAvailability, library: str) -> list[HoldingStatus]:
    found = [holding for holding in answer.holdings if holding.library == library]
    assert found, f"{library} holds nothing in {answer.id}"
    return found


def sandbox_items(sandbox: SandboxServer, library: str, record: str, at: datetime
                  ) -> list[Item]:
    """The items the sandbox's Koha lists at ``at``, as the provider reads them."""
    cat = sandbox.network.catalogue(library)
    index = cat.find(record)
    assert index is not None
    return [koha_item(entry) for entry in koha_items(cat, index, record, at)]


def harvested_dates(store: Store, holdings: Sequence[HoldingStatus]) -> list[datetime]:
    found = []
    for holding in holdings:
        stored = store.get_record(holding.library, holding.record)
        assert stored is not None
        found.append(stored.harvested_at)
    return found


# -- live, cached ------------------------------------------------------------------------


def test_koha_libraries_answer_live_the_others_show_their_harvest(
        sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE, "reseau-agglo")
    answer = ask(availability(sandbox, store), display, merged_id)
    assert answer.id == merged_id
    assert [(h.library, h.record) for h in answer.holdings] == [
        (entry["library"], entry["record"]) for entry in display["holdings"]]
    for holding in of(answer, LIVE):
        assert holding.source is Source.LIVE and holding.reason is None
        assert holding.checked_at is not None and holding.harvested_at is None
        assert holding.items == sandbox_items(sandbox, LIVE, holding.record, holding.checked_at)
    agglo = of(answer, "reseau-agglo")
    assert {(h.source, h.reason) for h in agglo} == {(Source.HARVESTED, Reason.NO_LIVE_STATUS)}
    assert [h.harvested_at for h in agglo] == harvested_dates(store, agglo)
    harvested_items = {entry["record"]: entry["items"] for entry in display["holdings"]}
    assert all(len(h.items) == len(harvested_items[h.record]) for h in agglo)


def test_a_cached_answer_spares_the_ils_a_request(
        sandbox: SandboxServer, store: Store, response_cache: ResponseCache) -> None:
    merged_id, display = display_holding(store, LIVE)
    service = availability(sandbox, store, response_cache)
    first = ask(service, display, merged_id)
    asked = sandbox.requests.count(LIVE, "api")
    second = ask(availability(sandbox, store, response_cache), display, merged_id)
    assert sandbox.requests.count(LIVE, "api") == asked
    for before, after in zip(of(first, LIVE), of(second, LIVE), strict=True):
        assert (before.source, after.source) == (Source.LIVE, Source.CACHED)
        assert after.checked_at == before.checked_at and after.items == before.items


def test_a_cached_answer_expires_after_cache_ttl(
        sandbox: SandboxServer, store: Store, response_cache: ResponseCache) -> None:
    merged_id, display = display_holding(store, LIVE)
    ask(availability(sandbox, store, response_cache, cache_ttl=1), display, merged_id)
    time.sleep(1.2)
    again = ask(availability(sandbox, store, response_cache, cache_ttl=1), display, merged_id)
    assert {h.source for h in of(again, LIVE)} == {Source.LIVE}


def test_without_redis_every_answer_is_live(sandbox: SandboxServer, store: Store) -> None:
    nowhere = ResponseCache(f"redis://127.0.0.1:{free_port()}/0", prefix="test-down")
    merged_id, display = display_holding(store, LIVE)
    service = availability(sandbox, store, nowhere)
    started = time.monotonic()
    answers = [ask(service, display, merged_id) for _ in range(2)]
    assert time.monotonic() - started < 2
    assert all(h.source is Source.LIVE for answer in answers for h in of(answer, LIVE))
    nowhere.close()


# -- an ILS that cannot answer -----------------------------------------------------------


def test_an_ils_that_is_down_shows_the_harvest_with_its_date_and_is_left_alone(
        sandbox: SandboxServer, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    merged_id, display = display_holding(store, LIVE)
    sandbox.faults.inject(LIVE, "unavailable", count=100, target="api")
    service = availability(sandbox, store, retry_after=30)
    with caplog.at_level(logging.WARNING, logger="catalogue_sync.availability"):
        answer = ask(service, display, merged_id)
    holdings = of(answer, LIVE)
    assert {(h.source, h.reason) for h in holdings} == {(Source.HARVESTED, Reason.UNAVAILABLE)}
    assert [h.harvested_at for h in holdings] == harvested_dates(store, holdings)
    assert any(LIVE in r.getMessage() and "HTTP 503" in r.getMessage() for r in caplog.records)
    asked = sandbox.requests.count(LIVE, "api")
    again = ask(service, display, merged_id)
    assert sandbox.requests.count(LIVE, "api") == asked   # left alone for retry_after
    assert {h.reason for h in of(again, LIVE)} == {Reason.UNAVAILABLE}


def test_a_slow_ils_shows_the_harvest_within_the_deadline(
        sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE, "departementale")
    sandbox.faults.inject(LIVE, "timeout", seconds=10, count=100, target="api")
    service = availability(sandbox, store, deadline=0.6)
    started = time.monotonic()
    answer = ask(service, display, merged_id)
    assert time.monotonic() - started < 0.6 + 0.4
    assert {(h.source, h.reason) for h in of(answer, LIVE)} == {
        (Source.HARVESTED, Reason.TIMEOUT)}
    assert {h.source for h in of(answer, "departementale")} == {Source.LIVE}


def test_a_library_s_own_timeout_is_shorter_than_the_deadline(
        sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE)
    sandbox.faults.inject(LIVE, "timeout", seconds=10, count=100, target="api")
    network = network_of(sandbox, store.url, deadline=5)
    network.libraries[LIVE] = with_options(network.libraries[LIVE], timeout=0.3)
    started = time.monotonic()
    answer = ask(availability(sandbox, store, network=network), display, merged_id)
    assert time.monotonic() - started < 1.5
    assert {h.reason for h in of(answer, LIVE)} == {Reason.TIMEOUT}


def test_a_refused_connection_shows_the_harvest(sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE)
    network = network_of(sandbox, store.url)
    network.libraries[LIVE] = with_options(network.libraries[LIVE],
                                           url=f"http://127.0.0.1:{free_port()}/api/v1")
    answer = ask(availability(sandbox, store, network=network), display, merged_id)
    assert {(h.source, h.reason) for h in of(answer, LIVE)} == {
        (Source.HARVESTED, Reason.UNAVAILABLE)}


def test_refused_credentials_show_the_harvest_and_log_no_password(
        sandbox: SandboxServer, store: Store, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "Wr0ng-Passw0rd"
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    merged_id, display = display_holding(store, LIVE)
    with caplog.at_level(logging.DEBUG):
        answer = ask(availability(sandbox, store), display, merged_id)
    assert {(h.source, h.reason) for h in of(answer, LIVE)} == {
        (Source.HARVESTED, Reason.REFUSED)}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(LIVE in message and "HTTP 401" in message for message in warnings)
    assert all(wrong not in r.getMessage() and API_PASSWORD not in r.getMessage()
               for r in caplog.records)
    assert wrong not in str(answer.as_dict())


def test_a_password_variable_that_is_not_set_shows_the_harvest(
        sandbox: SandboxServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    merged_id, display = display_holding(store, LIVE)
    answer = ask(availability(sandbox, store), display, merged_id)
    assert {h.reason for h in of(answer, LIVE)} == {Reason.MISCONFIGURED}


def test_a_provider_s_bug_shows_the_harvest_and_is_logged(
        sandbox: SandboxServer, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        timeout = 1.0

        def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
            pass

        async def items(self, local_ids: Sequence[str]) -> dict[str, list[Item]]:
            raise KeyError("external_id")

    merged_id, display = display_holding(store, LIVE)
    service = Availability(network_of(sandbox, store.url), store, Broken)
    with caplog.at_level(logging.ERROR, logger="catalogue_sync.availability"):
        answer = ask(service, display, merged_id)
    assert {h.reason for h in of(answer, LIVE)} == {Reason.UNAVAILABLE}
    assert any(r.exc_info for r in caplog.records)


def test_a_library_gone_from_network_toml_shows_its_harvest(
        sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE)
    network = network_of(sandbox, store.url)
    del network.libraries[LIVE]
    answer = ask(availability(sandbox, store, network=network), display, merged_id)
    assert {(h.name, h.reason) for h in of(answer, LIVE)} == {(LIVE, Reason.NO_LIVE_STATUS)}


def test_the_answer_as_json(sandbox: SandboxServer, store: Store) -> None:
    merged_id, display = display_holding(store, LIVE, HARVESTED_ONLY)
    body = ask(availability(sandbox, store), display, merged_id).as_dict()
    assert body["id"] == merged_id and body["checked_at"]
    live = next(h for h in body["holdings"] if h["library"] == LIVE)
    assert live["source"] == "live" and live["name"] == "Médiathèque François-Mitterrand"
    assert live["checked_at"] and live["harvested_at"] is None and live["reason"] is None
    assert live["available"] == any(i["status"] == "available" for i in live["items"])
    assert set(live["items"][0]) == {"barcode", "call_number", "location", "status",
                                     "doc_type", "due_date", "branch"}
    other = next(h for h in body["holdings"] if h["library"] == HARVESTED_ONLY)
    assert (other["source"], other["reason"]) == ("harvested", "no-live-status")
    assert datetime.fromisoformat(other["harvested_at"]).tzinfo is not None


def with_options(library: LibraryConfig, **options: Any) -> LibraryConfig:
    assert library.availability is not None
    table = {"type": library.availability.type, **library.availability.options, **options}
    return library.model_copy(update={"availability": type(library.availability)(**table)})
