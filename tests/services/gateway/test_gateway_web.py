"""The patron's side of the gateway over real HTTP: sign in, list, open, sign out, and the
attacks on it (CSRF, session fixation, brute force, open redirects)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
from lxml import html

from catalogue_sync.gateway.pseudonyms import pseudonym
from catalogue_sync.gateway.signed_links import verify
from tests.services.gateway.conftest import KEYS, PATRONS, SIGNING_KEY, Browsers


def page(response: httpx.Response) -> html.HtmlElement:
    assert response.headers["content-type"].startswith("text/html")
    return html.fromstring(response.text)


def words(response: httpx.Response, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in page(response).xpath(xpath)]


def test_signing_in_lists_the_resources_the_patron_is_entitled_to(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    assert browser.get("/ressources").headers["location"] == "/connexion?next=/ressources"
    adult = browsers.signed_in("adult")
    listed = adult.get("/ressources")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert words(listed, "//h2") == ["Presse en ligne", "Autoformation"]
    assert "Médiathèque François-Mitterrand (adulte)" in words(listed, "//p[@class='intro']")[0]
    youth = browsers.signed_in("youth")
    assert words(youth.get("/ressources"), "//h2") == ["Presse en ligne"]
    departmental = browsers.signed_in("bdp")
    assert words(departmental.get("/ressources?lang=en"), "//h2") == ["Presse en ligne", "Films"]


def test_the_session_cookie_is_httponly_and_samesite(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    browser.get("/connexion")
    card, pin = PATRONS["adult"]
    answer = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                              "carte": card, "code": pin})
    cookie = next(value for name, value in answer.headers.multi_items()
                  if name == "set-cookie" and value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and card not in cookie


def test_opening_a_resource_follows_its_vendor_s_method(
        gateway_url: str, browsers: Browsers) -> None:
    adult = browsers.signed_in("adult")
    cas = adult.get("/ressources/presse")
    assert cas.headers["location"] == "https://sso.cafeyn.example/reseau/login"
    link = adult.get("/ressources/autoformation").headers["location"]
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == ("apprendre.example", "/entree")
    fields = dict(parse_qsl(parts.query))
    subject = KEYS.subject("fm", PATRONS["adult"][0])
    assert fields["patron"] == pseudonym(subject, "apprendre") != pseudonym(subject, "cafeyn")
    assert (fields["library"], fields["category"], fields["kid"]) == ("fm", "adult", "1")
    assert PATRONS["adult"][0] not in link
    assert verify(parts.query, SIGNING_KEY.encode(), max_age=60)
    assert not verify(parts.query.replace("adult", "youth"), SIGNING_KEY.encode(), max_age=60)
    forbidden = adult.get("/ressources/films")
    assert forbidden.status_code == 403 and words(forbidden, "//h1") == ["Ressource non incluse"]
    api = browsers.signed_in("bdp").get("/ressources/films").headers["location"]
    query = dict(parse_qsl(urlsplit(api).query))
    assert query["src"] == "gw" and query["resource"] == "films"
    assert query["patron"] == pseudonym(KEYS.subject("bdp", PATRONS["bdp"][0]), "filmo")
    assert adult.get("/ressources/nothing").status_code == 404


def test_a_wrong_card_and_a_wrong_pin_get_the_same_answer(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    browser.get("/connexion")
    token = browser.cookies["signin-csrf"]
    wrong_pin = browser.post("/connexion", data={"csrf": token, "carte": "29000001234",
                                                 "code": "0000"})
    wrong_card = browser.post("/connexion", data={"csrf": token, "carte": "29001111111",
                                                  "code": "1234"})
    assert wrong_pin.status_code == wrong_card.status_code == 401
    assert words(wrong_pin, "//*[@role='alert']") == words(wrong_card, "//*[@role='alert']") == [
        "Numéro de carte ou code personnel incorrect. Vérifiez-les et réessayez."]
    assert "29001111111" not in wrong_card.text, "the card is never echoed"


def test_repeated_failures_lock_the_card_with_a_message_and_retry_after(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    browser.get("/connexion")
    token = browser.cookies["signin-csrf"]
    for _ in range(5):
        browser.post("/connexion", data={"csrf": token, "carte": "29000001234", "code": "0"})
    locked = browser.post("/connexion", data={"csrf": token, "carte": "29000001234",
                                              "code": "1234"})
    assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "bloquée pendant 15 minute(s)" in words(locked, "//*[@role='alert']")[0]


def test_the_sign_in_form_refuses_a_post_without_its_token(
        gateway_url: str, browsers: Browsers) -> None:
    card, pin = PATRONS["adult"]
    forged = httpx.post(f"{gateway_url}/connexion", data={"carte": card, "code": pin})
    assert forged.status_code == 400 and "session" not in forged.cookies
    browser = browsers.new()
    browser.get("/connexion")
    other = browser.post("/connexion", data={"csrf": "x" * 32, "carte": card, "code": pin})
    assert other.status_code == 400


def test_a_session_id_planted_before_sign_in_is_never_kept(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new(session="planted-by-attacker")
    browser.get("/connexion")
    card, pin = PATRONS["adult"]
    answer = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                              "carte": card, "code": pin})
    given = answer.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert given not in ("planted-by-attacker", "") and len(given) >= 40
    attacker = browsers.new(session="planted-by-attacker")
    assert attacker.get("/ressources").status_code == 303


def test_sign_in_goes_back_to_a_page_of_this_site_only(
        gateway_url: str, browsers: Browsers) -> None:
    for target, expected in (("/ressources/presse", "/connexion/suite?next=/ressources/presse"),
                             ("https://evil.example/", "/ressources"),
                             ("//evil.example/", "/ressources"),
                             ("/\\evil.example", "/ressources")):
        browser = browsers.new()
        browser.get("/connexion")
        card, pin = PATRONS["adult"]
        answer = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                                  "carte": card, "code": pin, "next": target})
        assert answer.headers["location"] == expected, target


def test_the_page_after_a_sign_in_goes_on_to_a_page_of_this_site_only(
        gateway_url: str, browsers: Browsers) -> None:
    """A sign-in's redirects may not reach a vendor (form-action 'self' applies to them):
    the page it leads to goes on by a refresh of its own, never off the site."""
    back = "/cas/login?service=https://sso.cafeyn.example/reseau/&signin=abc"
    for target, expected in ((back, back), ("/ressources/presse", "/ressources/presse"),
                             ("https://evil.example/", "/ressources"),
                             ("//evil.example/", "/ressources")):
        answer = browsers.new().get("/connexion/suite", params={"next": target})
        assert "form-action 'self';" in answer.headers["content-security-policy"]
        onward = page(answer)
        assert onward.xpath("//meta[@http-equiv='refresh']/@content") == [f"0; url={expected}"]
        assert onward.xpath("//main//a/@href") == [expected], target


def test_signing_out_here_or_everywhere(
        gateway_url: str, browsers: Browsers) -> None:
    laptop, phone = browsers.signed_in(), browsers.signed_in()
    token = page(laptop.get("/ressources")).xpath(
        "//form[@class='signout']/input[@name='csrf']")[0]
    refused = laptop.post("/deconnexion", data={"csrf": "wrong", "portee": "ici"})
    assert refused.status_code == 400
    done = laptop.post("/deconnexion", data={"csrf": token.get("value"), "portee": "partout"})
    assert done.headers["location"] == "/connexion?fin=partout"
    assert laptop.get("/ressources").status_code == 303
    assert phone.get("/ressources").status_code == 303, "every device was signed out"
    notice = httpx.get(f"{gateway_url}/connexion?fin=partout")
    assert words(notice, "//*[@role='status']") == ["Vous êtes déconnecté sur tous vos appareils."]


def test_hostile_requests_get_4xx(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    assert browser.post("/connexion", content=b"x" * 10_000).status_code == 400
    assert browser.post("/connexion", content=b"\xff\xfe=\xff").status_code == 400
    assert browser.get("/nulle-part", headers={"accept": "text/html"}).status_code == 404
    assert browser.get("/ressources/" + "a" * 5000).status_code in (404, 414)
    browser.get("/connexion")
    long = browser.post("/connexion", data={"csrf": browser.cookies["signin-csrf"],
                                            "carte": "9" * 500, "code": "1"})
    assert long.status_code in (400, 401)
