"""The vendors' side of the gateway's core, on SQLite and PostgreSQL and a real Redis: keys,
the entitlement check, the rate limit, usage events."""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

import pytest
import redis
import sqlalchemy as sa

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest, NotFound
from catalogue_sync.gateway import vendors
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, pseudonym
from catalogue_sync.gateway.sessions import Patron, Session
from catalogue_sync.gateway.vendors import Caller, Entitlement, KeyRefused, RateLimited
from catalogue_sync.offer import GatewaySettings
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events, vendor_api_audit, vendor_keys, vendor_patrons
from tests.conftest import REDIS_URL

KEYS = PseudonymKeys.parse("v1:" + "ab" * 32)
CARD = "29000001234"
YESTERDAY = date.today() - timedelta(days=1)


def network() -> NetworkConfig:
    def library(name: str) -> dict[str, object]:
        return {"name": name, "flavour": "marc21",
                "connector": {"type": "oai-pmh", "url": "http://x.invalid/oai"},
                "patrons": {"type": "sip2", "card_prefixes": ["29"]}}

    def resource(vendor: str, **rules: object) -> dict[str, object]:
        return {"vendor": vendor, "name": "R", "kind": "video", "url": "https://v.example/r",
                **rules}
    return NetworkConfig.model_validate({
        "libraries": {"fm": library("FM"), "bdp": library("BDP")},
        "vendors": {"filmo": {"name": "Filmo", "access": "api"},
                    "autre": {"name": "Autre", "access": "api"}},
        "resources": {"films": resource("filmo"),
                      "films-bdp": resource("filmo", libraries=["bdp"]),
                      "films-jeunes": resource("filmo", categories=["youth"]),
                      "films-2025": resource("filmo", ends=YESTERDAY),
                      "cours": resource("autre")}})


def session(library: str = "fm", category: str = "adult", *, age: float = 60) -> Session:
    patron = Patron(library, category, KEYS.subject(library, CARD))
    return Session("session-id-" + library, patron, time.time() - age, "csrf")


FILMO = Caller("filmo", "000000000000", 100)


def test_a_key_is_shown_once_stored_hashed_and_revocable(store: Store) -> None:
    key = vendors.create_key(store, network(), "filmo", label="production", per_minute=50)
    assert vendors.KEY_PATTERN.match(key.secret_text)
    secret = key.secret_text.split("_", 2)[2]
    with store.transaction("reading") as connection:
        row = connection.execute(sa.select(vendor_keys)).one()
    assert secret not in str(row._asdict()) and row.secret_sha256 == hashlib.sha256(
        secret.encode()).hexdigest()
    assert vendors.authenticate(store, key.secret_text) == Caller("filmo", key.id, 50)
    listed = vendors.list_keys(store, "filmo")
    assert [(k.id, k.label) for k in listed] == [(key.id, "production")]
    assert listed[0].last_used_at is not None
    for wrong in (None, "", key.secret_text[:-1] + "x", f"cs_{key.id}_" + "a" * 43,
                  "cs_000000000000_" + secret, key.secret_text + "x" * 5000):
        with pytest.raises(KeyRefused):
            vendors.authenticate(store, wrong)
    vendors.revoke_key(store, key.id)
    with pytest.raises(KeyRefused):
        vendors.authenticate(store, key.secret_text)
    with pytest.raises(NotFound, match="not revoked already"):
        vendors.revoke_key(store, key.id)
    with pytest.raises(NotFound, match="vendors: autre, filmo"):
        vendors.create_key(store, network(), "nobody")


def test_the_check_answers_from_the_patrons_last_opening(store: Store) -> None:
    offer, now = network(), vendors.utcnow()
    adult, youth = session("fm", "adult"), session("bdp", "youth")
    vendors.record_opening(store, KEYS, adult, offer.resources["films"], keep_days=7)
    vendors.record_opening(store, KEYS, youth, offer.resources["films"], keep_days=7)
    alias = pseudonym(adult.patron.subject, "filmo")
    young = pseudonym(youth.patron.subject, "filmo")

    def check(patron: str, resource: str, caller: Caller = FILMO) -> Entitlement:
        return vendors.check(store, offer, caller, patron, resource, now)

    assert check(alias, "films") == Entitlement(True, "fm", "adult")
    assert check(young, "films-jeunes") == Entitlement(True, "bdp", "youth")
    assert check(young, "films-bdp").entitled
    assert check(alias, "films-jeunes") == Entitlement(False)  # category
    assert check(alias, "films-bdp") == Entitlement(False)  # library
    assert check(alias, "films-2025") == Entitlement(False)  # ended yesterday
    assert check("v1." + "a" * 26, "films") == Entitlement(False)  # never seen
    other = pseudonym(adult.patron.subject, "autre")
    assert check(other, "films") == Entitlement(False)  # another vendor's pseudonym
    with pytest.raises(NotFound, match="filmo has no resource 'cours'"):
        check(alias, "cours")  # another vendor's resource
    with pytest.raises(InvalidRequest, match="pseudonym"):
        check(alias.upper(), "films")
    with pytest.raises(InvalidRequest, match="resource id"):
        check(alias, "../films")


def test_a_sign_in_older_than_the_limit_no_longer_entitles(store: Store) -> None:
    offer = network()
    old = session(age=(GatewaySettings().entitlement_days + 1) * 86400)
    vendors.record_opening(store, KEYS, old, offer.resources["films"], keep_days=7)
    alias = pseudonym(old.patron.subject, "filmo")
    assert not vendors.check(store, offer, FILMO, alias, "films", vendors.utcnow()).entitled
    vendors.record_opening(store, KEYS, session(), offer.resources["films"],
                           keep_days=7)  # signs in again
    assert vendors.check(store, offer, FILMO, alias, "films", vendors.utcnow()).entitled


def test_rows_of_sign_ins_past_the_limit_are_forgotten(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    offer = network()
    stale, fresh = session("fm", "adult", age=8 * 86400), session("bdp", "adult")
    vendors.record_opening(store, KEYS, stale, offer.resources["films"], keep_days=30)
    monkeypatch.setattr(vendors, "_purged", [None])  # as if this process never purged
    vendors.record_opening(store, KEYS, fresh, offer.resources["films"], keep_days=7)
    with store.transaction("reading") as connection:
        kept = {row.library for row in connection.execute(sa.select(vendor_patrons))}
    assert kept == {"bdp"}


def test_usage_events_and_pseudonym_rows_hold_no_personal_data(store: Store) -> None:
    opened = session("fm", "adult")
    vendors.record_opening(store, KEYS, opened, network().resources["films"], keep_days=7)
    vendors.record_opening(store, KEYS, opened, network().resources["films-2025"], keep_days=7)
    with store.transaction("reading") as connection:
        events = connection.execute(sa.select(usage_events)).all()
        known = connection.execute(sa.select(vendor_patrons)).all()
    assert {(e.resource, e.library, e.category) for e in events} == {
        ("films", "fm", "adult"), ("films-2025", "fm", "adult")}
    assert len({e.session_hash for e in events}) == 1, "one session, one hash"
    event = events[0]
    assert event.hour.minute == event.hour.second == event.hour.microsecond == 0
    assert event.session_hash not in (opened.id, hashlib.sha256(opened.id.encode()).hexdigest())
    assert len(known) == 1
    everything = str([row._asdict() for row in [*events, *known]])
    for secret in (CARD, opened.id, opened.patron.subject):
        assert secret not in everything


def test_the_rate_limit_counts_calls_per_key_and_minute(redis_prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    limit = vendors.RateLimit(client, prefix=redis_prefix)
    caller, other = Caller("filmo", "aaaaaaaaaaaa", 3), Caller("filmo", "bbbbbbbbbbbb", 3)
    start = 60 * 1_000_000 + 10.5
    for _ in range(3):
        limit.spend(caller, start)
    with pytest.raises(RateLimited) as refused:
        limit.spend(caller, start + 1)
    assert refused.value.retry_after == 49
    limit.spend(other, start + 1)  # each key its own count
    limit.spend(caller, start + 50)  # the next minute
    client.close()


def test_the_audit_is_written_in_batches_soon_after_the_calls(store: Store) -> None:
    trail = vendors.AuditTrail(store, seconds=0.2, rows=3)

    def written() -> list[tuple[object, ...]]:
        with store.transaction("reading the audit") as connection:
            return [tuple(row) for row in connection.execute(
                sa.select(vendor_api_audit.c.vendor, vendor_api_audit.c.outcome))]

    for outcome in ("entitled", "not-entitled"):
        trail.record(FILMO, "/api/v1/entitlements/check", 200, outcome)
    assert written() == []
    trail.record(None, "/api/v1/resources", 401, "refused-key")  # the third: written at once
    assert written() == [("filmo", "entitled"), ("filmo", "not-entitled"),
                         (None, "refused-key")]
    trail.record(FILMO, "/api/v1/resources", 200, "ok")
    time.sleep(0.4)
    assert len(written()) == 4
