"""Which address a request comes from (services/clients.py): X-Forwarded-For believed only
from trusted proxies, read from the right past every trusted hop."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request

from catalogue_sync.errors import ConfigError
from services.clients import Proxies, client_of, install, limited_address, parse_proxies

PROXIES = parse_proxies("10.0.0.5, 172.18.0.0/16")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_says() -> None:
    assert client_of("127.0.0.1", ["203.0.113.7"], ()) == "127.0.0.1"
    assert client_of("198.51.100.9", ["203.0.113.7"], PROXIES) == "198.51.100.9"


def test_from_a_trusted_proxy_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    # The client wrote "1.1.1.1" itself; the proxies appended what they saw.
    assert client_of("10.0.0.5", ["1.1.1.1, 203.0.113.7"], PROXIES) == "203.0.113.7"
    assert client_of("10.0.0.5", ["1.1.1.1, 203.0.113.7, 172.18.0.3"],
                     PROXIES) == "203.0.113.7"
    assert client_of("10.0.0.5", ["1.1.1.1", "203.0.113.7"], PROXIES) == "203.0.113.7"
    assert client_of("10.0.0.5", [], PROXIES) == "10.0.0.5"
    assert client_of("10.0.0.5", ["172.18.0.9"], PROXIES) == "172.18.0.9", "all trusted"


def test_hops_with_ports_and_hops_that_are_no_address() -> None:
    assert client_of("10.0.0.5", ["203.0.113.7:4711"], PROXIES) == "203.0.113.7"
    assert client_of("10.0.0.5", ["[2001:db8::1]:443"], PROXIES) == "2001:db8::1"
    assert client_of("10.0.0.5", ["not-an-address"], PROXIES) == "10.0.0.5"
    assert client_of("::ffff:10.0.0.5", ["203.0.113.7"], PROXIES) == "203.0.113.7"


def test_limits_count_an_ipv6_host_by_its_64() -> None:
    assert limited_address("2001:db8:1:2:aaaa::1") == limited_address("2001:db8:1:2::ffff")
    assert limited_address("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert limited_address("2001:db8:1:3::1") != limited_address("2001:db8:1:2::1")
    assert limited_address("203.0.113.7") == "203.0.113.7"
    assert limited_address("") == ""


def test_a_trusted_proxy_that_is_no_address_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"CATALOGUE_SYNC_TRUSTED_PROXIES: 'proxy\.lan'"):
        parse_proxies("10.0.0.5, proxy.lan")
    assert parse_proxies("") == ()


def echo_app(proxies: Proxies) -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def where(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else "",
                "scheme": request.url.scheme}

    install(app, proxies)
    return app


async def seen(proxies: Proxies, headers: dict[str, str]) -> dict[str, str]:
    transport = httpx.ASGITransport(app=echo_app(proxies), client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer: dict[str, str] = (await client.get("/", headers=headers)).json()
        return answer


def test_the_middleware_believes_the_headers_of_trusted_proxies_only() -> None:
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert asyncio.run(seen((), headers)) == {"client": "127.0.0.1", "scheme": "http"}
    assert asyncio.run(seen(parse_proxies("127.0.0.1"), headers)) == {
        "client": "203.0.113.7", "scheme": "https"}
    assert asyncio.run(seen(parse_proxies("10.0.0.0/8"), headers)) == {
        "client": "127.0.0.1", "scheme": "http"}
