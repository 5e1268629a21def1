"""Bursts of simultaneous sign-ins against the real dashboard (the search service on loopback,
real Redis): a burst on one name computes at most the name's limit of password hashes, and
never more than ``HASHES_AT_ONCE`` run at once, each holding its 32 MiB of scrypt.

scrypt is wrapped to count the hashes computed and how many run together; it can be held,
so that the burst is really in flight together."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from services.search.admin import passwords
from services.search.admin.state import ATTEMPTS_PER_ADDRESS, ATTEMPTS_PER_NAME
from tests.services.search.admin.conftest import NAME, PASSWORD, csrf_of

WAIT = 20.0
AT_ONCE = getattr(passwords, "HASHES_AT_ONCE", 2)


class CountedScrypt:
    """``passwords._scrypt``, counting calls and the most running at once; ``held`` keeps
    each call waiting until ``go`` (or ``pause`` seconds, to make calls overlap)."""

    def __init__(self, real: Callable[[str, bytes, int, int, int], bytes]) -> None:
        self.real = real
        self.lock = threading.Lock()
        self.calls = self.running = self.most = 0
        self.costs: list[int] = []
        self.go = threading.Event()
        self.go.set()
        self.pause = 0.0

    def __call__(self, password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            self.costs.append(n)
        try:
            self.go.wait(WAIT)
            time.sleep(self.pause)
            return self.real(password, salt, n, r, p)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def scrypt(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountedScrypt]:
    counted = CountedScrypt(passwords._scrypt)
    monkeypatch.setattr(passwords, "_scrypt", counted)
    yield counted
    counted.go.set()


def ready(base_url: str) -> tuple[httpx.Client, str]:
    """A browser with the sign-in form open; its token."""
    browser = httpx.Client(base_url=base_url, headers={"Accept": "text/html"},
                           timeout=WAIT + 10)
    return browser, csrf_of(browser.get("/admin/connexion").text)


def post(browser: httpx.Client, token: str, name: str, password: str) -> httpx.Response:
    return browser.post("/admin/connexion", headers={"Origin": str(browser.base_url)},
                        data={"csrf": token, "next": "/admin", "nom": name,
                              "mot_de_passe": password})


def until(condition: Callable[[], bool], what: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"the burst did not settle: {what()}")
        time.sleep(0.02)


def test_a_burst_of_wrong_passwords_then_the_right_one_never_signs_in(
        dashboard_url: str, scrypt: CountedScrypt, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every reserved attempt gets its turn (raising=False: the test also runs on code
    # without the setting, to fail there by what it does).
    monkeypatch.setattr(passwords, "HASH_WAIT", WAIT, raising=False)
    scrypt.go.clear()
    browsers = [ready(dashboard_url) for _ in range(31)]
    try:
        right_answer, statuses = burst(browsers, scrypt)
    finally:
        for browser, _ in browsers:
            browser.close()
    assert right_answer.status_code == 429 and "admin-session" not in right_answer.cookies
    assert statuses == [401] * ATTEMPTS_PER_NAME + [429] * (30 - ATTEMPTS_PER_NAME)
    assert scrypt.calls == ATTEMPTS_PER_NAME, "a hash for each attempt the limit lets through"
    assert scrypt.most <= AT_ONCE


def burst(browsers: list[tuple[httpx.Client, str]], scrypt: CountedScrypt
          ) -> tuple[httpx.Response, list[int]]:
    """30 wrong passwords at once, then the right one while they are held; its answer, and
    the statuses of the 30."""
    with ThreadPoolExecutor(max_workers=31) as pool:
        wrong: list[Future[httpx.Response]] = [
            pool.submit(post, browser, token, NAME, f"not it {n}")
            for n, (browser, token) in enumerate(browsers[:30])]
        until(lambda: sum(f.done() for f in wrong) >= 30 - ATTEMPTS_PER_NAME,
              lambda: f"{sum(f.done() for f in wrong)} answered, {scrypt.calls} hashes")
        right = pool.submit(post, *browsers[30], NAME, PASSWORD)
        try:  # answered at once when refused; held with the burst if it reached a hash
            right_answer = right.result(timeout=5)
        except TimeoutError:
            pytest.fail("the right password was hashed after the name's limit")
        finally:
            scrypt.go.set()
        return right_answer, sorted(f.result().status_code for f in wrong)


def test_hashes_at_once_are_bounded_and_those_without_a_turn_are_told_to_come_back(
        dashboard_url: str, scrypt: CountedScrypt, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASH_WAIT", 0.2, raising=False)
    scrypt.pause = 0.5  # each hash long enough for the others to queue behind it
    names = [f"visiteur{n}" for n in range(ATTEMPTS_PER_ADDRESS)]  # no account: decoy hashes
    browsers = [ready(dashboard_url) for _ in names]
    try:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            answers = list(pool.map(lambda pair: post(*pair[0], pair[1], "not it"),
                                    zip(browsers, names, strict=True)))
    finally:
        for browser, _ in browsers:
            browser.close()
    assert scrypt.most <= AT_ONCE, f"{scrypt.most} hashes ran at once"
    busy = [answer for answer in answers if answer.status_code == 503]
    assert busy and {answer.status_code for answer in answers} <= {401, 503}
    assert "Trop de connexions arrivent en même temps" in busy[0].text
    assert busy[0].headers["Retry-After"] == "5"
    # Turned away is not counted: the address may still try as many times as before.
    browser, token = ready(dashboard_url)
    try:
        assert post(browser, token, NAME, PASSWORD).status_code == 303
    finally:
        browser.close()


def test_an_unknown_name_costs_the_hash_of_the_dearest_account(
        scrypt: CountedScrypt) -> None:
    dear = passwords.hash_password("x", n=2**11, r=8, p=1)
    accounts = passwords.Accounts({"marie": passwords.hash_password("y", n=2**10, r=8, p=1),
                                   "paul": dear})
    scrypt.costs.clear()
    assert accounts.check("paul", "nope") is False
    assert accounts.check("nobody", "nope") is False
    assert scrypt.costs[-2:] == [2**11, 2**11]
