"""CAS's core on a real Redis: service URLs compared by their parts, which resource a ticket
stands for, what a vendor learns, tickets taken once, and the XML answers.

(Named test_cas_core.py: tests/services/gateway/test_cas.py has the HTTP side, and pytest
imports test modules by their file name.)"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import redis
from lxml import etree

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import StoreError
from catalogue_sync.gateway import cas
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, pseudonym
from catalogue_sync.gateway.sessions import Patron, Sessions
from catalogue_sync.offer import VendorConfig
from services.serving import free_port
from tests.conftest import REDIS_URL

KEYS = PseudonymKeys.parse("v2:" + "ab" * 32)
NS = {"cas": cas.NS}
ADULT = Patron("fm", "adult", KEYS.subject("fm", "29000001234"))
YOUTH = Patron("fm", "youth", KEYS.subject("fm", "29000005555"))
TODAY = date(2026, 6, 1)


def network() -> NetworkConfig:
    def library(name: str) -> dict[str, object]:
        return {"name": name, "flavour": "marc21",
                "connector": {"type": "oai-pmh", "url": "http://x.invalid/oai"}}
    return NetworkConfig.model_validate({
        "libraries": {"fm": library("fm"), "bdp": library("bdp")},
        "vendors": {
            "cafeyn": {"name": "Cafeyn", "access": "cas",
                       "services": ["https://sso.cafeyn.example/reseau/",
                                    "https://médiathèque.example:8443/cas/"]},
            "cafeyn-kids": {"name": "Cafeyn junior", "access": "cas",
                            "services": ["https://sso.cafeyn.example/reseau/junior/"]},
            "ludo": {"name": "Ludo", "access": "cas", "services": ["http://127.0.0.1:8102/"],
                     "release": ["library"]},
            "films": {"name": "Films", "access": "api"}},
        "resources": {
            "presse": {"vendor": "cafeyn", "name": "Presse", "kind": "press",
                       "url": "https://sso.cafeyn.example/reseau/login"},
            "magazines": {"vendor": "cafeyn", "name": "Magazines", "kind": "press",
                          "url": "https://sso.cafeyn.example/reseau/magazines/entree",
                          "categories": ["adult"]},
            "bd": {"vendor": "cafeyn-kids", "name": "BD", "kind": "press",
                   "url": "https://sso.cafeyn.example/reseau/junior/", "libraries": ["bdp"]},
            "jeux-adultes": {"vendor": "ludo", "name": "Jeux", "kind": "games",
                             "url": "http://127.0.0.1:8102/adultes/", "categories": ["adult"]},
            "jeux-jeunes": {"vendor": "ludo", "name": "Jeux", "kind": "games",
                            "url": "http://127.0.0.1:8102/jeunes/", "categories": ["youth"]},
            "films": {"vendor": "films", "name": "Films", "kind": "video",
                      "url": "https://sso.cafeyn.example/reseau/films"}}})


NETWORK = network()


@pytest.fixture
def client(redis_prefix: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def tickets(client: redis.Redis, redis_prefix: str) -> cas.Tickets:
    return cas.Tickets(client, prefix=redis_prefix, seconds=30)


def vendor_at(url: str) -> str | None:
    try:
        found = cas.vendor_of(NETWORK, cas.parse_service(url))
    except cas.UnknownService:
        return None
    return found.id if found else None


@pytest.mark.parametrize(("url", "vendor", "canonical"), [
    ("https://sso.cafeyn.example/reseau/login", "cafeyn", None),
    ("HTTPS://SSO.Cafeyn.EXAMPLE:443/reseau/login?a=1&b=%C3%A9", "cafeyn",
     "https://sso.cafeyn.example/reseau/login?a=1&b=%C3%A9"),
    ("https://sso.cafeyn.example/reseau/", "cafeyn", None),
    ("https://sso.cafeyn.example/reseau/junior/bd?x", "cafeyn-kids", None),
    ("https://MÉDIATHÈQUE.example:8443/cas/login", "cafeyn",
     "https://xn--mdiathque-53af.example:8443/cas/login"),
    ("https://xn--mdiathque-53af.example:8443/cas/", "cafeyn", None),
    ("http://127.0.0.1:8102/", "ludo", None),
    ("http://127.0.0.1:8102", "ludo", "http://127.0.0.1:8102/"),
    ("http://127.0.0.1:08102/jeunes/", "ludo", "http://127.0.0.1:8102/jeunes/"),
])
def test_a_registered_service_is_found_however_it_is_written(
        url: str, vendor: str, canonical: str | None) -> None:
    assert vendor_at(url) == vendor
    assert cas.parse_service(url).url == (canonical or url)


@pytest.mark.parametrize("url", [
    "https://sso.cafeyn.example.evil.com/reseau/",
    "https://evil.com/?https://sso.cafeyn.example/reseau/",
    "https://evil.com/https://sso.cafeyn.example/reseau/",
    "https://evil.com#https://sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example@evil.com/reseau/",
    "https://sso.cafeyn.example:@evil.com/reseau/",
    "https://user@sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example\\.evil.com/reseau/",
    "https:/\\sso.cafeyn.example/reseau/",
    "https:sso.cafeyn.example/reseau/",
    "//sso.cafeyn.example/reseau/",
    "/reseau/",
    "ftp://sso.cafeyn.example/reseau/",
    "javascript://sso.cafeyn.example/reseau/%0aalert(1)",
    "http://sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example:444/reseau/",
    "https://sso.cafeyn.example:99999/reseau/",
    "https://sso.cafeyn.example:x/reseau/",
    "https://sso.cafeyn.example/reseaux/",
    "https://sso.cafeyn.example/reseau",
    "https://sso.cafeyn.example/Reseau/",
    "https://sso.cafeyn.example/reseau/../admin",
    "https://sso.cafeyn.example/reseau/./x",
    "https://sso.cafeyn.example/reseau/..;/admin",
    "https://sso.cafeyn.example/reseau/%2e%2e/admin",
    "https://sso.cafeyn.example/reseau/.%2E/admin",
    "https://sso.cafeyn.example/reseau%2f..%2fadmin",
    "https://sso.cafeyn.example/reseau/%5c..%5cadmin",
    "https://sso.cafeyn.example/reseau/%00",
    "https://sso.cafeyn.example/reseau/%zz",
    "https://sso.cafeyn.example%2eevil.com/reseau/",
    "https://sso.cafeyn.example./reseau/",
    "https://sso.cafeyn..example/reseau/",
    "https://ssо.cafeyn.example/reseau/",  # Cyrillic о: another host
    "https://sso.cafeyn.exa\tmple/reseau/",
    "https://sso.cafeyn.example/reseau/\nx",
    "https://sso.cafeyn.example/reseau/ x",
    "https://sso.cafeyn.example/reseau/é",
    "https://sso.cafeyn.example/reseau/#x",
    "https://sso.cafeyn.example/reseau/#",
    "https://[::1/reseau/",
    "https://sso.cafeyn.example/reseau/" + "a" * cas.MAX_SERVICE,
    "",
])
def test_look_alikes_and_tricks_match_no_vendor(url: str) -> None:
    assert vendor_at(url) is None


def test_an_unusable_service_says_why() -> None:
    with pytest.raises(cas.UnknownService, match="user name or password"):
        cas.parse_service("https://a@sso.cafeyn.example/reseau/")
    with pytest.raises(cas.UnknownService, match=r"'\.\.' segment"):
        cas.parse_service("https://sso.cafeyn.example/reseau/../x")
    with pytest.raises(cas.UnknownService, match="no vendor registered"):
        cas.registered_service(NETWORK, "https://elsewhere.example/")


def resource_id(url: str, patron: Patron) -> str | None:
    service, vendor = cas.registered_service(NETWORK, url)
    found = cas.resource_for(NETWORK, vendor, service, patron, TODAY)
    return found.id if found else None


def test_the_ticket_stands_for_the_resource_its_service_names() -> None:
    # the url naming the service most closely wins
    assert resource_id("https://sso.cafeyn.example/reseau/magazines/entree?n=1", ADULT) == (
        "magazines")
    assert resource_id("https://sso.cafeyn.example/reseau/login", ADULT) == "presse"
    # a service claimed by a resource the patron may not open is refused
    assert resource_id("https://sso.cafeyn.example/reseau/magazines/entree", YOUTH) is None
    # both resources' folder: the most path in common, then network.toml's order
    assert resource_id("https://sso.cafeyn.example/reseau/callback", YOUTH) == "presse"
    # nobody's folder: the vendor's first resource the patron is entitled to
    assert resource_id("https://médiathèque.example:8443/cas/", YOUTH) == "presse"
    assert resource_id("http://127.0.0.1:8102/adultes/partie", ADULT) == "jeux-adultes"
    assert resource_id("http://127.0.0.1:8102/adultes/partie", YOUTH) is None
    assert resource_id("http://127.0.0.1:8102/accueil", YOUTH) == "jeux-jeunes"
    assert resource_id("https://sso.cafeyn.example/reseau/junior/", ADULT) is None  # bdp only


def test_a_vendor_learns_what_its_release_policy_says_and_never_the_card() -> None:
    cafeyn, ludo = NETWORK.vendors["cafeyn"], NETWORK.vendors["ludo"]
    service = cas.parse_service("https://sso.cafeyn.example/reseau/login")
    grant = cas.grant_for(cafeyn, NETWORK.resources["presse"], ADULT, service, fresh=True)
    assert grant.user == pseudonym(ADULT.subject, "cafeyn")
    assert grant.attributes == (("library", "fm"), ("resource", "presse"), ("category", "adult"))
    assert "29000001234" not in repr(grant) and ADULT.subject not in repr(grant)
    other = cas.parse_service("http://127.0.0.1:8102/adultes/")
    first, second = (cas.grant_for(ludo, NETWORK.resources["jeux-adultes"], ADULT, other,
                                   fresh=False) for _ in range(2))
    assert first.attributes == (("library", "fm"),)
    assert first.user.startswith("once.") and first.user != second.user, "no pseudonym: " \
        "a name for one ticket"
    only_pseudonym = VendorConfig(id="x", name="X", access="cas", services=["https://x.example/"],
                                  release=["pseudonym"])
    assert cas.grant_for(only_pseudonym, NETWORK.resources["presse"], ADULT, service,
                         fresh=False).attributes == ()


def grant(service: str = "https://sso.cafeyn.example/reseau/login", *,
          fresh: bool = False) -> cas.Grant:
    return cas.Grant(service, "v2.user", (("library", "fm"),), fresh)


def test_a_ticket_is_random_kept_hashed_and_taken_once(
        tickets: cas.Tickets, client: redis.Redis, redis_prefix: str) -> None:
    issued = {tickets.issue(grant()) for _ in range(50)}
    assert len(issued) == 50
    ticket = next(iter(issued))
    assert cas.TICKET.match(ticket) and len(ticket) >= 3 + 32
    keys = [key.decode() for key in client.scan_iter(match=f"{redis_prefix}:cas:ticket:*")]
    assert len(keys) == 50 and not any(ticket[3:] in key for key in keys)
    assert 25 < int(client.ttl(keys[0])) <= 30
    assert tickets.take(ticket) == grant()
    assert tickets.take(ticket) is None


def test_tickets_keep_to_the_protocol_s_characters(tickets: cas.Tickets) -> None:
    """CAS 3.0, 3.1.1: letters, digits and '-'. A '_' (half of the tickets made from
    token_urlsafe) is refused by clients that check the set, and they fail at random."""
    for _ in range(200):
        ticket = tickets.issue(grant())
        assert re.fullmatch(r"ST-[A-Za-z0-9-]{32,}", ticket), ticket
    assert cas.TICKET.match("ST-" + "a" * 42 + "_") is None  # nor is one accepted


def test_a_ticket_expires(client: redis.Redis, redis_prefix: str) -> None:
    brief = cas.Tickets(client, prefix=redis_prefix, seconds=1)
    ticket = brief.issue(grant())
    time.sleep(1.2)
    assert brief.take(ticket) is None


def takers(ticket: str, prefix: str, count: int) -> list[cas.Grant | None]:
    """What ``count`` threads, each with its own connection, get taking one ticket at once."""
    start = threading.Barrier(count)
    found: list[cas.Grant | None] = []

    def take() -> None:
        own = redis.Redis.from_url(REDIS_URL)  # a connection each, as two workers have
        start.wait()
        found.append(cas.Tickets(own, prefix=prefix, seconds=30).take(ticket))
        own.close()

    threads = [threading.Thread(target=take) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_of_many_takers_of_one_ticket_exactly_one_gets_it(
        tickets: cas.Tickets, redis_prefix: str) -> None:
    for _ in range(10):
        found = takers(tickets.issue(grant()), redis_prefix, 8)
        assert len(found) == 8 and sum(one is not None for one in found) == 1


def refusal(tickets: cas.Tickets, request: cas.Validation) -> str:
    with pytest.raises(cas.ValidationRefused) as refused:
        cas.validate(NETWORK, tickets, request)
    return refused.value.code


def test_validation_answers_each_failure_with_its_code(tickets: cas.Tickets) -> None:
    service = "https://sso.cafeyn.example/reseau/login"
    assert refusal(tickets, cas.Validation("", service)) == "INVALID_REQUEST"
    assert refusal(tickets, cas.Validation("ST-" + "a" * 40, "")) == "INVALID_REQUEST"
    assert refusal(tickets, cas.Validation("ST-" + "a" * 300, service)) == "INVALID_REQUEST"
    assert refusal(tickets, cas.Validation("PT-" + "a" * 40, service)) == "INVALID_TICKET_SPEC"
    assert refusal(tickets, cas.Validation("ST-short", service)) == "INVALID_TICKET_SPEC"
    assert refusal(tickets, cas.Validation("ST-" + "a" * 43, service)) == "INVALID_TICKET"
    for wrong in ("https://sso.cafeyn.example/reseau/other",  # registered, not the ticket's
                  "https://elsewhere.example/reseau/login"):  # nobody's
        ticket = tickets.issue(grant())
        assert refusal(tickets, cas.Validation(ticket, wrong)) == "INVALID_SERVICE"
        assert refusal(tickets, cas.Validation(ticket, service)) == "INVALID_TICKET"
    ticket = tickets.issue(grant())
    assert refusal(tickets, cas.Validation(ticket, service, pgt_url="https://x.example/")) == (
        "UNAUTHORIZED_SERVICE_PROXY")
    assert refusal(tickets, cas.Validation(ticket, service)) == "INVALID_TICKET"
    ticket = tickets.issue(grant())
    assert refusal(tickets, cas.Validation(ticket, service, renew=True)) == "INVALID_TICKET"
    fresh = tickets.issue(grant(fresh=True))
    assert cas.validate(NETWORK, tickets, cas.Validation(fresh, service, renew=True)).fresh


def test_a_ticket_store_that_cannot_be_reached_is_a_store_error() -> None:
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    with pytest.raises(StoreError, match="taking a service ticket"):
        cas.Tickets(down, prefix="x", seconds=30).take("ST-" + "a" * 43)


def test_a_sign_in_mark_counts_once_and_only_for_a_later_session(
        client: redis.Redis, redis_prefix: str) -> None:
    marks = cas.SignInMarks(client, prefix=redis_prefix)
    sessions = Sessions(client, prefix=redis_prefix, idle=60, absolute=600)
    before = sessions.open(ADULT)
    mark = marks.make()
    assert not marks.signed_in_since(mark, before), "a session from before the mark"
    mark = marks.make()
    after = sessions.open(ADULT)
    assert marks.signed_in_since(mark, after)
    assert not marks.signed_in_since(mark, after), "a mark is good once"
    assert not marks.signed_in_since(None, after) and not marks.signed_in_since("x" * 100, after)
    assert not marks.signed_in_since(uuid.uuid4().hex, after)


def test_answers_are_well_formed_cas_xml_with_values_escaped() -> None:
    tricky = cas.Grant("https://x.example/", "v2.<u>&\"'", (("library", "<b>&amp;</b>"),
                                                          ("category", "]]>")), True)
    root = etree.fromstring(cas.success_xml(tricky))
    assert root.tag == f"{{{cas.NS}}}serviceResponse"
    success = root.find("cas:authenticationSuccess", NS)
    assert success is not None and success.findtext("cas:user", namespaces=NS) == tricky.user
    assert success.findtext("cas:attributes/cas:library", namespaces=NS) == "<b>&amp;</b>"
    assert success.findtext("cas:attributes/cas:category", namespaces=NS) == "]]>"
    assert success.findtext("cas:attributes/cas:isFromNewLogin", namespaces=NS) == "true"
    failure = etree.fromstring(cas.failure_xml("INVALID_TICKET", "a <b> & c"))
    found = failure.find("cas:authenticationFailure", NS)
    assert found is not None and found.get("code") == "INVALID_TICKET"
    assert found.text == "a <b> & c"
    assert cas.success_json(tricky) == {"serviceResponse": {"authenticationSuccess": {
        "user": tricky.user, "attributes": {"library": "<b>&amp;</b>", "category": "]]>",
                                            "isFromNewLogin": "true"}}}}
