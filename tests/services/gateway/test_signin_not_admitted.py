"""A right PIN on a card that may not sign in, against the gateway whose libraries give no
``contact``: the patron is told why, and to ask at the library's desk."""

from __future__ import annotations

import html
import re

import httpx

from tests.services.gateway.conftest import Browsers

MESSAGE = re.compile(r'<p class="message" role="alert" id="probleme">(.*?)</p>', re.S)
DESK = "Adressez-vous à l'accueil de Médiathèque François-Mitterrand."


def attempt(browsers: Browsers, card: str, pin: str) -> tuple[int, str]:
    browser = browsers.new()
    browser.get("/connexion")
    answer: httpx.Response = browser.post("/connexion", data={
        "csrf": browser.cookies["signin-csrf"], "carte": card, "code": pin})
    found = MESSAGE.search(answer.text)
    return answer.status_code, html.unescape(found[1]) if found else ""


def test_without_a_contact_the_library_s_desk_is_named(browsers: Browsers) -> None:
    for _ in range(6):  # past attempts_per_card (5): never a lockout
        assert attempt(browsers, "29000007777", "7777") == (403, (
            "Votre carte a expiré le 31 décembre 2025 : votre bibliothèque peut la "
            f"renouveler. {DESK}"))
    assert attempt(browsers, "29000006666", "6666") == (403, (
        "Votre compte est suspendu : votre bibliothèque vous dira pourquoi et comment le "
        f"rétablir. {DESK}"))
    status, said = attempt(browsers, "29000007777", "0000")  # a wrong PIN: nothing more
    assert status == 401 and said.startswith("Numéro de carte ou code personnel incorrect")
