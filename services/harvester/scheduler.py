"""Queueing the harvests network.toml schedules, from every worker at once without doubles.

Every worker process runs a scheduler; each tick, for each library with a ``schedule``, the
latest slot at or before now (``Schedule.previous``) is due if the library's last successful
harvest is older than it. Queueing a due slot first sets a Redis key named after the library
and the slot, only if absent: of all the workers that see the slot due, one queues it. A
slot missed while no worker ran is thus queued when one starts; slots missed before it are
not piled up.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import redis

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.schedule import parse_schedule
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue

log = logging.getLogger(__name__)

SLOT_KEY_DAYS = 32
"""How long a slot's key is kept: longer than the longest interval, so a slot is never
queued twice."""


class Scheduler:
    """Queues what is due, each ``tick`` seconds, until stopped."""

    def __init__(self, network: NetworkConfig, store: Store, queue: JobQueue, worker: str,
                 *, tick: float = 15.0) -> None:
        self.network = network
        self.store = store
        self.queue = queue
        self.worker = worker
        self.tick = tick

    def run(self, stop: threading.Event) -> None:
        while True:
            try:
                self.queue_due(datetime.now(UTC))
            except (redis.RedisError, CatalogueError) as exc:  # Redis restarting, store down
                log.warning("scheduler: %s (trying again in %g s)", exc, self.tick)
            if stop.wait(self.tick):
                return

    def queue_due(self, now: datetime) -> list[str]:
        """Queue every due slot; the libraries (and "purge") queued."""
        queued = []
        for library in self.network.libraries.values():
            if library.enabled and library.schedule and self._harvest_due(library.id,
                                                                          library.schedule, now):
                self.queue.harvest(library.id, origin="schedule")
                queued.append(library.id)
        purge = parse_schedule(self.network.statistics.purge_schedule).previous(now)
        if self._claim("purge", purge):
            self.queue.purge_usage()
            queued.append("purge")
        return queued

    def _harvest_due(self, library: str, schedule: str, now: datetime) -> bool:
        slot = parse_schedule(schedule).previous(now)
        last = self.store.harvest_state(library).last_harvest
        return (last is None or last < slot) and self._claim(f"harvest:{library}", slot)

    def _claim(self, what: str, slot: datetime) -> bool:
        key = f"{self.network.harvester.namespace}:scheduled:{what}:{slot:%Y%m%dT%H%M}"
        return bool(self.queue.redis.set(key, self.worker, nx=True,
                                         ex=SLOT_KEY_DAYS * 86_400))
