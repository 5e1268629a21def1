"""The gateway's core on a real Redis: pseudonyms, sessions, attempts, one sign-in."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import ClassVar

import httpx
import pytest
import redis

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.errors import ConfigError, SourceUnavailable
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, pseudonym
from catalogue_sync.gateway.sessions import Patron, Sessions
from catalogue_sync.gateway.signin import (
    REFUSAL_FLOOR,
    ChooseLibrary,
    Locked,
    NotAdmitted,
    Refused,
    SignedIn,
    SignIn,
    Unavailable,
)
from catalogue_sync.gateway.throttle import Throttle
from catalogue_sync.patrons import PatronCheck
from tests.conftest import REDIS_URL

KEYS = PseudonymKeys.parse("v2:" + "ab" * 32 + ",v1:" + "cd" * 32)


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-gateway-{uuid.uuid4().hex[:10]}"
    connection.set("prefix-of-this-test", prefix)
    yield connection
    keys = list(connection.scan_iter(match=f"{prefix}:*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def prefix_of(client: redis.Redis) -> str:
    return str(client.get("prefix-of-this-test").decode())  # type: ignore[union-attr]


def test_a_pseudonym_is_stable_per_vendor_and_differs_between_vendors() -> None:
    subject = KEYS.subject("fm", "2900 0001 234")
    assert subject == KEYS.subject("fm", "29000001234")  # spaces are not part of a number
    assert subject.startswith("v2.") and "29000001234" not in subject
    cafeyn, other = pseudonym(subject, "cafeyn"), pseudonym(subject, "tout-apprendre")
    assert cafeyn == pseudonym(subject, "cafeyn") and cafeyn != other
    assert cafeyn.startswith("v2.") and len(cafeyn) == 29
    assert KEYS.subject("bdp", "29000001234") != subject  # another library's card
    rotated = PseudonymKeys.parse("v3:" + "ef" * 32 + ",v2:" + "ab" * 32)
    assert pseudonym(rotated.subject("fm", "29000001234"), "cafeyn") != cafeyn


@pytest.mark.parametrize(("value", "message"), [
    ("", "needs its pseudonym keys"), ("v1:abcd", "at least 32"), ("one:" + "ab" * 32, "v1"),
    ("v1:" + "zz" * 32, "not hexadecimal"), ("v1:" + "ab" * 32 + ",v1:" + "cd" * 32, "twice"),
])
def test_bad_pseudonym_keys_are_refused_without_showing_them(
        value: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KEYS", value)
    with pytest.raises(ConfigError, match=message) as caught:
        PseudonymKeys.from_environment("TEST_KEYS")
    assert "zz" * 32 not in str(caught.value) and "ab" * 32 not in str(caught.value)


def test_sessions_end_when_idle_at_their_age_limit_at_logout_and_everywhere(
        client: redis.Redis) -> None:
    sessions = Sessions(client, prefix=prefix_of(client), idle=2, absolute=3)
    patron = Patron("fm", "adult", KEYS.subject("fm", "29000001234"))
    first, second = sessions.open(patron), sessions.open(patron)
    assert first.id != second.id and first.csrf != second.csrf
    found = sessions.find(first.id)
    assert found is not None and found.patron == patron
    assert not list(client.scan_iter(match=f"*{first.id}*")), "ids are kept hashed"
    assert sessions.find("forged") is None and sessions.find("x" * 500) is None
    sessions.close(first)
    assert sessions.find(first.id) is None and sessions.find(second.id) is not None
    third = sessions.open(patron)
    assert sessions.close_everywhere(patron.subject) == 2
    assert sessions.find(second.id) is None and sessions.find(third.id) is None
    idle = sessions.open(patron)
    time.sleep(2.2)
    assert sessions.find(idle.id) is None
    used = sessions.open(patron)
    for _ in range(3):
        time.sleep(1.1)
        still = sessions.find(used.id)
    assert still is None, "the absolute limit ends a session in use"


def test_attempts_lock_a_card_then_an_address(client: redis.Redis) -> None:
    throttle = Throttle(client, prefix=prefix_of(client), key=b"k" * 32, per_card=3,
                        per_address=5, lockout=60)
    card, other = KEYS.subject("fm", "1"), KEYS.subject("fm", "2")
    for _ in range(3):
        assert throttle.reserve(card, "192.0.2.1") == 0  # each a failure: never released
    assert 0 < throttle.reserve(card, "192.0.2.9") <= 60  # the card, from anywhere
    assert throttle.reserve(other, "192.0.2.1") == 0
    assert throttle.reserve(other, "192.0.2.1") == 0
    assert throttle.reserve(KEYS.subject("fm", "3"), "192.0.2.1") > 0  # the address
    assert not list(client.scan_iter(match="*192.0.2.1*")), "addresses are kept hashed"
    throttle.verified(card, "192.0.2.9")
    assert throttle.reserve(card, "192.0.2.9") == 0


def test_a_reservation_is_atomic_and_given_back_when_not_counted(client: redis.Redis) -> None:
    throttle = Throttle(client, prefix=prefix_of(client), key=b"k" * 32, per_card=5,
                        per_address=8, lockout=60)
    card = KEYS.subject("fm", "29000001234")
    with ThreadPoolExecutor(max_workers=40) as pool:  # 40 at once, as a burst arrives
        waits = list(pool.map(lambda _: throttle.reserve(card, "192.0.2.1"), range(40)))
    assert waits.count(0) == 5 and all(0 < wait <= 60 for wait in waits if wait)
    throttle.release(card, "192.0.2.1")  # an ILS that did not answer: not counted
    assert throttle.reserve(card, "192.0.2.2") == 0
    assert throttle.reserve(card, "192.0.2.2") > 0
    throttle.verified(card, "192.0.2.2")  # the right PIN: the card's count goes
    assert throttle.reserve(card, "192.0.2.1") == 0
    throttle.verified(card, "192.0.2.1")
    # The address kept its four failures (a library's public computer), not the successes.
    for n in range(4):
        assert throttle.reserve(KEYS.subject("fm", str(n)), "192.0.2.1") == 0
    assert throttle.reserve(KEYS.subject("fm", "9"), "192.0.2.1") > 0
    throttle.release(KEYS.subject("fm", "gone"), "192.0.2.77")  # nothing to give back
    assert not list(client.scan_iter(match=f"{prefix_of(client)}:attempts:card:*gone*"))


class ScriptedIls:
    """A directory answering from a table: (card, pin) -> category code; "down" raises."""

    timeout = 1.0
    patrons: ClassVar[dict[tuple[str, str], str]] = {
        ("29000001234", "1234"): "A", ("29000005678", "0000"): "X"}
    cannot: ClassVar[dict[tuple[str, str], PatronCheck]] = {
        ("29000007777", "7777"): PatronCheck.refuse("expired", date(2025, 12, 31)),
        ("29000008888", "8888"): PatronCheck.refuse("lost"),
        ("29000006666", "6666"): PatronCheck.refuse("blocked")}
    """Right PINs of cards that may not sign in, and what the ILS says of them."""

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient | None = None) -> None:
        self.library = library

    async def check(self, card: str, pin: str) -> PatronCheck:
        if self.library.id == "down":
            raise SourceUnavailable("down: connection refused")
        code = self.patrons.get((card, pin))
        if code is not None:
            return PatronCheck.accept(code)
        if (card, pin) in self.cannot:
            return self.cannot[card, pin]
        known = any(known_card == card for known_card, _ in [*self.patrons, *self.cannot])
        return PatronCheck.refuse("wrong-pin" if known else "unknown-card")


def network() -> NetworkConfig:
    def library(library_id: str, prefix: str) -> dict[str, object]:
        return {"name": library_id, "flavour": "marc21",
                "connector": {"type": "oai-pmh", "url": "http://x.invalid/oai"},
                "patrons": {"type": "sip2", "card_prefixes": [prefix],
                            "categories": {"A": "adult", "J": "youth"}}}
    return NetworkConfig.model_validate({"libraries": {
        "fm": library("fm", "2900"), "bdp": library("bdp", "3100"),
        "down": library("down", "4100")}})


def test_sign_in_answers_the_same_for_a_wrong_card_and_a_wrong_pin(
        client: redis.Redis) -> None:
    prefix = prefix_of(client)
    sign_in = SignIn(network(), KEYS, Sessions(client, prefix=prefix, idle=60, absolute=600),
                     Throttle(client, prefix=prefix, key=b"k" * 32, per_card=3,
                              per_address=100, lockout=60), ScriptedIls)

    def attempt(card: str, pin: str, chosen: str | None = None) -> tuple[object, float]:
        started = time.monotonic()
        outcome = asyncio.run(sign_in(card, pin, chosen, "192.0.2.7"))
        return outcome, time.monotonic() - started

    signed, _ = attempt("2900 0001 234", "1234")  # the prefix says which library
    assert isinstance(signed, SignedIn) and signed.session.patron.library == "fm"
    assert signed.session.patron.category == "adult"
    wrong_pin, pin_time = attempt("29000001234", "9999")
    wrong_card, card_time = attempt("29009999999", "1234")
    assert wrong_pin == wrong_card == Refused()
    assert pin_time >= REFUSAL_FLOOR and card_time >= REFUSAL_FLOOR
    assert attempt("29000005678", "0000")[0] == NotAdmitted("fm", "category")  # X: unmapped
    for _ in range(4):  # more than the limit (3): the right PIN never locks a card out
        assert attempt("29000007777", "7777")[0] == NotAdmitted("fm", "expired",
                                                                 date(2025, 12, 31))
        assert attempt("29000008888", "8888")[0] == NotAdmitted("fm", "lost")
    assert attempt("29000006666", "6666")[0] == NotAdmitted("fm", "blocked")
    assert attempt("29000007777", "0000")[0] == Refused()  # a wrong PIN says nothing more
    assert isinstance(attempt("55550000", "1")[0], ChooseLibrary)
    assert isinstance(attempt("41000001", "1")[0], Unavailable)  # not counted as a failure
    attempt("29000001234", "0000")
    attempt("29000001234", "4321")
    assert isinstance(attempt("29000001234", "1234")[0], Locked)  # three failures locked it
