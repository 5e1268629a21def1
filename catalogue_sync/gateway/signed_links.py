"""Signed links: how a vendor without CAS knows that the gateway sent this patron.

The gateway sends the patron to the resource's address with these parameters::

    patron=v2.k3j...   the vendor's pseudonym of the patron (``pseudonyms``)
    resource=presse    the resource's id in network.toml
    library=fm         the patron's home library
    category=adult     adult or youth
    ts=1795577767      seconds since 1970 (UTC) when the link was made
    nonce=Zx9...       random, single use: the vendor refuses a nonce it has seen
    kid=1              which of the vendor's keys signed
    sig=9c1f...        HMAC-SHA256, hexadecimal, of the other parameters as sent, in this
                       order, joined by '&' (the query string up to '&sig=')

The vendor recomputes the signature with its key, compares in constant time, refuses a ``ts``
older than ``link_seconds`` (or more than a minute ahead), and keeps each nonce until its
link expires (docs/gateway.md has a verification snippet in Python and PHP).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from catalogue_sync.offer import ResourceConfig, VendorConfig


def signed_link(resource: ResourceConfig, vendor: VendorConfig, key: bytes, *,
                patron: str, library: str, category: str, now: float | None = None) -> str:
    """The resource's address with the patron's parameters and their signature."""
    fields = [("patron", patron), ("resource", resource.id), ("library", library),
              ("category", category), ("ts", str(int(now if now is not None else time.time()))),
              ("nonce", secrets.token_urlsafe(16)), ("kid", vendor.key_id)]
    signed = urlencode(fields)
    signature = hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()
    parts = urlsplit(resource.url)
    query = "&".join(filter(None, [parts.query, f"{signed}&sig={signature}"]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def verify(query: str, key: bytes, *, max_age: int, now: float | None = None) -> bool:
    """What a vendor does with a signed link's query string (used by the tests, and the
    reference for docs/gateway.md's snippets). Nonce reuse is the vendor's own check."""
    signed, separator, signature = query.rpartition("&sig=")
    if not separator or "patron=" not in signed:
        return False
    start = signed.index("patron=")
    expected = hmac.new(key, signed[start:].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return False
    stamp = dict(part.split("=", 1) for part in signed[start:].split("&")).get("ts", "")
    age = (now if now is not None else time.time()) - int(stamp) if stamp.isdigit() else -1e9
    return -60 <= age <= max_age
