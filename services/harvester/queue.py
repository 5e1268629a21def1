"""Queueing jobs and reading where they stand, without running any.

The search service (dashboard buttons) and the command line (``harvest --queue``) queue jobs
through this module; the workers (``services.harvester.worker``) run them. A message names its
actor by name only, so queueing needs neither the actors nor their dependencies.

Each library's latest job is also kept in a Redis hash (``<namespace>:job:<library>``), which
the dashboard shows: queued, running (on which worker, since when), done or failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import BrokerConnectionError
from redis.typing import EncodableT

from catalogue_sync.config import HarvesterConfig, NetworkConfig
from catalogue_sync.errors import ConfigError, QueueUnavailable

log = logging.getLogger(__name__)

REFRESH_PENDING = "refresh-pending"
"""The key (under the namespace) saying a merge and index update is already queued."""
RENORMALIZE_PENDING = "renormalize-pending"
"""The key (under the namespace, then the library) saying a renormalization is queued."""

DAY_SECONDS = 86_400
QUEUE = "harvest"
"""One queue for every job: harvests, checks, merges and purges wait in order of arrival."""
MAINTENANCE_CHANCE = 100_000
"""Out of a million broker calls, how many look for dead workers' jobs. Idle workers call
about once a second and our heartbeat every few seconds: one call in ten looks, so a dead
worker's job is found seconds after its heartbeat timeout (dramatiq's default, one in a
thousand, can take many minutes). The look is cheap: a sorted-set range per queue."""


@dataclass(frozen=True, slots=True)
class JobState:
    """Where a library's latest job stands."""

    library: str
    kind: str
    """harvest, full-harvest, check or renormalize."""
    state: str
    """queued, running, done or failed."""
    at: datetime
    """When it reached this state."""
    worker: str | None = None
    detail: str | None = None
    """The error of a failed job, or a check's answer."""


def make_broker(redis_url: str, config: HarvesterConfig) -> RedisBroker:
    """The Redis broker every worker and every queueing process shares."""
    broker: RedisBroker = RedisBroker(  # type: ignore[no-untyped-call]  # not annotated
        client=_client(redis_url), namespace=config.namespace,
        heartbeat_timeout=config.heartbeat_seconds * 1000,
        maintenance_chance=MAINTENANCE_CHANCE)
    return broker


def _client(redis_url: str, *, decode_responses: bool = False) -> redis.Redis:
    """A client that gives up on a Redis that hangs instead of hanging with it (a dashboard
    page, a worker's heartbeat); every broker call is a short script, never a blocking pop."""
    return redis.Redis.from_url(redis_url, decode_responses=decode_responses,
                                socket_connect_timeout=5, socket_timeout=10)


def redis_url_of(network: NetworkConfig) -> str:
    """The queue's Redis: CATALOGUE_SYNC_REDIS_URL or [cache] redis_url."""
    url = network.redis_url()
    if url is None:
        raise ConfigError(f"{network.path}: the harvester service needs Redis: set "
                          "CATALOGUE_SYNC_REDIS_URL or [cache] redis_url")
    return url


class JobQueue:
    """Queues jobs for the workers and reports each library's latest job."""

    def __init__(self, redis_url: str, config: HarvesterConfig) -> None:
        self.config = config
        self.broker = make_broker(redis_url, config)
        self.broker.declare_queue(QUEUE)
        self.redis: redis.Redis = _client(redis_url, decode_responses=True)

    @classmethod
    def of(cls, network: NetworkConfig) -> JobQueue:
        return cls(redis_url_of(network), network.harvester)

    def close(self) -> None:
        self.broker.close()
        self.redis.close()

    def harvest(self, library: str, *, full: bool = False, origin: str = "cli") -> str:
        """Queue a harvest of one library; the message id."""
        kind = "full-harvest" if full else "harvest"
        with self._answering(f"queueing a harvest of {library}"):
            message = self._send("harvest", library, full=full)
        self.set_state(library, kind, "queued", detail=f"by {origin}")
        return message

    def check(self, library: str, *, origin: str = "cli") -> str:
        """Queue a connection check of one library; the message id."""
        with self._answering(f"queueing a check of {library}"):
            message = self._send("check", library)
        self.set_state(library, "check", "queued", detail=f"by {origin}")
        return message

    def renormalize(self, library: str, *, origin: str = "cli") -> str | None:
        """Queue a renormalization of one library, unless one is already waiting (each
        worker that starts behind the code asks for one); the message id."""
        pending = self._key(f"{RENORMALIZE_PENDING}:{library}")
        with self._answering(f"queueing a renormalization of {library}"):
            if not self.redis.set(pending, "1", nx=True, ex=DAY_SECONDS):
                return None
            message = self._send("renormalize", library)
        self.set_state(library, "renormalize", "queued", detail=f"by {origin}")
        return message

    def renormalize_started(self, library: str) -> None:
        """A renormalization began: a worker starting later may queue another."""
        self.redis.delete(self._key(f"{RENORMALIZE_PENDING}:{library}"))

    def refresh(self) -> str | None:
        """Queue a merge and index update, unless one is already waiting; its message id."""
        try:
            if not self.redis.set(self._key(REFRESH_PENDING), "1", nx=True, ex=3600):
                return None
            return self._send("refresh")
        except (redis.RedisError, BrokerConnectionError) as exc:
            # The next harvest that changes something queues it; nothing is lost meanwhile.
            log.warning("cannot queue a merge and index update: %s", exc)
            return None

    def hold_refreshes(self) -> None:
        """Say a refresh is waiting when none is, so that harvests queue none (for an hour,
        or until the next refresh starts): a benchmark times the harvests alone."""
        self.redis.set(self._key(REFRESH_PENDING), "held", ex=3600)

    def refresh_started(self) -> None:
        """A refresh began: the next harvest to finish queues another."""
        self.redis.delete(self._key(REFRESH_PENDING))

    def purge_usage(self) -> str:
        with self._answering("queueing the purge of usage events"):
            return self._send("purge_expired_usage")

    def depth(self) -> int:
        """Jobs queued, waiting for a retry, or running."""
        with self._answering("counting the jobs"):
            return int(self.broker.do_qsize(QUEUE))

    def jobs(self) -> dict[str, JobState]:
        """Each library's latest job."""
        states = {}
        with self._answering("reading the jobs"):
            for key in self.redis.scan_iter(self._key("job:*"), count=500):
                if fields := self.redis.hgetall(key):
                    state = _state({str(name): str(value) for name, value in fields.items()})
                    states[state.library] = state
        return states

    @contextmanager
    def _answering(self, doing: str) -> Iterator[None]:
        """Redis failures as QueueUnavailable, naming what was being done and where."""
        try:
            yield
        except (redis.RedisError, BrokerConnectionError) as exc:
            where = self.redis.get_connection_kwargs()
            raise QueueUnavailable(
                f"the job queue's Redis ({where.get('host', 'unix socket')}:"
                f"{where.get('port', '')}) did not answer while {doing}: {exc}") from exc

    def set_state(self, library: str, kind: str, state: str, *, worker: str | None = None,
                  detail: str | None = None) -> None:
        """Record where the library's job stands. Best effort: with Redis away the job goes
        on (what it stores is in the store) and only the dashboard's view of it lags."""
        fields: dict[EncodableT, EncodableT] = {
            "library": library, "kind": kind, "state": state, "at": str(time.time()),
            "worker": worker or "", "detail": detail or ""}
        try:
            self.redis.hset(self._key(f"job:{library}"), mapping=fields)
        except redis.RedisError as exc:
            log.warning("cannot record a job's state: %s", exc,
                        extra={"library": library, "state": state})

    def _send(self, actor: str, *args: Any, **kwargs: Any) -> str:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=QUEUE, actor_name=actor, args=args, kwargs=kwargs, options={})
        return self.broker.enqueue(message).message_id

    def _key(self, name: str) -> str:
        return f"{self.config.namespace}:{name}"


def _state(fields: dict[str, str]) -> JobState:
    return JobState(library=fields["library"], kind=fields["kind"], state=fields["state"],
                    at=datetime.fromtimestamp(float(fields["at"]), UTC),
                    worker=fields["worker"] or None, detail=fields["detail"] or None)
