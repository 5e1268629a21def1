"""CAS 3.0 over real HTTP: python-cas as the vendor's client, a real Redis, the gateway's
sign-in in between; and the attacks on it (replay, races, other services, look-alike hosts,
open redirects, proxy tickets, oversized parameters)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
import redis
import uvicorn
from cas import CASClient
from lxml import etree, html

from catalogue_sync.config import NetworkConfig, Settings
from catalogue_sync.gateway.pseudonyms import pseudonym
from catalogue_sync.gateway.signin import SignIn
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.sandbox.vendors import create_app as vendors_app
from services.serving import free_port, quiet_config, serve_on_loopback, wait_until_up
from tests.conftest import REDIS_URL
from tests.services.gateway.conftest import (
    KEYS,
    PATRONS,
    SIGNING_KEY,
    Browsers,
    TableIls,
    gateway_network,
    went_on,
)

NS = "http://www.yale.edu/tp/cas"
CAS_NS = {"cas": NS}
SERVICE = "https://sso.cafeyn.example/reseau/login?from=catalogue&lang=fr"
"""A registered service (cafeyn registers https://sso.cafeyn.example/reseau/), with a query."""
LUDO = "https://ludo.example/portail/"


def cas_network(prefix: str, database: Path, **gateway: Any) -> NetworkConfig:
    """The gateway's test network, plus a CAS vendor that releases only library and category
    and has one resource per category (each claiming its own folder of the vendor's site)."""
    data = gateway_network(prefix, **gateway).model_dump(mode="json")
    data["storage"] = {"url": f"sqlite:///{database}"}
    data["vendors"]["ludo"] = {"name": "Ludothèque", "access": "cas", "services": [LUDO],
                               "release": ["library", "category"]}
    data["resources"]["ludo-adultes"] = {
        "vendor": "ludo", "name": "Jeux adultes", "kind": "games",
        "url": f"{LUDO}adultes/", "categories": ["adult"]}
    data["resources"]["ludo-jeunes"] = {
        "vendor": "ludo", "name": "Jeux jeunesse", "kind": "games",
        "url": f"{LUDO}jeunes/", "categories": ["youth"]}
    return NetworkConfig.model_validate(data)


def open_context(network: NetworkConfig) -> GatewayContext:
    context = GatewayContext.open(network, Settings(redis_url=None), keys=KEYS)
    context.sign_in = SignIn(network, KEYS, context.sessions, context.sign_in.throttle, TableIls)
    return context


@pytest.fixture
def cas_context(redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[GatewayContext]:
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    context = open_context(cas_network(redis_prefix, tmp_path / "gateway.db"))
    yield context
    context.redis.close()


@pytest.fixture
def base_url(cas_context: GatewayContext) -> Iterator[str]:
    with serve_on_loopback(create_app(cas_context), health="/health", name="gateway") as url:
        yield url


@pytest.fixture
def gateway_url(base_url: str) -> str:
    """This module's gateway, for the shared ``browsers`` fixture."""
    return base_url


VENDORS: list[CASClient] = []


@pytest.fixture(autouse=True)
def _close_vendors() -> Iterator[None]:
    yield
    while VENDORS:
        VENDORS.pop().session.close()


def vendor(base_url: str, service: str = SERVICE, version: int = 3, **options: Any
           ) -> CASClient:
    """The vendor's side: python-cas, speaking to the gateway over HTTP (its connections are
    closed after the test)."""
    client = CASClient(version=version, server_url=f"{base_url}/cas/", service_url=service,
                       **options)
    VENDORS.append(client)
    return client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in_at(browser: httpx.Client, location: str, who: str = "adult") -> httpx.Response:
    """Fill in the sign-in form ``location`` shows (keeping its way back), as a patron does."""
    form = browser.get(location)
    assert form.status_code == 200, form.text
    back = html.fromstring(form.text).xpath("//input[@name='next']/@value")[0]
    card, pin = PATRONS[who]
    answer = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                              "carte": card, "code": pin, "next": unescape(back)})
    assert answer.status_code == 303, answer.text
    return went_on(browser, browser.get(answer.headers["location"]))


def ticket_of(answer: httpx.Response, service: str = SERVICE) -> str:
    """The ticket in the redirect back to ``service`` (which keeps its own query)."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{service}&ticket=" if "?" in service else f"{service}?ticket=")
    ticket = dict(parse_qsl(urlsplit(location).query))["ticket"]
    assert ticket.startswith("ST-") and len(ticket) >= 35
    return ticket


def ticket_for(browser: httpx.Client, base_url: str, service: str = SERVICE) -> str:
    """A ticket for a browser already signed in (single sign-on: no form)."""
    return ticket_of(browser.get(path_of(vendor(base_url, service).get_login_url())), service)


def validation(base_url: str, path: str = "p3/serviceValidate", **params: str
               ) -> etree._Element:
    """A validation's answer, parsed with lxml (which fails on anything not well formed)."""
    answer = httpx.get(f"{base_url}/cas/{path}", params=params, timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(answer.content)
    assert root.tag == f"{{{NS}}}serviceResponse"
    return root


def failure_code(root: etree._Element) -> str:
    failure = root.find("cas:authenticationFailure", CAS_NS)
    assert failure is not None, etree.tostring(root)
    return str(failure.get("code"))


def test_a_vendor_signs_a_patron_in_with_python_cas_and_learns_only_a_pseudonym(
        base_url: str, browsers: Browsers) -> None:
    client = vendor(base_url)
    browser = browsers.new()
    to_signin = browser.get(path_of(client.get_login_url()))
    assert to_signin.status_code == 303
    assert to_signin.headers["location"].startswith("/connexion?next=/cas/login%3Fservice%3D")
    ticket = ticket_of(sign_in_at(browser, to_signin.headers["location"]))
    user, attributes, pgtiou = client.verify_ticket(ticket)
    card = PATRONS["adult"][0]
    assert user == pseudonym(KEYS.subject("fm", card), "cafeyn") and pgtiou is None
    assert attributes == {"library": "fm", "resource": "presse", "category": "adult",
                          "isFromNewLogin": "true"}
    again = ticket_for(browser, base_url)  # single sign-on: the session gives a ticket at once
    assert vendor(base_url).verify_ticket(again)[:2] == (
        user, {**attributes, "isFromNewLogin": "false"})
    third = ticket_for(browser, base_url)
    raw = httpx.get(f"{base_url}/cas/serviceValidate",
                    params={"ticket": third, "service": SERVICE}).text
    assert card not in raw and "Médiathèque" not in raw
    assert vendor(base_url, version=2).verify_ticket(ticket_for(browser, base_url))[0] == user


def test_the_json_answer_carries_the_same_as_the_xml(base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in("youth")
    answer = httpx.get(f"{base_url}/cas/p3/serviceValidate", params={
        "ticket": ticket_for(browser, base_url), "service": SERVICE, "format": "JSON"})
    assert answer.headers["content-type"] == "application/json"
    success = answer.json()["serviceResponse"]["authenticationSuccess"]
    assert success["user"] == pseudonym(KEYS.subject("fm", PATRONS["youth"][0]), "cafeyn")
    assert success["attributes"]["category"] == "youth"
    failed = httpx.get(f"{base_url}/cas/p3/serviceValidate", params={
        "ticket": "ST-" + "x" * 40, "service": SERVICE, "format": "JSON"}).json()
    assert failed["serviceResponse"]["authenticationFailure"]["code"] == "INVALID_TICKET"


def test_a_ticket_is_good_once(base_url: str, browsers: Browsers) -> None:
    ticket = ticket_for(browsers.signed_in(), base_url)
    assert vendor(base_url).verify_ticket(ticket)[0] is not None
    assert vendor(base_url).verify_ticket(ticket)[0] is None
    assert failure_code(validation(base_url, ticket=ticket, service=SERVICE)) == "INVALID_TICKET"


def validated_at_once(base_url: str, ticket: str, count: int) -> list[str | None]:
    """The users ``count`` vendors' servers get validating one ticket at the same moment."""
    start = threading.Barrier(count)
    users: list[str | None] = []

    def validate() -> None:
        client = vendor(base_url)
        start.wait()
        users.append(client.verify_ticket(ticket)[0])

    threads = [threading.Thread(target=validate) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return users


def test_of_two_validations_at_the_same_moment_exactly_one_succeeds(
        base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in()
    for count in (2, 2, 4, 4):
        users = validated_at_once(base_url, ticket_for(browser, base_url), count)
        assert len(users) == count and sum(user is not None for user in users) == 1


def test_a_ticket_validated_for_another_service_is_refused_and_burnt(
        base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in()
    for other in ("https://sso.cafeyn.example/reseau/login?from=elsewhere",
                  "https://sso.cafeyn.example/reseau/autre", f"{LUDO}jeux/",
                  "https://sso.cafeyn.example.evil.com/reseau/login?from=catalogue&lang=fr"):
        ticket = ticket_for(browser, base_url)
        assert failure_code(validation(base_url, ticket=ticket, service=other)) == (
            "INVALID_SERVICE")
        assert failure_code(validation(base_url, ticket=ticket, service=SERVICE)) == (
            "INVALID_TICKET"), "the ticket died with the wrong service"
    # the same service written differently is the same service
    ticket = ticket_for(browser, base_url)
    same = "HTTPS://SSO.Cafeyn.Example:443/reseau/login?from=catalogue&lang=fr"
    assert validation(base_url, ticket=ticket, service=same).find(
        "cas:authenticationSuccess", CAS_NS) is not None


LOOK_ALIKES = [
    "https://sso.cafeyn.example.evil.com/reseau/login",
    "https://evil.com/?https://sso.cafeyn.example/reseau/",
    "https://evil.com/https://sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example@evil.com/reseau/",
    "https://user:secret@sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example\\@evil.com/reseau/",
    "https:\\\\sso.cafeyn.example/reseau/",
    "//sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example/reseaux/login",
    "https://sso.cafeyn.example/reseau",
    "https://sso.cafeyn.example/reseau/../admin/",
    "https://sso.cafeyn.example/reseau/%2e%2e/admin/",
    "https://sso.cafeyn.example/reseau/..;/admin/",
    "https://sso.cafeyn.example/reseau/%2F%2Fevil.com/",
    "http://sso.cafeyn.example/reseau/login",
    "https://sso.cafeyn.example:8443/reseau/login",
    "https://sso.cafeyn.example./reseau/login",
    "https://sso.cafeyn.exa\tmple/reseau/login",
    "https://sso.cafeyn.example/reseau/\r\nSet-Cookie:%20x=1",
    "https://ssо.cafeyn.example/reseau/login",  # a Cyrillic о
    "https://sso.cafeyn.example/reseau/login#ticket",
    "javascript:alert(1)//sso.cafeyn.example/reseau/",
    "https://sso.cafeyn.example:99999/reseau/",
    "",
]


@pytest.mark.parametrize("service", LOOK_ALIKES)
def test_login_never_sends_a_patron_to_an_unregistered_service(
        base_url: str, browsers: Browsers, service: str) -> None:
    browser = browsers.signed_in()
    answer = browser.get("/cas/login", params={"service": service})
    if service == "":
        assert answer.status_code == 400
    else:
        assert answer.status_code == 400 and "location" not in answer.headers
        title = html.fromstring(answer.text).findtext(".//h1")
        assert title == "Adresse de retour inconnue"
    assert "ticket=" not in answer.text
    gateway = browsers.new().get("/cas/login", params={"service": service, "gateway": "true"})
    assert gateway.status_code == 400 and "location" not in gateway.headers
    assert failure_code(validation(base_url, ticket="ST-" + "a" * 43, service=service)) in (
        "INVALID_SERVICE", "INVALID_REQUEST")


def test_the_unknown_service_page_is_in_the_patron_s_language(browsers: Browsers) -> None:
    answer = browsers.new().get("/cas/login", params={"service": LOOK_ALIKES[0]},
                                headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert answer.status_code == 400
    assert html.fromstring(answer.text).findtext(".//h1") == "Unknown return address"


def test_a_ticket_expires_after_ticket_seconds(
        base_url: str, browsers: Browsers, cas_context: GatewayContext) -> None:
    ticket_for(browsers.signed_in(), base_url)
    prefix = cas_context.sessions.prefix
    keys = list(cas_context.redis.scan_iter(match=f"{prefix}:cas:ticket:*"))
    assert len(keys) == 1 and 0 < int(cas_context.redis.ttl(keys[0])) <= 30
    cas_context.redis.pexpire(keys[0], 1)  # what 30 seconds of waiting would do
    threading.Event().wait(0.05)
    assert not list(cas_context.redis.scan_iter(match=f"{prefix}:cas:ticket:*"))


def test_renew_asks_for_card_and_pin_again(base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in()
    sso_ticket = ticket_for(browser, base_url)
    assert failure_code(validation(base_url, ticket=sso_ticket, service=SERVICE,
                                   renew="true")) == "INVALID_TICKET"
    renew = vendor(base_url, renew=True)
    to_signin = browser.get(path_of(renew.get_login_url()))
    assert to_signin.status_code == 303 and to_signin.headers["location"].startswith(
        "/connexion?next=")
    assert browser.get("/ressources").status_code == 303, "the old session ended"
    back = sign_in_at(browser, to_signin.headers["location"])
    ticket = ticket_of(back)
    root = validation(base_url, ticket=ticket, service=SERVICE, renew="true")
    assert root.findtext("cas:authenticationSuccess/cas:attributes/cas:isFromNewLogin",
                         namespaces=CAS_NS) == "true"
    # the way back, replayed from this browser's history, does not count as a new sign-in
    way_back = dict(parse_qsl(urlsplit(to_signin.headers["location"]).query))["next"]
    replayed = browser.get(way_back)
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/connexion")


def test_gateway_true_without_a_session_goes_back_without_a_ticket(
        base_url: str, browsers: Browsers) -> None:
    quiet = vendor(base_url, extra_login_params={"gateway": "true"})
    answer = browsers.new().get(path_of(quiet.get_login_url()))
    assert answer.status_code == 303 and answer.headers["location"] == SERVICE
    signed = browsers.signed_in().get(path_of(quiet.get_login_url()))
    assert quiet.verify_ticket(ticket_of(signed))[0] is not None


def test_a_patron_not_entitled_gets_a_page_in_words_and_no_ticket(
        base_url: str, browsers: Browsers) -> None:
    youth = browsers.signed_in("youth")
    refused = youth.get("/cas/login", params={"service": f"{LUDO}adultes/partie"})
    assert refused.status_code == 403 and "location" not in refused.headers
    page = html.fromstring(refused.text)
    assert page.findtext(".//h1") == "Accès non inclus"
    assert "Ludothèque" in page.findtext(".//p[@class='message']")
    quiet = youth.get("/cas/login", params={"service": f"{LUDO}adultes/partie",
                                            "gateway": "true"})
    assert quiet.headers["location"] == f"{LUDO}adultes/partie"


def test_the_ticket_stands_for_the_resource_its_service_names_and_the_release_policy(
        base_url: str, browsers: Browsers) -> None:
    adult, youth = browsers.signed_in("adult"), browsers.signed_in("youth")
    for browser, service, category in ((adult, f"{LUDO}adultes/partie", "adult"),
                                       (youth, f"{LUDO}jeunes/", "youth"),
                                       (youth, f"{LUDO}accueil", "youth")):
        user, attributes, _ = vendor(base_url, service).verify_ticket(
            ticket_for(browser, base_url, service))
        assert attributes == {"library": "fm", "category": category,
                              "isFromNewLogin": "false"}, "ludo receives no resource"
        assert user.startswith("once.") and "v1." not in user, "nor a pseudonym"
    first = vendor(base_url, f"{LUDO}jeunes/").verify_ticket(
        ticket_for(youth, base_url, f"{LUDO}jeunes/"))[0]
    assert first != vendor(base_url, f"{LUDO}jeunes/").verify_ticket(
        ticket_for(youth, base_url, f"{LUDO}jeunes/"))[0]


def test_logout_ends_the_session_and_goes_back_only_to_a_registered_service(
        base_url: str, browsers: Browsers) -> None:
    for target in ("https://evil.com/", "https://sso.cafeyn.example.evil.com/reseau/",
                   "//evil.com/", "/\\evil.com"):
        browser = browsers.signed_in()
        answer = browser.get("/cas/logout", params={"service": target})
        assert answer.status_code == 200 and "location" not in answer.headers
        assert html.fromstring(answer.text).findtext(".//h1") == "Vous êtes déconnecté"
        assert 'session=""' in answer.headers["set-cookie"]
        assert browser.get("/ressources").status_code == 303
    browser = browsers.signed_in()
    home = "https://sso.cafeyn.example/reseau/au-revoir"
    answer = browser.get(path_of(vendor(base_url).get_logout_url(home)))
    assert answer.status_code == 303 and answer.headers["location"] == home
    assert browser.get("/ressources").status_code == 303
    english = browsers.new().get("/cas/logout?lang=en")
    assert html.fromstring(english.text).findtext(".//h1") == "You are signed out"


def test_no_proxy_tickets(base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in()
    ticket = ticket_for(browser, base_url)
    proxied = vendor(base_url, proxy_callback="https://sso.cafeyn.example/reseau/pgt")
    assert proxied.verify_ticket(ticket)[0] is None
    root = validation(base_url, ticket=ticket_for(browser, base_url), service=SERVICE,
                      pgtUrl="https://sso.cafeyn.example/reseau/pgt")
    assert failure_code(root) == "UNAUTHORIZED_SERVICE_PROXY"
    assert root.find(".//cas:proxyGrantingTicket", CAS_NS) is None
    assert failure_code(validation(base_url, ticket=ticket, service=SERVICE)) == (
        "INVALID_TICKET"), "the ticket shown with pgtUrl is used up"
    for path in ("proxyValidate", "p3/proxyValidate"):
        assert failure_code(validation(base_url, path, ticket="PT-" + "a" * 40,
                                       service=SERVICE)) == "INVALID_REQUEST"
    proxy = validation(base_url, "proxy", pgt="PGT-1", targetService=SERVICE)
    assert proxy.find("cas:proxyFailure", CAS_NS).get("code") == "INVALID_REQUEST"
    assert failure_code(validation(base_url, ticket="PT-" + "a" * 40, service=SERVICE)) == (
        "INVALID_TICKET_SPEC")


@pytest.mark.parametrize(("params", "code"), [
    ({}, "INVALID_REQUEST"),
    ({"service": SERVICE}, "INVALID_REQUEST"),
    ({"ticket": "ST-" + "a" * 43}, "INVALID_REQUEST"),
    ({"ticket": "ST-" + "a" * 10_000, "service": SERVICE}, "INVALID_REQUEST"),
    ({"ticket": "ST-" + "a" * 43, "service": SERVICE + "x" * 5000}, "INVALID_REQUEST"),
    ({"ticket": "ST-<&>" + "a" * 40, "service": SERVICE}, "INVALID_TICKET_SPEC"),
    ({"ticket": "TGT-" + "a" * 40, "service": SERVICE}, "INVALID_TICKET_SPEC"),
    ({"ticket": "ST-" + "a" * 43, "service": SERVICE}, "INVALID_TICKET"),
])
def test_bad_validations_get_their_cas_code(base_url: str, params: dict[str, str],
                                            code: str) -> None:
    assert failure_code(validation(base_url, **params)) == code


def test_hostile_parameters_get_4xx_or_a_cas_failure_never_a_500(
        base_url: str, browsers: Browsers) -> None:
    browser = browsers.signed_in()
    huge = "https://sso.cafeyn.example/reseau/" + "a" * 30_000
    for path in (f"/cas/login?{urlencode({'service': huge})}",
                 f"/cas/login?{urlencode({'service': huge[:3000]})}",
                 f"/cas/logout?{urlencode({'service': huge[:3000]})}",
                 f"/cas/p3/serviceValidate?{urlencode({'ticket': huge, 'service': huge})}",
                 f"/cas/login?service={SERVICE}&service=https://evil.com/",
                 "/cas/login?service=%FF%FE",
                 "/cas/login?service=https%3A%2F%2Fsso.cafeyn.example%2Freseau%2F%00",
                 f"/cas/login?{urlencode({'service': SERVICE, 'signin': 'x' * 5000})}",
                 f"/cas/login?{urlencode({'service': SERVICE, 'renew': 'x' * 5000})}"):
        try:
            answer = browser.get(path)
        except httpx.RemoteProtocolError:
            continue  # the HTTP server dropped a request line too long to read: no answer
        assert 400 <= answer.status_code < 500 or answer.status_code in (200, 303), path
        assert answer.status_code != 303 or answer.headers["location"].startswith(
            ("https://sso.cafeyn.example/reseau/login?", "/connexion")), path
    doubled = browser.get(f"/cas/p3/serviceValidate?ticket=ST-{'a' * 43}&ticket=ST-{'b' * 43}"
                          f"&service={SERVICE}")
    assert failure_code(etree.fromstring(doubled.content)) == "INVALID_REQUEST"
    assert browser.get("/cas/login", params={"service": SERVICE, "gateway": "true",
                                             "renew": "false"}).status_code == 303


def test_login_without_a_service_leads_to_the_patron_s_resources(browsers: Browsers) -> None:
    assert browsers.new().get("/cas/login").headers["location"] == "/ressources"


def test_a_ticket_store_that_cannot_be_reached_is_an_internal_error(
        redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    context = open_context(cas_network(redis_prefix, tmp_path / "gateway.db"))
    context.redis.close()
    context.redis = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as url:
        root = validation(url, ticket="ST-" + "a" * 43, service=SERVICE)
    assert failure_code(root) == "INTERNAL_ERROR"
    assert REDIS_URL not in etree.tostring(root).decode()


@contextmanager
def served_on(app: Any, sock: socket.socket) -> Iterator[str]:
    """``app`` served on a socket bound beforehand (the vendor must be registered in the
    gateway's network before either server starts)."""
    server = uvicorn.Server(quiet_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        wait_until_up(f"{base_url}/_health", thread.is_alive, "vendors")
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_the_sandbox_press_site_signs_a_reader_in_through_the_gateway(
        redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_APPRENDRE_KEY", SIGNING_KEY)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    kiosque = f"http://127.0.0.1:{sock.getsockname()[1]}/kiosque/"
    data = cas_network(redis_prefix, tmp_path / "gateway.db").model_dump(mode="json")
    data["vendors"]["kiosque"] = {"name": "Kiosque", "access": "cas", "services": [kiosque]}
    data["resources"]["kiosque"] = {"vendor": "kiosque", "name": "Kiosque", "kind": "press",
                                    "url": kiosque}
    context = open_context(NetworkConfig.model_validate(data))
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as gateway, \
            served_on(vendors_app(gateway), sock), \
            httpx.Client(follow_redirects=True, timeout=10) as browser:
        form = browser.get(kiosque)
        assert str(form.url).startswith(f"{gateway}/connexion?next=/cas/login")
        card, pin = PATRONS["adult"]
        back = html.fromstring(form.text).xpath("//input[@name='next']/@value")[0]
        read = went_on(browser, browser.post(f"{gateway}/connexion", data={
            "csrf": browser.cookies["signin-csrf"], "carte": card, "code": pin, "next": back}))
        assert str(read.url) == kiosque and read.status_code == 200
        alias = pseudonym(KEYS.subject("fm", card), "kiosque")
        assert f"lecteur {alias} (fm, adult)" in read.text
    context.redis.close()
