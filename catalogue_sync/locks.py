"""Locks across machines, in Redis: one harvest of a library at a time, one merge at a time.

A lock is a key set only if absent, holding its owner's random value, with an expiry: a
worker killed while holding it frees it when it expires. The holder renews it while it
works (every third of its life); renewing and releasing check the value first (in one Lua
script), so a holder whose lock expired and was taken cannot renew or release the new
holder's. What the lock cannot do, stop a stalled holder from writing after its successor
began, the store's fencing tokens do (``store/fences.py``).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

# KEYS[1] the lock; ARGV[1] the holder's value, ARGV[2] the life in milliseconds. A lock
# found missing (Redis restarted empty, or it expired with no one taking it) is taken back:
# no one else holds it, and if someone held it meanwhile, the fencing token refuses our writes.
RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
if not holder then
    redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Lease:
    """A lock held: its key and the holder's value."""

    key: str
    value: str


class Locks:
    """Named locks under one prefix, each living ``seconds`` unless renewed."""

    def __init__(self, client: redis.Redis, *, prefix: str, seconds: int) -> None:
        self.client = client
        self.prefix = prefix
        self.seconds = seconds
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)

    def acquire(self, name: str, owner: str) -> Lease | None:
        """The lock if it was free; None if someone holds it."""
        lease = Lease(f"{self.prefix}:lock:{name}", f"{owner}:{secrets.token_hex(8)}")
        if self.client.set(lease.key, lease.value, nx=True, px=self.seconds * 1000):
            return lease
        return None

    def holder(self, name: str) -> str | None:
        """Who holds the lock (its owner's name), if anyone."""
        value = self.client.get(f"{self.prefix}:lock:{name}")
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else str(value)
        return text.rpartition(":")[0]

    def renew(self, lease: Lease) -> bool:
        """Give the lock a full life again (taking it back if it is free); False if someone
        else holds it."""
        return bool(self._renew(keys=[lease.key], args=[lease.value, self.seconds * 1000]))

    def release(self, lease: Lease) -> None:
        """Free the lock if it is still ours."""
        self._release(keys=[lease.key], args=[lease.value])

    @contextmanager
    def renewing(self, lease: Lease) -> Iterator[threading.Event]:
        """Renew the lease in the background while the block runs, then release it.

        The event it gives is set if the lease was lost (taken by another after it expired):
        the work should stop, and the store's fencing refuses its writes anyway. Redis being
        unreachable for a while is not a loss: renewal goes on trying.
        """
        lost, done = threading.Event(), threading.Event()

        def renew() -> None:
            while not done.wait(self.seconds / 3):
                try:
                    if not self.renew(lease):
                        log.warning("lock lost", extra={"lock": lease.key})
                        lost.set()
                        return
                except redis.RedisError as exc:
                    log.warning("cannot renew a lock: %s", exc, extra={"lock": lease.key})

        thread = threading.Thread(target=renew, name=f"renew {lease.key}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            done.set()
            thread.join()
            try:
                self.release(lease)
            except redis.RedisError as exc:  # it expires on its own
                log.warning("cannot release a lock: %s", exc, extra={"lock": lease.key})
