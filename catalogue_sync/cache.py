"""Answers kept in Redis for a short time, by a service that can do without them.

    cache = ResponseCache.of(network, settings)     # [cache] redis_url, or the environment
    body = cache.get(key)                           # None: not there, or no Redis
    cache.put(key, body)                            # kept ttl_seconds at most

The cache is an optimisation, never a dependency: when Redis is not configured, cannot be
reached or fails, ``get`` answers None and ``put`` does nothing, and the caller computes the
answer itself. The first failure is logged once (a warning naming the server, never its
password), then Redis is left alone for ``retry_after`` seconds, so a server that is down
costs one refused connection every few seconds rather than one per request; the first
success after that is logged too, and caching goes on.

Keys are ``<key_prefix>:<name>``: callers build names that change when what the answer
depends on changes (the search names each answer after the index version it was computed
on, so an index update makes the old answers unreachable at once, and the time limit
removes them).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Literal

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from catalogue_sync.config import NetworkConfig, Settings
from catalogue_sync.errors import ConfigError
from catalogue_sync.store.engine import redact

log = logging.getLogger(__name__)

TIMEOUT = 0.25
"""Seconds to connect to Redis or to wait for its answer (it answers in well under 1 ms on
the same network; a slower one is treated as down)."""
RETRY_AFTER = 5.0
"""Seconds Redis is left alone after a failure."""

CacheState = Literal["off", "up", "down"]
"""off: no Redis configured; up: in use; down: failing, tried again after a while."""


class ResponseCache:
    """Bytes by key in Redis, with a time limit; silent and cheap when Redis is away."""

    def __init__(self, url: str | None, *, prefix: str = "catalogue-sync", ttl: int = 60,
                 retry_after: float = RETRY_AFTER, timeout: float = TIMEOUT) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self.retry_after = retry_after
        self.where = redact(url) if url else ""
        self._client = _client(url, timeout) if url else None
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._failing = False

    @classmethod
    def of(cls, network: NetworkConfig, settings: Settings | None = None) -> ResponseCache:
        """The cache ``[cache]`` describes (the environment's URL first)."""
        config = network.cache
        return cls(network.redis_url(settings), prefix=config.key_prefix,
                   ttl=config.ttl_seconds)

    @classmethod
    def off(cls) -> ResponseCache:
        """No cache: every ``get`` misses."""
        return cls(None)

    @property
    def state(self) -> CacheState:
        if self._client is None:
            return "off"
        return "down" if self._failing else "up"

    def key(self, *parts: str) -> str:
        """The full key of a name made of ``parts``; the last part is hashed (it may be long
        and hold anything)."""
        *plain, last = parts
        digest = hashlib.sha256(last.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return ":".join((self.prefix, *plain, digest))

    def get(self, key: str) -> bytes | None:
        """The value kept under ``key``; None when there is none or Redis is away."""
        client = self._usable()
        if client is None:
            return None
        try:
            value = client.get(key)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        self._succeeded()
        return value if isinstance(value, bytes) else None

    def put(self, key: str, value: bytes, *, ttl: int | None = None) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds (the cache's own by default)."""
        client = self._usable()
        if client is None:
            return
        try:
            client.set(key, value, ex=ttl or self.ttl)
        except redis.RedisError as exc:
            self._failed(exc)
            return
        self._succeeded()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _usable(self) -> redis.Redis | None:
        """The client, unless there is none or Redis failed less than retry_after ago."""
        if self._client is None or time.monotonic() < self._down_until:
            return None
        return self._client

    def _failed(self, exc: redis.RedisError) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_after
            if self._failing:
                return
            self._failing = True
        log.warning("cache: Redis at %s is unavailable (%s); answering without the cache, "
                    "trying again every %.0f s", self.where, _reason(exc), self.retry_after,
                    extra={"redis": self.where})

    def _succeeded(self) -> None:
        if not self._failing:
            return
        with self._lock:
            if not self._failing:
                return
            self._failing = False
        log.warning("cache: Redis at %s answers again; caching resumed", self.where,
                    extra={"redis": self.where})


def _client(url: str, timeout: float) -> redis.Redis:
    try:
        return redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0), health_check_interval=30)
    except ValueError as exc:
        raise ConfigError(f"cache: Redis URL {redact(url)}: {exc}") from exc


def _reason(exc: redis.RedisError) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
