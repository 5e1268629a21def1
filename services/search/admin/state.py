"""What the dashboard needs beside the search context: its accounts, its sessions and
sign-in throttle in Redis, the harvester's job queue. Made once when the app starts.

The dashboard is off (every /admin address answers 503 and says how to turn it on) when
``CATALOGUE_SYNC_ADMINS`` is unset or wrong, or when the network has no Redis
(CATALOGUE_SYNC_REDIS_URL or [cache] redis_url): it keeps its sessions there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import redis

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import ConfigError
from catalogue_sync.gateway.throttle import Throttle
from services.harvester.queue import JobQueue
from services.search.admin.passwords import Accounts
from services.search.admin.sessions import AdminSessions

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 1.0
IDLE_MINUTES = 30
MAX_HOURS = 12
ATTEMPTS_PER_NAME = 5
ATTEMPTS_PER_ADDRESS = 20
LOCKOUT_MINUTES = 15


@dataclass(slots=True)
class Dashboard:
    """The dashboard's collaborators; ``off`` names why it is off (None: it is on)."""

    network: NetworkConfig
    accounts: Accounts | None = None
    client: redis.Redis | None = None
    sessions: AdminSessions | None = None
    throttle: Throttle | None = None
    off: str | None = None
    """``no_admins``, ``bad_admins`` or ``no_redis``: the key of the page that says so."""
    _queue: JobQueue | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, network: NetworkConfig) -> Dashboard:
        """The dashboard of ``network``, from the environment; off when it cannot be on."""
        try:
            accounts = Accounts.from_environment()
        except ConfigError as error:
            log.error("the dashboard is off: %s", error)
            return cls(network, off="bad_admins")
        if accounts is None:
            return cls(network, off="no_admins")
        url = network.redis_url()
        if url is None:
            return cls(network, accounts, off="no_redis")
        return cls.on(network, accounts, url)

    @classmethod
    def on(cls, network: NetworkConfig, accounts: Accounts, redis_url: str) -> Dashboard:
        client = redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                      socket_connect_timeout=REDIS_TIMEOUT)
        prefix = f"{network.cache.key_prefix}:admin"
        sessions = AdminSessions(client, prefix=prefix, idle=IDLE_MINUTES * 60,
                                 absolute=MAX_HOURS * 3600)
        throttle = Throttle(client, prefix=prefix, key=accounts.fingerprint(),
                            per_card=ATTEMPTS_PER_NAME, per_address=ATTEMPTS_PER_ADDRESS,
                            lockout=LOCKOUT_MINUTES * 60)
        return cls(network, accounts, client, sessions, throttle)

    def queue(self) -> JobQueue:
        """The harvester's job queue (opened on first use; nothing connects until asked)."""
        with self._lock:  # routes run in a thread pool
            if self._queue is None:
                self._queue = JobQueue.of(self.network)
            return self._queue

    def use_queue(self, queue: JobQueue) -> None:
        """Queue jobs into ``queue`` instead (tests: a Redis that does not answer)."""
        if self._queue is not None:
            self._queue.close()
        self._queue = queue

    def close(self) -> None:
        if self._queue is not None:
            self._queue.close()
        if self.client is not None:
            self.client.close()
