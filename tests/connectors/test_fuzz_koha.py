"""Fuzzing the Koha REST readers (items, patrons, OAuth2 tokens) with damaged and odd JSON.

Koha's answers are served through an injected transport: the real items fixture damaged
byte by byte, and JSON of every shape where an object, a list or a value was expected.
Whatever comes, the availability provider and the patron directory give items, a verdict, or
a SourceError naming the endpoint, never another exception. The budget is fixed
(tests/fuzzing.py); ``make fuzz`` runs a long one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.config import LibraryConfig
from catalogue_sync.errors import SourceError
from catalogue_sync.models import Flavour
from connectors import koha_rest
from connectors.koha_patrons import KohaPatronDirectory
from connectors.koha_rest import KohaRestProvider
from tests.fuzzing import FUZZ, damaged

T = TypeVar("T")
URL = "https://koha.example.org/api/v1"
ITEMS = (Path(__file__).parents[1] / "fixtures" / "koha" / "biblio_items.json").read_bytes()
SOUND_ITEMS: list[dict[str, Any]] = json.loads(ITEMS)
# JSON as a faulty Koha, a proxy or a plugin may send it: any value where one is expected,
# numbers too large for an integer ("1e999" is read as infinity), NaN.
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**400, [], {}])
           | st.sampled_from(["", "0", "1", "-1", "2026-13-45", "20271231", "2027-12-31",
                              "2027-12-31T10:00:00+01:00", "Infinity", "NaN", "1e999"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
ITEM_KEYS = sorted({key for item in SOUND_ITEMS for key in item})
PATRON_KEYS = ["patron_id", "expiry_date", "expired", "patron_card_lost", "restricted",
               "category_id", "access_token", "expires_in", "token_type"]


@st.composite
def koha_object(draw: st.DrawFn, keys: list[str], base: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """An object of Koha's with some of its known keys given odd values."""
    found = dict(base or {})
    for key in draw(st.lists(st.sampled_from(keys), max_size=4)):
        found[key] = draw(JSON)
    return found


@pytest.fixture(scope="module", autouse=True)
def secrets() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KOHA_FUZZ_PASSWORD", "api-pw")
        patch.setenv("KOHA_FUZZ_SECRET", "client-secret")
        yield


def body(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def library(table: str, **options: Any) -> LibraryConfig:
    settings = {"type": "koha-rest", "url": URL, "user": "catalogue",
                "password_env": "KOHA_FUZZ_PASSWORD", **options}
    if table == "patrons":
        settings["card_prefixes"] = ["MD"]
    return LibraryConfig.model_validate({
        "id": "md", "name": "Médiathèque", "flavour": Flavour.MARC21,
        "connector": {"type": "oai-pmh", "url": "http://ils.invalid/oai"}, table: settings})


def run(answer: Callable[[httpx.Request], httpx.Response],
        call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T | SourceError:
    async def main() -> T:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            return await call(client)

    koha_rest._TOKENS.clear()
    try:
        return asyncio.run(main())
    except SourceError as error:
        assert URL in str(error) and "MD0001" not in str(error)
        return error


def json_answer(content: bytes, link: str | None = None
                ) -> Callable[[httpx.Request], httpx.Response]:
    headers = {"Content-Type": b"application/json"}
    if link is not None:
        headers["Link"] = link.encode("latin-1")
    return lambda request: httpx.Response(200, content=content, headers=headers)


def items(content: bytes, link: str | None = None) -> object:
    config = library("availability")
    return run(json_answer(content, link),
               lambda client: KohaRestProvider(config, client).items(["4512"]))


# Link headers as a proxy or a misconfigured Koha may send them (latin-1: what h11 lets by).
NEXT = st.sampled_from([
    f"<{URL}/biblios/4512/items?_page=2>", "<http://koha.example.org:abc/x>", "<//[::1>",
    "<http://[x/next>", "<https://other.example/x>", "<?_page=2>", "<>", "<", "<\xe9>",
    "<http://ok:99999/x>", "<x y>"]).flatmap(lambda target: st.sampled_from([
        f'{target}; rel="next"', f"{target}; rel=next", f'{target}; rel="next", ; ,',
        f"{target}"]))


def patron_check(validation: bytes, patron: bytes, **options: Any) -> object:
    config = library("patrons", **options)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return json_answer(validation)(request)
        return json_answer(validation if request.method == "POST" else patron)(request)

    return run(answer, lambda client: KohaPatronDirectory(config, client).check("MD0001", "pin"))


def test_the_sound_answers_are_read() -> None:
    found = items(ITEMS)
    assert isinstance(found, dict) and len(found["4512"]) == len(SOUND_ITEMS)
    verdict = patron_check(body({"patron_id": 7}), body({"category_id": "ADULTE"}))
    assert getattr(verdict, "accepted", False)


@FUZZ
@given(damaged(ITEMS))
def test_fuzz_damaged_items_are_read_or_a_source_error(content: bytes) -> None:
    items(content)


@FUZZ
@given(st.lists(koha_object(ITEM_KEYS, SOUND_ITEMS[0]), max_size=3) | JSON,
       st.none() | NEXT)
def test_fuzz_items_of_any_shape_are_read_or_a_source_error(value: Any, link: str | None
                                                           ) -> None:
    items(body(value), link)


@FUZZ
@given(koha_object(PATRON_KEYS, {"patron_id": 7}) | JSON,
       koha_object(PATRON_KEYS, {"category_id": "ADULTE"}) | JSON)
def test_fuzz_a_patron_of_any_shape_is_a_verdict_or_a_source_error(
        validation: Any, patron: Any) -> None:
    patron_check(body(validation), body(patron))


@FUZZ
@given(koha_object(PATRON_KEYS, {"access_token": "t0k3n", "patron_id": 7}) | JSON)
def test_fuzz_a_token_answer_of_any_shape_is_used_or_a_source_error(token: Any) -> None:
    patron_check(body(token), body({"category_id": "ADULTE"}), user=None, password_env=None,
                 client_id="cs",
                 client_secret_env="KOHA_FUZZ_SECRET")
