"""Which address a request comes from, for the sign-in throttles of the gateway and the
dashboard: the connection's peer, or what trusted reverse proxies say it was.

Proxies are trusted only when named: ``CATALOGUE_SYNC_TRUSTED_PROXIES`` lists addresses or
networks ("10.0.0.5, 172.18.0.0/16"); none by default. A request whose peer is a trusted
proxy has its ``X-Forwarded-For`` read from the right (the hop the proxy itself added)
towards the left, past every trusted hop: the first address that is not a trusted proxy is
the client. Anything further left was written by the client and may be anything. Only then
is ``X-Forwarded-Proto`` believed too. Without a trusted proxy the headers are ignored: a
client that sends its own ``X-Forwarded-For`` is still counted at its own address.

``ForwardedClients`` does this for every request of an app (``install``), so that
``request.client`` is the client wherever it is read; the servers are started with
uvicorn's own proxy handling off (``services.cli.serve``), which otherwise trusts 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from catalogue_sync.config import get_settings
from catalogue_sync.errors import ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Proxies = tuple[Network, ...]
VARIABLE = "CATALOGUE_SYNC_TRUSTED_PROXIES"
IPV6_PREFIX = 64
"""An IPv6 host is given a whole /64 and may pick any address in it: limits count the /64."""


def parse_proxies(text: str) -> Proxies:
    """The networks of a comma-separated list; ConfigError naming an entry that is none."""
    networks = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(f"{VARIABLE}: {entry!r} is not an IP address or network "
                              "(e.g. 10.0.0.5 or 172.18.0.0/16)") from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:80``),
    IPv4-mapped IPv6 as IPv4; None when it is no address."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def trusted(address: Address | None, proxies: Proxies) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_of(peer: str, forwarded_for: Sequence[str], proxies: Proxies) -> str:
    """The client's address: ``peer``, unless it is a trusted proxy and ``X-Forwarded-For``
    (every value of the header, in order) names a hop before it."""
    last = parse_address(peer)
    if not trusted(last, proxies):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:  # not written by a proxy: the hop after it is all we know
            break
        last = address
        if not trusted(address, proxies):
            break
    return str(last)


def limited_address(address: str) -> str:
    """What the throttles count: the address, or its /64 for IPv6."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed) if parsed is not None else address


def request_address(request: Request) -> str:
    """The address the sign-in throttles count for this request (see ``limited_address``)."""
    return limited_address(request.client.host if request.client else "")


class ForwardedClients:
    """ASGI middleware: ``scope["client"]`` and ``scope["scheme"]`` as trusted proxies say."""

    def __init__(self, app: ASGIApp, proxies: Proxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.proxies and scope.get("client"):
            self.rewrite(scope)
        await self.app(scope, receive, send)

    def rewrite(self, scope: Scope) -> None:
        peer = str(scope["client"][0])
        if not trusted(parse_address(peer), self.proxies):
            return
        forwarded = [value.decode("latin-1") for name, value in scope["headers"]
                     if name == b"x-forwarded-for"]
        scope["client"] = (client_of(peer, forwarded, self.proxies), 0)
        proto = next((value.decode("latin-1").strip() for name, value in scope["headers"]
                      if name == b"x-forwarded-proto"), "")
        if proto in ("http", "https"):
            scope["scheme"] = proto


def install(app: FastAPI, proxies: Proxies | None = None) -> None:
    """Resolve the clients of ``app``'s requests through ``proxies`` (default: the
    environment's ``CATALOGUE_SYNC_TRUSTED_PROXIES``)."""
    if proxies is None:
        proxies = parse_proxies(get_settings().trusted_proxies)
    app.add_middleware(ForwardedClients, proxies=proxies)
