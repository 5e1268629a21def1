"""The address the dashboard's sign-in throttle counts, against the real server started as
``catalogue-sync serve search`` starts it: a client that rotates X-Forwarded-For is still
counted at its own address, unless the proxy it comes through is trusted
(CATALOGUE_SYNC_TRUSTED_PROXIES)."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from services.search.admin.state import ATTEMPTS_PER_ADDRESS
from tests.services.search.admin.conftest import csrf_of
from tests.services.serve_command import serve_command


def search(network_file: Path, trusted: str = "") -> AbstractContextManager[str]:
    # The admins fixture (conftest) put the account in this environment.
    return serve_command(network_file, "search", {
        "CATALOGUE_SYNC_ADMINS": os.environ["CATALOGUE_SYNC_ADMINS"],
        "CATALOGUE_SYNC_REDIS_URL": "", "CATALOGUE_SYNC_DATABASE_URL": "",
        "CATALOGUE_SYNC_TRUSTED_PROXIES": trusted})


def wrong_sign_in(browser: httpx.Client, attempt: int, forwarded_for: str) -> int:
    """A sign-in with a name that is no account (a new one each time: only the address
    adds up)."""
    form = browser.get("/admin/connexion")
    return browser.post("/admin/connexion", headers={"X-Forwarded-For": forwarded_for},
                        data={"csrf": csrf_of(form.text), "nom": f"personne{attempt}",
                              "mot_de_passe": "x"}).status_code


def test_a_client_rotating_x_forwarded_for_is_still_limited_at_its_own_address(
        network_file: Path) -> None:
    with search(network_file) as base_url, httpx.Client(base_url=base_url) as browser:
        statuses = [wrong_sign_in(browser, n, f"203.0.113.{n}")
                    for n in range(ATTEMPTS_PER_ADDRESS + 1)]
    assert statuses == [401] * ATTEMPTS_PER_ADDRESS + [429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(
        network_file: Path) -> None:
    with (search(network_file, trusted="127.0.0.1") as base_url,
          httpx.Client(base_url=base_url) as browser):
        statuses = [wrong_sign_in(browser, n, "203.0.113.7")
                    for n in range(ATTEMPTS_PER_ADDRESS + 1)]
        other = wrong_sign_in(browser, 99, "203.0.113.8")
    assert statuses == [401] * ATTEMPTS_PER_ADDRESS + [429]
    assert other == 401, "a librarian elsewhere behind the same proxy is not locked out"
