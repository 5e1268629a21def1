"""Calls per client address and minute, counted in Redis: the vendors' API's calls without a
valid key.

A fixed one-minute window per address: one ``INCR`` and its ``EXPIRE`` in a single
MULTI/EXEC, so that two gateway processes never lose a count and no counter outlives its
minute. Addresses are kept as keyed hashes (like the sign-in throttle's), never in clear.
Errors::

    CatalogueError
    └── TooManyRequests
        └── AddressLimited   the address spent its calls of this minute: HTTP 429
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

import redis

from catalogue_sync.errors import TooManyRequests
from catalogue_sync.gateway.sessions import redis_failures

WINDOW = 60


class AddressLimited(TooManyRequests):
    """The address is past its calls of this minute; ``first``: by this very call (what is
    done once per address and minute, such as an audit row, is done for it)."""

    def __init__(self, per_minute: int, retry_after: int, *, first: bool) -> None:
        self.first = first
        super().__init__(f"more than {per_minute} calls without a valid API key from this "
                         f"address this minute; retry in {retry_after} s", retry_after)


@dataclass(frozen=True, slots=True)
class Spent:
    """The address's calls counted this minute, this one included, and the seconds left."""

    count: int
    seconds_left: int


class AddressLimit:
    """At most ``per_minute`` calls of a kind (``name``) per address and minute."""

    def __init__(self, client: redis.Redis, *, prefix: str, name: str, key: bytes,
                 per_minute: int) -> None:
        self.client = client
        self.prefix = f"{prefix}:{name}"
        self._key = key
        self.per_minute = per_minute

    def spend(self, address: str, now: float) -> Spent:
        """Count one call from ``address``; AddressLimited past ``per_minute``."""
        spent = self.count(address, now)
        if spent.count > self.per_minute:
            raise AddressLimited(self.per_minute, spent.seconds_left,
                                 first=spent.count == self.per_minute + 1)
        return spent

    def count(self, address: str, now: float) -> Spent:
        """Count one call from ``address`` (atomically), refused or not."""
        window = int(now // WINDOW)
        key = f"{self.prefix}:{self._hashed(address)}:{window}"
        with redis_failures("counting calls without a valid API key"):
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, WINDOW + 1)
            count, _ = pipe.execute()
        return Spent(int(count), max(1, math.ceil((window + 1) * WINDOW - now)))

    def _hashed(self, address: str) -> str:
        return hmac.new(self._key, f"address\x1f{address}".encode(),
                        hashlib.sha256).hexdigest()[:32]
