"""Bursts of simultaneous sign-ins against the real gateway (uvicorn on loopback, real Redis):
the limits hold however many attempts arrive at once. The ILS is a table that counts the
checks it is asked and holds them until the test lets them go, so that the burst is really
in flight together."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from catalogue_sync.gateway.signin import SignIn
from catalogue_sync.patrons import PatronCheck
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.serving import serve_on_loopback
from tests.services.gateway.conftest import KEYS, PATRONS, TableIls, gateway_network, settings_in

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
WAIT = 20.0
"""Seconds the test waits for the burst to settle before saying it did not."""


class HeldIls(TableIls):
    """The table, counting the checks it is asked and answering none before ``go``."""

    asked: ClassVar[int] = 0
    lock: ClassVar[threading.Lock] = threading.Lock()
    go: ClassVar[threading.Event] = threading.Event()

    async def check(self, card: str, pin: str) -> PatronCheck:
        with HeldIls.lock:
            HeldIls.asked += 1
        while not HeldIls.go.is_set():
            await asyncio.sleep(0.01)
        return await super().check(card, pin)

    @classmethod
    def reset(cls) -> None:
        cls.asked = 0
        cls.go.clear()


@pytest.fixture
def burst_gateway(redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[str]:
    """The gateway (5 attempts a card, 12 an address), its ILS the held table."""
    monkeypatch.setenv("TEST_APPRENDRE_KEY", "s" * 40)
    network = gateway_network(redis_prefix, attempts_per_card=5, attempts_per_address=12)
    context = GatewayContext.open(network, settings_in(tmp_path), keys=KEYS)
    context.sign_in = SignIn(network, KEYS, context.sessions, context.sign_in.throttle,
                             HeldIls)
    HeldIls.reset()
    with serve_on_loopback(create_app(context), health="/health", name="gateway") as url:
        yield url
    HeldIls.go.set()
    context.redis.close()
    context.store.close()


class Attempt:
    """One browser: the form, then its POST with a card and PIN."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.AsyncClient(base_url=base_url, timeout=WAIT + 10)

    async def ready(self) -> str:
        form = await self.client.get("/connexion")
        found = TOKEN.search(form.text)
        assert found, form.text
        return found[1]

    async def post(self, token: str, card: str, pin: str) -> httpx.Response:
        return await self.client.post("/connexion", headers={"Origin": self.base_url},
                                      data={"csrf": token, "carte": card, "code": pin,
                                            "next": "/ressources"})


async def until(condition: object, what: str) -> None:
    """Wait (a little at a time) until ``condition()`` holds; fail saying ``what`` if not."""
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + WAIT
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"the burst did not settle: {what}")
        await asyncio.sleep(0.02)


async def burst_then_right_pin(base_url: str, card: str, right: str, wrong: list[str]
                               ) -> tuple[list[httpx.Response], httpx.Response, int]:
    """``wrong`` PINs on ``card`` all at once; once the ILS holds what got through and the
    rest are answered, the right PIN; then the ILS lets go. Their answers, and the checks the
    ILS was asked during the burst."""
    attempts = [Attempt(base_url) for _ in range(len(wrong) + 1)]
    try:
        tokens = await asyncio.gather(*(attempt.ready() for attempt in attempts))
        tasks = [asyncio.create_task(attempt.post(token, card, pin))
                 for attempt, token, pin in zip(attempts, tokens, wrong, strict=False)]
        await until(lambda: sum(task.done() for task in tasks) + HeldIls.asked >= len(wrong),
                    f"{HeldIls.asked} checks at the ILS, "
                    f"{sum(task.done() for task in tasks)} answered of {len(wrong)}")
        try:  # answered at once when refused; held with the burst if it reached the ILS
            right_answer = await asyncio.wait_for(attempts[-1].post(tokens[-1], card, right),
                                                  timeout=5)
        except TimeoutError:
            pytest.fail(f"the right PIN reached the ILS after {HeldIls.asked - 1} others")
        asked = HeldIls.asked
        HeldIls.go.set()
        return list(await asyncio.gather(*tasks)), right_answer, asked
    finally:
        HeldIls.go.set()
        await asyncio.gather(*(attempt.client.aclose() for attempt in attempts))


def test_a_burst_of_wrong_pins_then_the_right_one_never_signs_in(burst_gateway: str) -> None:
    card, pin = PATRONS["adult"]
    wrong = [f"{n:04d}" for n in range(5000, 5050)]  # 50 wrong PINs, all at once
    answers, right, asked = asyncio.run(burst_then_right_pin(burst_gateway, card, pin, wrong))
    assert asked == 5, "the ILS is asked exactly the card's limit, however many arrive"
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * 5 + [429] * 45
    assert right.status_code == 429 and "session" not in right.headers.get("set-cookie", "")
    assert HeldIls.asked == 5
    again = asyncio.run(one_attempt(burst_gateway, card, pin))
    assert again.status_code == 429 and "Retry-After" in again.headers


def test_a_burst_on_many_cards_from_one_address_stops_at_the_address_limit(
        burst_gateway: str) -> None:
    async def burst() -> list[httpx.Response]:
        attempts = [Attempt(burst_gateway) for _ in range(40)]
        try:
            tokens = await asyncio.gather(*(attempt.ready() for attempt in attempts))
            tasks = [asyncio.create_task(attempt.post(token, f"2900{n:07d}", "0000"))
                     for n, (attempt, token) in enumerate(zip(attempts, tokens, strict=True))]
            await until(lambda: sum(task.done() for task in tasks) + HeldIls.asked >= 40,
                        f"{HeldIls.asked} checks at the ILS")
            HeldIls.go.set()
            return list(await asyncio.gather(*tasks))
        finally:
            HeldIls.go.set()
            await asyncio.gather(*(attempt.client.aclose() for attempt in attempts))

    answers = asyncio.run(burst())
    assert HeldIls.asked == 12, "40 cards at once from one address: the address's limit"
    assert sorted(answer.status_code for answer in answers) == [401] * 12 + [429] * 28


async def one_attempt(base_url: str, card: str, pin: str) -> httpx.Response:
    attempt = Attempt(base_url)
    try:
        return await attempt.post(await attempt.ready(), card, pin)
    finally:
        await attempt.client.aclose()
