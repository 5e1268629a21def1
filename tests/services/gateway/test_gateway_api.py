"""The vendors' API over real HTTP, a real Redis, and the store on SQLite and PostgreSQL:
patrons sign in and open resources in a browser, then the vendor asks about them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from catalogue_sync.config import Settings
from catalogue_sync.gateway import vendors
from catalogue_sync.gateway.address_limit import WINDOW
from catalogue_sync.gateway.pseudonyms import pseudonym
from catalogue_sync.gateway.signin import SignIn
from catalogue_sync.offer import OFFER_ID, ResourceConfig
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events, vendor_api_audit, vendor_keys
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.serving import serve_on_loopback
from tests.services.gateway.conftest import (
    KEYS,
    PATRONS,
    SIGNING_KEY,
    Browsers,
    TableIls,
    gateway_network,
)

CHECK = "/api/v1/entitlements/check"


def more_films(**rules: object) -> dict[str, object]:
    return {"vendor": "filmo", "name": "Films", "kind": "video",
            "url": "https://filmo.example/reseau", **rules}


@pytest.fixture
def context(redis_prefix: str, store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[GatewayContext]:
    """The shared test network, plus filmo resources for adults, for all and one ended."""
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    network = gateway_network(redis_prefix)
    for resource_id, rules in {"films-adultes": {"categories": ["adult"]}, "films-tous": {},
                               "films-2025": {"ends": date.today() - timedelta(days=1)}
                               }.items():
        network.resources[resource_id] = ResourceConfig.model_validate(
            {"id": resource_id, **more_films(**rules)})
    opened = GatewayContext.open(network, Settings(redis_url=None, database_url=store_url),
                                 keys=KEYS)
    opened.sign_in = SignIn(network, KEYS, opened.sessions, opened.sign_in.throttle, TableIls)
    yield opened
    vendors.audit_trail(opened.store).flush()  # before the store closes, not after
    opened.redis.close()
    opened.store.close()


@pytest.fixture
def base_url(context: GatewayContext) -> Iterator[str]:
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as url:
        yield url


@pytest.fixture
def gateway_url(base_url: str) -> str:
    """This module's gateway, for the shared ``browsers`` fixture."""
    return base_url


@pytest.fixture
def vendor(base_url: str, context: GatewayContext) -> Iterator[httpx.Client]:
    """filmo's server, with a key of its own."""
    key = vendors.create_key(context.store, context.network, "filmo")
    with httpx.Client(base_url=base_url, timeout=10,
                      headers={"Authorization": f"Bearer {key.secret_text}"}) as client:
        yield client


def opens(browser: httpx.Client, resource: str) -> str:
    """The pseudonym the patron arrives at the vendor with."""
    answer = browser.get(f"/ressources/{resource}")
    assert answer.status_code == 303, answer.text
    sent = parse_qs(urlsplit(answer.headers["location"]).query)
    assert sent["resource"] == [resource]
    return sent["patron"][0]


def test_a_vendor_learns_whether_the_patron_it_received_is_entitled(
        browsers: Browsers, vendor: httpx.Client) -> None:
    adult = opens(browsers.signed_in("adult"), "films-tous")
    youth = opens(browsers.signed_in("youth"), "films-tous")
    bdp = opens(browsers.signed_in("bdp"), "films")

    def check(patron: str, resource: str) -> dict[str, object]:
        answer = vendor.get(CHECK, params={"patron": patron, "resource": resource})
        assert answer.status_code == 200, answer.text
        return {key: answer.json()[key] for key in ("entitled", "library", "category")}

    assert check(adult, "films-adultes") == {"entitled": True, "library": "fm",
                                             "category": "adult"}
    assert check(bdp, "films") == {"entitled": True, "library": "bdp", "category": "adult"}
    nothing = {"entitled": False, "library": None, "category": None}
    assert check(youth, "films-adultes") == nothing  # an adults' resource
    assert check(adult, "films") == nothing  # bdp's patrons only
    assert check(adult, "films-2025") == nothing  # ended yesterday
    assert check("v1." + "q" * 26, "films-tous") == nothing  # never seen
    card, _ = PATRONS["adult"]
    theirs = pseudonym(KEYS.subject("fm", card), "cafeyn")
    assert check(theirs, "films-tous") == nothing  # the same patron, at another vendor
    for resource in ("presse", "inconnue"):  # cafeyn's resource, and none
        assert vendor.get(CHECK, params={"patron": adult, "resource": resource}
                          ).status_code == 404


def test_a_vendor_lists_only_its_own_resources_and_who_is_entitled(
        vendor: httpx.Client) -> None:
    answer = vendor.get("/api/v1/resources")
    assert answer.status_code == 200
    listed = {resource["id"]: resource for resource in answer.json()["resources"]}
    assert answer.json()["vendor"] == "filmo"
    assert set(listed) == {"films", "films-adultes", "films-tous", "films-2025"}
    assert listed["films"]["libraries"] == ["bdp"] and not listed["films"]["whole_network"]
    assert set(listed["films-tous"]["libraries"]) == {"fm", "bdp"}
    assert listed["films-adultes"]["categories"] == ["adult"]
    assert listed["films-tous"]["open_now"] and not listed["films-2025"]["open_now"]


def test_missing_wrong_and_revoked_keys_are_refused(
        base_url: str, context: GatewayContext, vendor: httpx.Client) -> None:
    key = vendors.create_key(context.store, context.network, "filmo", label="old")
    with httpx.Client(base_url=base_url, timeout=10) as anybody:
        missing = anybody.get("/api/v1/resources")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer realm=")
        wrong_secret = key.secret_text[:-4] + "abcd"
        for header in (f"Bearer {wrong_secret}", "Bearer cs_nothing", "Basic Zm9vOmJhcg==",
                       f"Bearer {'x' * 6000}", f"Bearer {key.secret_text}\u00e9".encode()):
            answer = anybody.get("/api/v1/resources", headers={"Authorization": header})
            assert answer.status_code in (400, 401), header
            assert "www-authenticate" in answer.headers or answer.status_code == 400
        assert anybody.get("/api/v1/resources", headers={
            "Authorization": f"Bearer {key.secret_text}"}).status_code == 200
        vendors.revoke_key(context.store, key.id)
        revoked = anybody.get("/api/v1/resources",
                              headers={"Authorization": f"Bearer {key.secret_text}"})
        assert revoked.status_code == 401 and 'error="invalid_token"' in revoked.headers[
            "www-authenticate"]
    assert vendor.get("/api/v1/resources").status_code == 200  # the vendor's other key


def test_a_key_past_its_calls_of_the_minute_waits(base_url: str, context: GatewayContext
                                                  ) -> None:
    key = vendors.create_key(context.store, context.network, "filmo", per_minute=3)
    with httpx.Client(base_url=base_url, timeout=10,
                      headers={"Authorization": f"Bearer {key.secret_text}"}) as client:
        statuses = [client.get("/api/v1/resources").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/resources")
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60


def test_every_call_is_audited_without_the_patron(
        browsers: Browsers, vendor: httpx.Client, base_url: str, store: Store,
        context: GatewayContext) -> None:
    alias = opens(browsers.signed_in("adult"), "films-tous")
    vendor.get(CHECK, params={"patron": alias, "resource": "films-tous"})
    vendor.get(CHECK, params={"patron": alias, "resource": "films"})
    vendor.get(CHECK, params={"patron": "nope", "resource": "films"})
    vendor.get(CHECK, params={"patron": alias, "resource": "presse"})
    vendor.get("/api/v1/resources")
    httpx.get(f"{base_url}/api/v1/resources", headers={"Authorization": "Bearer cs_x"})
    trail = vendors.audit_trail(context.store)
    time.sleep(trail.seconds + 0.2)  # written in batches, a moment after the calls
    with store.transaction("reading the audit") as connection:
        rows = connection.execute(sa.select(vendor_api_audit).order_by(vendor_api_audit.c.id)
                                  ).all()
        key_id = connection.execute(sa.select(vendor_keys.c.id)).scalar_one()
    assert [(row.vendor, row.key_id, row.endpoint, row.status, row.outcome) for row in rows] == [
        ("filmo", key_id, CHECK, 200, "entitled"),
        ("filmo", key_id, CHECK, 200, "not-entitled"),
        ("filmo", key_id, CHECK, 400, "bad-request"),
        ("filmo", key_id, CHECK, 404, "not-found"),
        ("filmo", key_id, "/api/v1/resources", 200, "ok"),
        (None, None, "/api/v1/resources", 401, "refused-key")]
    card, _ = PATRONS["adult"]
    assert alias not in str(rows) and card not in str(rows)


def test_opening_a_resource_leaves_a_usage_event(browsers: Browsers, store: Store) -> None:
    browser = browsers.signed_in("youth")
    opens(browser, "films-tous")
    assert browser.get("/ressources/autoformation").status_code == 403  # not for youth
    with store.transaction("reading usage") as connection:
        events = connection.execute(sa.select(usage_events)).all()
    assert [(e.resource, e.library, e.category) for e in events] == [
        ("films-tous", "fm", "youth")]
    card, _ = PATRONS["youth"]
    assert card not in str(events) and events[0].hour.minute == 0


def test_the_openapi_document_describes_the_vendors_api(base_url: str) -> None:
    document = httpx.get(f"{base_url}/openapi.json").json()
    assert {CHECK, "/api/v1/resources"} <= set(document["paths"])
    check = document["paths"][CHECK]["get"]
    assert {"patron", "resource"} == {p["name"] for p in check["parameters"]}
    assert {"200", "400", "401", "404", "429"} <= set(check["responses"])
    assert check["security"] and "EntitlementAnswer" in document["components"]["schemas"]
    assert "/connexion" not in document["paths"]


@pytest.mark.parametrize("query", [
    {"patron": "v1." + "a" * 10_000, "resource": "films"},
    {"patron": "v1.<script>alert(1)</script>", "resource": "films"},
    {"patron": "v1.abc\x00", "resource": "films"},
    {"patron": "v1." + "a" * 26, "resource": "../../etc/passwd"},
    {"patron": "v1." + "a" * 26, "resource": "f" * 5000},
    {"patron": "v1." + "a" * 26},
    {},
])
def test_hostile_parameters_are_refused_never_a_server_error(
        vendor: httpx.Client, query: dict[str, str]) -> None:
    answer = vendor.get(CHECK, params=query)
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"]


@pytest.mark.parametrize("raw", [
    "patron=%ff%fe&resource=films", "patron=a&patron=b&resource=films&resource=x",
    "patron=" + "%41" * 20_000, "resource[]=films&patron[$ne]=x",
])
def test_malformed_query_strings_are_4xx(vendor: httpx.Client, raw: str) -> None:
    status = vendor.get(f"{CHECK}?{raw}").status_code
    assert 400 <= status < 500, raw


def test_a_cas_ticket_makes_the_patron_known_to_the_vendor_s_api(
        browsers: Browsers, base_url: str, context: GatewayContext) -> None:
    """A patron who starts at a CAS vendor's site passes only through /cas/login."""
    key = vendors.create_key(context.store, context.network, "cafeyn")
    adult = browsers.signed_in("adult")
    service = "https://sso.cafeyn.example/reseau/login"
    issued = adult.get("/cas/login", params={"service": service})
    assert issued.status_code == 303 and "ticket=ST-" in issued.headers["location"]
    alias = pseudonym(KEYS.subject("fm", PATRONS["adult"][0]), "cafeyn")
    with httpx.Client(base_url=base_url, headers={
            "Authorization": f"Bearer {key.secret_text}"}) as cafeyn:
        answer = cafeyn.get(CHECK, params={"patron": alias, "resource": "presse"})
    assert answer.json()["entitled"] is True and answer.json()["library"] == "fm"
    with context.store.transaction("reading usage") as connection:
        counted = connection.execute(sa.select(sa.func.count()).select_from(usage_events)
                                     .where(usage_events.c.resource == "presse")).scalar()
    assert counted == 1, "one opening, counted once"


def test_a_double_click_is_one_usage_event(
        browsers: Browsers, context: GatewayContext) -> None:
    """COUNTER: the same resource opened twice by a session within 30 s counts once."""
    adult = browsers.signed_in("adult")
    first, second = opens(adult, "films-tous"), opens(adult, "films-tous")
    assert first == second
    opens(browsers.signed_in("adult"), "films-tous")  # another session counts again
    with context.store.transaction("reading usage") as connection:
        counted = connection.execute(sa.select(sa.func.count()).select_from(usage_events)
                                     .where(usage_events.c.resource == "films-tous")).scalar()
    assert counted == 2


def audit_rows(context: GatewayContext) -> list[tuple[object, ...]]:
    """The audit as written, once the batch waiting is flushed."""
    vendors.audit_trail(context.store).flush()
    with context.store.transaction("reading the audit") as connection:
        rows = connection.execute(sa.select(vendor_api_audit).order_by(vendor_api_audit.c.id))
        return [(row.vendor, row.status, row.outcome) for row in rows]


def test_calls_without_a_valid_key_are_limited_per_address(
        base_url: str, context: GatewayContext, vendor: httpx.Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past [gateway] refused_keys_per_address calls with no valid key in a minute, an
    address is answered 429 (the vendor's valid key still served), and the audit gets one
    row for all the refused ones, not a row each."""
    monkeypatch.setattr(context.network.gateway, "refused_keys_per_address", 3)
    wait_for_a_fresh_minute()
    made_up = {"Authorization": "Bearer cs_0123456789ab_" + "x" * 43}
    with httpx.Client(base_url=base_url, timeout=10) as stranger:
        statuses = [stranger.get("/api/v1/resources", headers=made_up).status_code
                    for _ in range(3)]
        statuses += [stranger.get("/api/v1/resources").status_code for _ in range(20)]
        limited = stranger.get(CHECK, headers=made_up, params={"patron": "x"})
    assert statuses == [401] * 3 + [429] * 20
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert "without a valid API key" in limited.json()["detail"]
    assert vendor.get("/api/v1/resources").status_code == 200  # same address, a valid key
    assert audit_rows(context) == [(None, 401, "refused-key")] * 3 + [
        (None, 429, "address-limited"), ("filmo", 200, "ok")]


def wait_for_a_fresh_minute(room: float = 15.0) -> None:
    """Start a burst with ``room`` seconds of the limit's minute left at least: a burst cut by
    the minute's end would be counted in two windows."""
    left = WINDOW - time.time() % WINDOW
    if left < room:
        time.sleep(left + 0.05)


@pytest.mark.parametrize("query", [
    "patron=v1.aaaaaaaaaaaaaaaaaaaaaaaaaa&patron=v1.bbbbbbbbbbbbbbbbbbbbbbbbbb&resource=films",
    "patron=v1.aaaaaaaaaaaaaaaaaaaaaaaaaa&resource=films&resource=films-tous",
])
def test_a_parameter_given_twice_is_refused_as_cas_does(
        vendor: httpx.Client, context: GatewayContext, query: str) -> None:
    answer = vendor.get(f"{CHECK}?{query}")
    assert answer.status_code == 400
    assert "is given 2 times" in answer.json()["detail"]
    assert vendor.get("/api/v1/resources?x=1&x=2").status_code == 400
    assert audit_rows(context) == [("filmo", 400, "bad-request")] * 2


def test_a_request_the_published_schema_allows_is_answered(
        base_url: str, vendor: httpx.Client) -> None:
    """The OpenAPI says what a pseudonym and a resource id look like; any value it allows is
    answered (200, or 404 for a resource of nobody), never refused as malformed."""
    check = httpx.get(f"{base_url}/openapi.json").json()["paths"][CHECK]["get"]
    schemas = {p["name"]: p["schema"] for p in check["parameters"]}
    assert schemas["patron"]["pattern"] == vendors.PSEUDONYM_PATTERN.pattern
    assert schemas["resource"]["pattern"] == OFFER_ID.pattern
    assert "422" not in check["responses"]
    for patron, resource, status in (("v9999." + "z" * 26, "films", 200),
                                     ("v1." + "2" * 26, "a", 404),
                                     ("v1." + "a" * 26, "a-b_c" * 12, 404)):
        answer = vendor.get(CHECK, params={"patron": patron, "resource": resource})
        assert answer.status_code == status, answer.text
