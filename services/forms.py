"""Reading the small HTML forms of the services' pages (sign-in, sign-out, the dashboard's
buttons): sent from the site's own pages, bounded in size and in fields, one value per name,
bad bytes a clear 400.

Every such POST changes something, so ``read_form`` first checks where it comes from, as
browsers tell (the forms' tokens are checked after, by the routes):

1. ``Sec-Fetch-Site`` (sent by every current browser): ``same-origin`` (or ``none``, the
   person's own doing) is this site; anything else, ``same-site`` included (a sibling host
   of the same domain), is refused.
2. Else ``Origin``: it must be the site itself (the request's own ``Host``, or one of the
   site's public origins); ``null`` is refused.
3. Else ``Referer``, the same way.
4. Neither: refused over HTTPS, as Django does: every browser that can show these pages
   sends one of them with a POST, so a POST without is a script's, and over HTTPS the
   check costs nobody. Over plain HTTP (local trials) it is let through to the token check.

A refusal is ``CrossSiteRequest`` (403 in ``services.http``), answered with a page that
says so.

The token of a form shown before there is a session (a sign-in form) is kept in a cookie
too (double submit); ``new_token`` makes it signed and dated, so that a value planted in
that cookie by someone else (a sibling host, a plain-HTTP page) is not taken for one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from catalogue_sync.errors import CrossSiteRequest, InvalidRequest

MAX_FORM = 4096
"""Bytes; a sign-in form is a few hundred."""
MAX_FIELDS = 20
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_TOKEN = 100


@dataclass(frozen=True, slots=True)
class Site:
    """Where a service's forms may be sent from."""

    https: bool
    """Served over HTTPS: an ``http://`` origin is another site, and a POST naming no
    origin at all is refused."""
    origins: Collection[str] = ()
    """Public origins besides the request's own Host (the gateway's ``base_url``)."""


async def read_form(request: Request, site: Site) -> dict[str, str]:
    """An urlencoded form sent from ``site``, at most ``MAX_FORM`` bytes, one value per
    name."""
    check_same_site(request, site)
    body = await request.body()
    if len(body) > MAX_FORM:
        raise InvalidRequest(f"the form is larger than {MAX_FORM} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest(f"the form cannot be read: {error}") from None
    return {name: values[0] for name, values in fields.items()}


def check_same_site(request: Request, site: Site) -> None:
    """Nothing when the request comes from ``site``'s own pages; CrossSiteRequest else."""
    headers = request.headers
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise CrossSiteRequest(f"the form was sent from another site (Sec-Fetch-Site: "
                                   f"{fetch_site[:20]})")
        return
    for header in ("origin", "referer"):
        sent = headers.get(header)
        if sent is not None:
            if not from_site(sent, request, site):
                raise CrossSiteRequest(f"the form was sent from another site "
                                       f"({header.title()}: {origin_of(sent) or 'none'})")
            return
    if site.https:
        raise CrossSiteRequest("the form came without Origin or Referer, which every "
                               "browser sends: it is not taken from an unknown page")


def from_site(url: str, request: Request, site: Site) -> bool:
    """Whether ``url`` (an Origin or a Referer) is a page of ``site``."""
    origin = origin_of(url)
    if origin is None:
        return False
    if origin in {origin_of(other) for other in site.origins}:
        return True
    scheme, netloc = origin.split("://", 1)
    host = normal_netloc(request.headers.get("host", ""), scheme)
    return netloc == host and (scheme == "https" or not site.https)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, the port left out when it is the default; None
    for "null" or anything but http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


def normal_netloc(host: str, scheme: str) -> str:
    """A Host header as ``origin_of`` writes its host and port."""
    origin = origin_of(f"{scheme}://{host}")
    return origin.split("://", 1)[1] if origin else ""


def new_token(key: bytes, now: float | None = None) -> str:
    """A form's token, ``nonce.issued.mac``: random, dated, signed with ``key``."""
    body = f"{secrets.token_urlsafe(16)}.{int(time.time() if now is None else now)}"
    return f"{body}.{_mac(key, body)}"


def valid_token(token: str | None, keys: Iterable[bytes], max_age: int) -> bool:
    """Whether ``token`` was made by ``new_token`` with one of ``keys`` less than
    ``max_age`` seconds ago."""
    body, _, mac = (token or "")[:MAX_TOKEN].rpartition(".")
    issued = body.rpartition(".")[2]
    if not (mac and issued.isdigit() and 0 <= time.time() - int(issued) < max_age):
        return False
    return any(hmac.compare_digest(mac, _mac(key, body)) for key in keys)


def same_token(sent: str | None, expected: str | None) -> bool:
    """The form's token is the one expected (compared in constant time)."""
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]
