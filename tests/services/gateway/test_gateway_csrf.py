"""Login CSRF on the gateway, over real HTTP: a token planted in the sign-in cookie, forms
sent from another site's page (Origin, Referer, Sec-Fetch-Site), and the ``__Host-`` names
of the cookies when they are Secure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import html

from catalogue_sync.gateway.signin import SignIn
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.serving import serve_on_loopback
from tests.services.gateway.conftest import (
    KEYS,
    PATRONS,
    Browsers,
    TableIls,
    gateway_network,
    settings_in,
)

PUBLIC = "https://ressources.reseau.example"
"""The secure gateway's ``base_url``: what a browser there sends as Origin."""


def sign_in(browser: httpx.Client, token: str, **headers: str) -> httpx.Response:
    card, pin = PATRONS["adult"]
    return browser.post("/connexion", data={"csrf": token, "carte": card, "code": pin},
                        headers=headers)


def heading(response: httpx.Response) -> str:
    return " ".join(html.fromstring(response.text).xpath("//h1")[0].text_content().split())


def test_a_token_planted_in_the_sign_in_cookie_is_refused(
        gateway_url: str, browsers: Browsers) -> None:
    # What a sibling host of the domain (or anyone on a plain-HTTP path) can set: a cookie
    # and the same value in a form it has the victim post, from the gateway's own origin.
    planted = "A" * 32
    browser = browsers.new(**{"signin-csrf": planted})
    answer = sign_in(browser, planted, Origin=gateway_url)
    assert answer.status_code == 400 and "session" not in answer.cookies
    assert "Le formulaire a expiré" in answer.text
    own = answer.cookies["signin-csrf"]
    assert own != planted, "the form shown again carries a token the gateway made"
    fresh = browsers.new(**{"signin-csrf": own})
    assert sign_in(fresh, own, Origin=gateway_url).status_code == 303


def test_a_token_the_gateway_made_for_another_key_is_refused(
        gateway_url: str, browsers: Browsers) -> None:
    browser = browsers.new()
    browser.get("/connexion")
    nonce, issued, _ = browser.cookies["signin-csrf"].split(".")
    forged = f"{nonce}.{issued}.{'0' * 32}"
    browser.cookies.set("signin-csrf", forged)
    assert sign_in(browser, forged).status_code == 400


def test_a_sign_in_posted_from_another_site_is_refused_with_a_page_saying_so(
        gateway_url: str, browsers: Browsers) -> None:
    for headers in ({"Origin": "https://evil.example"},
                    {"Origin": "null"},
                    {"Referer": "https://evil.example/piege.html"},
                    {"Sec-Fetch-Site": "cross-site", "Origin": gateway_url},
                    {"Sec-Fetch-Site": "same-site"}):
        browser = browsers.new()
        browser.get("/connexion")
        answer = sign_in(browser, browser.cookies["signin-csrf"],
                         Accept="text/html", **headers)
        assert answer.status_code == 403, headers
        assert "session" not in answer.cookies
        assert heading(answer) == "Formulaire refusé"
        assert "n'a pas été envoyé depuis une page de ce site" in answer.text.replace(
            "&#39;", "'")


def test_a_sign_in_from_the_gateway_s_own_pages_still_works(
        gateway_url: str, browsers: Browsers) -> None:
    for headers in ({"Origin": gateway_url},
                    {"Referer": f"{gateway_url}/connexion?next=/ressources"},
                    {"Sec-Fetch-Site": "same-origin", "Origin": gateway_url},
                    {}):  # plain HTTP, no header: a local trial; the token still counts
        browser = browsers.new()
        browser.get("/connexion")
        answer = sign_in(browser, browser.cookies["signin-csrf"], **headers)
        assert answer.status_code == 303, (headers, answer.text)


def test_signing_out_from_another_site_is_refused(browsers: Browsers) -> None:
    browser = browsers.signed_in()
    token = html.fromstring(browser.get("/ressources").text).xpath(
        "//form[@class='signout']/input[@name='csrf']/@value")[0]
    refused = browser.post("/deconnexion", data={"csrf": token},
                           headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert browser.get("/ressources").status_code == 200, "still signed in"


@pytest.fixture
def secure_gateway(redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> Iterator[str]:
    """A gateway whose cookies are Secure (served over HTTPS by its proxy, at ``PUBLIC``)."""
    monkeypatch.setenv("TEST_APPRENDRE_KEY", "s" * 40)
    network = gateway_network(redis_prefix, cookie_secure=True, base_url=PUBLIC)
    context = GatewayContext.open(network, settings_in(tmp_path), keys=KEYS)
    context.sign_in = SignIn(network, KEYS, context.sessions, context.sign_in.throttle, TableIls)
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as url:
        yield url
    context.redis.close()
    context.store.close()


def test_with_secure_cookies_the_sign_in_cookie_is_a_host_cookie(secure_gateway: str) -> None:
    with httpx.Client(base_url=secure_gateway) as browser:
        form = browser.get("/connexion")
        cookie = form.headers["set-cookie"]
        assert cookie.startswith("__Host-signin-csrf=")
        assert "Secure" in cookie and "Path=/;" in cookie and "Domain" not in cookie
        token = cookie.split(";")[0].split("=", 1)[1]
        browser.cookies.set("__Host-signin-csrf", token)  # httpx keeps Secure ones back
        browser.cookies.set("signin-csrf", token)  # the old name no longer counts...
        answer = sign_in(browser, token, Origin=PUBLIC)
        assert answer.status_code == 303
        assert answer.headers["set-cookie"].startswith("__Host-session=")


def test_with_secure_cookies_a_post_must_say_it_comes_from_the_site(
        secure_gateway: str) -> None:
    with httpx.Client(base_url=secure_gateway) as browser:
        token = browser.get("/connexion").headers["set-cookie"].split(";")[0].split("=", 1)[1]
        browser.cookies.set("__Host-signin-csrf", token)
        # Neither Origin nor Referer: refused over HTTPS (every browser sends one).
        assert sign_in(browser, token).status_code == 403
        # An http:// page of the same host is not the HTTPS site.
        host = secure_gateway.removeprefix("http://")
        assert sign_in(browser, token, Origin=f"http://{host}").status_code == 403
        assert sign_in(browser, token, Origin=f"https://{host}").status_code == 303
        assert sign_in(browser, token, Referer=f"{PUBLIC}/connexion").status_code == 303
