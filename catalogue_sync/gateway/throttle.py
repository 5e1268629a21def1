"""Sign-in attempts counted in Redis, per card and per client address, with lockouts.

A card (its subject: never the number) gets ``per_card`` attempts and an address
``per_address``, within ``lockout`` seconds of the first one; past that, sign-in is refused
for what is left of those seconds, and the patron is told how long. Addresses are kept as
keyed hashes, like cards.

An attempt is **reserved** before the ILS (or the password hash) is asked, in one Lua script:
both counts are read and, unless either is at its limit, both are incremented, atomically. So
a burst of simultaneous attempts on one card gets exactly ``per_card`` of them through to the
ILS, however many arrive at once; the rest are refused without asking. Then:

- a refusal leaves its reservation in place: it is the failure, counted;
- ``verified`` (the PIN or password was right: signed in, or told why the card cannot be)
  clears the card's count and gives back the address's reservation (not its count: one
  address may be a library's public computer, where other people's failures stay counted);
- ``release`` (the ILS could not be asked) gives both reservations back: not counted.
"""

from __future__ import annotations

import hashlib
import hmac

import redis

from catalogue_sync.gateway.sessions import redis_failures

RESERVE = """
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local lockout = tonumber(ARGV[3])
local wait = 0
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limits[i] then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then
      redis.call('EXPIRE', KEYS[i], lockout)
      ttl = lockout
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], lockout) end
end
return 0
"""
"""0 and both counts incremented; or the seconds left of the longest lockout, nothing
incremented. A count without expiry (which nothing here makes) is given one, never kept."""

RELEASE = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('DECR', KEYS[i]) <= 0 then
    redis.call('DEL', KEYS[i])
  end
end
return 0
"""
"""Each key given back one reservation; a key that expired meanwhile is not made again (a
DECR on a missing key would create one at -1, without expiry)."""


class Throttle:
    def __init__(self, client: redis.Redis, *, prefix: str, key: bytes, per_card: int,
                 per_address: int, lockout: int) -> None:
        self.client = client
        self.prefix = prefix
        self._key = key
        self.per_card = per_card
        self.per_address = per_address
        self.lockout = lockout
        self._reserve = client.register_script(RESERVE)
        self._release = client.register_script(RELEASE)

    def reserve(self, subject: str, address: str) -> int:
        """0: this attempt may ask the ILS, and counts until ``verified`` or ``release``;
        otherwise the seconds before this card or address may try again."""
        with redis_failures("reserving a sign-in attempt"):
            wait = self._reserve(keys=list(self._keys(subject, address)),
                                 args=[self.per_card, self.per_address, self.lockout])
        return int(wait)

    def verified(self, subject: str, address: str) -> None:
        """The PIN was right: the card's count goes, the address's reservation is returned."""
        card, place = self._keys(subject, address)
        with redis_failures("clearing sign-in attempts"):
            self.client.delete(card)
            self._release(keys=[place])

    def release(self, subject: str, address: str) -> None:
        """The attempt could not be decided (the ILS did not answer): not counted."""
        with redis_failures("releasing a sign-in attempt"):
            self._release(keys=list(self._keys(subject, address)))

    def _keys(self, subject: str, address: str) -> tuple[str, str]:
        place = hmac.new(self._key, f"address\x1f{address}".encode(), hashlib.sha256)
        return (f"{self.prefix}:attempts:card:{subject}",
                f"{self.prefix}:attempts:address:{place.hexdigest()[:32]}")
