"""Sign-in attempts counted in Redis, per card and per client address, with lockouts.

A card (its subject: never the number) gets ``per_card`` failed attempts and an address
``per_address``, within ``lockout`` seconds of the first failure; past that, sign-in is
refused for what is left of those seconds, and the patron is told how long. A successful
sign-in clears the card's count (not the address's: one address may be a library's public
computer). Addresses are kept as keyed hashes, like cards.
"""

from __future__ import annotations

import hashlib
import hmac

import redis

from catalogue_sync.gateway.sessions import redis_failures


class Throttle:
    def __init__(self, client: redis.Redis, *, prefix: str, key: bytes, per_card: int,
                 per_address: int, lockout: int) -> None:
        self.client = client
        self.prefix = prefix
        self._key = key
        self.per_card = per_card
        self.per_address = per_address
        self.lockout = lockout

    def locked_for(self, subject: str, address: str) -> int:
        """Seconds before this card or address may try again; 0: it may now."""
        with redis_failures("reading sign-in attempts"):
            pipe = self.client.pipeline()
            for key in self._keys(subject, address):
                pipe.get(key)
                pipe.ttl(key)
            card, card_ttl, place, place_ttl = pipe.execute()
        waits = [int(ttl) for count, ttl, limit in ((card, card_ttl, self.per_card),
                                                   (place, place_ttl, self.per_address))
                 if count is not None and int(count) >= limit and int(ttl) > 0]
        return max(waits, default=0)

    def failed(self, subject: str, address: str) -> None:
        with redis_failures("counting a failed sign-in"):
            pipe = self.client.pipeline()
            for key in self._keys(subject, address):
                pipe.incr(key)
                pipe.expire(key, self.lockout, nx=True)
            pipe.execute()

    def succeeded(self, subject: str) -> None:
        with redis_failures("clearing sign-in attempts"):
            self.client.delete(self._keys(subject, "")[0])

    def _keys(self, subject: str, address: str) -> tuple[str, str]:
        place = hmac.new(self._key, f"address\x1f{address}".encode(), hashlib.sha256)
        return (f"{self.prefix}:attempts:card:{subject}",
                f"{self.prefix}:attempts:address:{place.hexdigest()[:32]}")
