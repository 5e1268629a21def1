"""The jobs the workers run: harvest a library, check its connection, normalize its stored
records again, merge and index what changed, purge expired usage events.

Each worker process holds one ``Runtime`` (the network, the store, the queue, the locks) that
the jobs use. A harvest takes the library's lock, claims a fencing token in the store, and
runs the same pipeline as ``catalogue-sync harvest``: every page is stored with its cursor
in one transaction, so a harvest interrupted anywhere (the worker killed, stopped, or its
lock lost) is resumed by the next one from its last stored page.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.errors import CatalogueError, LockLost
from catalogue_sync.export.oai.provider import update_sets
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.locks import Lease, Locks
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.merge.engine import pending_rebuild
from catalogue_sync.parsing import PageParser
from catalogue_sync.pipeline import Harvest, LibraryOutcome
from catalogue_sync.renormalize import renormalize as renormalize_library
from catalogue_sync.renormalize import sources, stale_counts
from catalogue_sync.stats.retention import purge_expired, purge_expired_audit
from catalogue_sync.store import Store
from connectors import registry
from services.cli.output import user_agent_client
from services.harvester.queue import QUEUE, JobQueue

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
LOCK_RETRIES = 240
"""How many times a job waits for its library's lock before it is given up (at
``retry_seconds`` each: two hours by default)."""


class Interrupted(Exception):
    """The worker is stopping: the harvest stopped after its last stored page."""


@dataclass(slots=True)
class Runtime:
    """What the jobs of one worker process share."""

    network: NetworkConfig
    store: Store
    queue: JobQueue
    locks: Locks
    worker: str
    stopping: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(cls, network: NetworkConfig, queue: JobQueue, worker: str) -> Runtime:
        store = Store(network.database_url())
        store.create_schema()
        locks = Locks(queue.redis, prefix=network.harvester.namespace,
                      seconds=network.harvester.lock_seconds)
        return cls(network, store, queue, locks, worker)

    def close(self) -> None:
        self.store.close()

    def lock(self, name: str, library: str, kind: str) -> Lease:
        """The lock, or a retry later (raised) while someone else holds it."""
        lease = self.locks.acquire(name, self.worker)
        if lease is not None:
            return lease
        holder = self.locks.holder(name) or "a worker that stopped"
        self.queue.set_state(library, kind, "waiting", detail=f"locked by {holder}")
        raise dramatiq.Retry(delay=self.network.harvester.retry_seconds * 1000)


_runtime: Runtime | None = None


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("no harvester runtime in this process: start a worker")
    return _runtime


def install(runtime_: Runtime) -> None:
    """Give the jobs of this process their runtime, and declare them on its broker."""
    global _runtime
    _runtime = runtime_
    broker = runtime_.queue.broker
    for function, options in JOBS.items():
        dramatiq.actor(broker=broker, actor_name=function.__name__, queue_name=QUEUE,
                       **options)(function)


def harvest(library_id: str, full: bool = False) -> None:
    """Harvest one library (incrementally unless ``full``), then queue a merge."""
    rt = runtime()
    kind = "full-harvest" if full else "harvest"
    library = _library(rt, library_id, kind)
    if library is None:
        return
    lease = rt.lock(f"harvest:{library_id}", library_id, kind)
    rt.queue.set_state(library_id, kind, "running", worker=rt.worker)
    with rt.locks.renewing(lease) as lost:
        try:
            fence = rt.store.claim_harvest(library_id)
            outcome = asyncio.run(_harvest(rt, library, full, fence, lost))
        except Interrupted:
            rt.queue.set_state(library_id, kind, "queued", detail="worker stopped; resumes")
            raise dramatiq.Retry(delay=1000) from None
        except LockLost as exc:
            rt.queue.set_state(library_id, kind, "failed", worker=rt.worker, detail=str(exc))
            return
    _report(rt, kind, outcome)
    if outcome.counts.added or outcome.counts.updated or outcome.counts.deleted:
        rt.queue.refresh()


def _library(rt: Runtime, library_id: str, kind: str) -> LibraryConfig | None:
    """The library, or None (reported) if network.toml no longer has it enabled."""
    library = rt.network.libraries.get(library_id)
    if library is None or not library.enabled:
        reason = "not in network.toml" if library is None else "disabled in network.toml"
        rt.queue.set_state(library_id, kind, "failed", worker=rt.worker, detail=reason)
        log.warning("job dropped: library %s", reason, extra={"library": library_id})
        return None
    return library


async def _harvest(rt: Runtime, library: LibraryConfig, full: bool, fence: int,
                   lost: threading.Event) -> LibraryOutcome:
    """Run the harvest until it ends, or until the worker stops or the lock is lost."""
    async with user_agent_client() as client:
        connector = registry.build(library, client)
        job = Harvest(rt.store, library, connector, parser=PageParser(workers=0), fence=fence)
        task = asyncio.create_task(job.run(full=full))
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            if not task.done() and (rt.stopping.is_set() or lost.is_set()):
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                if lost.is_set():
                    raise LockLost(f"[{library.id}] the harvest lock was lost")
                raise Interrupted(library.id)
        return task.result()


def _report(rt: Runtime, kind: str, outcome: LibraryOutcome) -> None:
    counts = outcome.counts
    if outcome.ok:
        detail = (f"{counts.added} added, {counts.updated} updated, {counts.deleted} deleted, "
                  f"{counts.quarantined} quarantined in {outcome.seconds:.1f} s")
        rt.queue.set_state(outcome.library, kind, "done", worker=rt.worker, detail=detail)
    else:
        rt.queue.set_state(outcome.library, kind, "failed", worker=rt.worker,
                           detail=outcome.error)


def check(library_id: str) -> None:
    """Ask a library's source what it offers; the answer is the job's detail."""
    rt = runtime()
    library = _library(rt, library_id, "check")
    if library is None:
        return
    rt.queue.set_state(library_id, "check", "running", worker=rt.worker)
    try:
        info = asyncio.run(_check(library))
    except CatalogueError as exc:
        rt.queue.set_state(library_id, "check", "failed", worker=rt.worker, detail=str(exc))
        return
    summary = "; ".join(f"{key}: {value}" for key, value in info.summary.items())
    formats = ", ".join(info.formats) or "-"
    rt.queue.set_state(library_id, "check", "done", worker=rt.worker,
                       detail=f"{summary}; formats: {formats}")


async def _check(library: LibraryConfig) -> Any:
    async with user_agent_client() as client:
        return await registry.build(library, client).check()


def renormalize(library_id: str) -> None:
    """Normalize again the library's records an older normalizer derived, then queue a merge
    of what changed; a worker that stops hands the rest back to the queue."""
    rt = runtime()
    kind = "renormalize"
    library = sources(rt.network).get(library_id)
    if library is None:
        rt.queue.set_state(library_id, kind, "failed", worker=rt.worker,
                           detail="not in network.toml")
        return
    lease = rt.lock(f"harvest:{library_id}", library_id, kind)  # not beside its harvest
    rt.queue.renormalize_started(library_id)
    rt.queue.set_state(library_id, kind, "running", worker=rt.worker)
    with rt.locks.renewing(lease):
        outcome = renormalize_library(rt.store, library, should_stop=rt.stopping.is_set)
    counts = outcome.counts
    if not outcome.complete:
        rt.queue.set_state(library_id, kind, "queued", detail="worker stopped; resumes")
        raise dramatiq.Retry(delay=1000)
    rt.queue.set_state(library_id, kind, "done", worker=rt.worker,
                       detail=f"{counts.checked} checked, {counts.changed} changed, "
                              f"{counts.quarantined} quarantined in {outcome.seconds:.1f} s")
    if counts.changed:
        rt.queue.refresh()


def catch_up(rt: Runtime) -> None:
    """Queue what brings the store up to the code: a renormalization of each library with
    records an older normalizer or other settings of the library derived, and a refresh if
    the merge would rebuild. A store or a Redis that does not answer is logged: the worker
    starts anyway, and the next one to start asks again."""
    try:
        _catch_up(rt)
    except CatalogueError as exc:
        log.warning("cannot tell whether the store is behind the code: %s", exc)


def _catch_up(rt: Runtime) -> None:
    for count in stale_counts(rt.store, sources(rt.network).values()):
        if count.stale:
            # Other settings of a library are behind as an older normalizer is: what its
            # records derive to has changed.
            log.info("records behind the normalizer or their library's settings: queueing "
                     "their renormalization", extra={"library": count.library,
                                                     "records": count.stale,
                                                     "by_settings": count.settings})
            rt.queue.renormalize(count.library, origin=f"upgrade ({rt.worker})")
    if reason := pending_rebuild(rt.store, rt.network):
        log.info("%s: queueing a merge", reason)
        rt.queue.refresh()


def refresh() -> None:
    """Merge what changed into the union catalogue, then update the index and OAI-PMH sets."""
    rt = runtime()
    rt.queue.refresh_started()
    lease = rt.locks.acquire("refresh", rt.worker)
    if lease is None:
        raise dramatiq.Retry(delay=rt.network.harvester.retry_seconds * 1000)
    with rt.locks.renewing(lease):
        summary = merge(rt.store, rt.network)
        run = CatalogueIndex.of(rt.network).update(rt.store)
        update_sets(rt.store)
    log.info("union catalogue refreshed",
             extra={"records": summary.records, "merged_created": summary.created,
                    "merged_changed": summary.changed, "indexed": run.indexed,
                    "index_deleted": run.deleted, "seconds": round(run.seconds, 1)})


def purge_expired_usage() -> None:
    """Delete the usage events older than [statistics] retention_months, and the vendors'
    API audit older than [gateway] audit_days."""
    rt = runtime()
    purge_expired(rt.store, rt.network.statistics)
    purge_expired_audit(rt.store, rt.network.gateway)


JOBS: dict[Callable[..., None], dict[str, Any]] = {
    # Waiting for a lock raises Retry: allow many, at the delay Retry gives.
    harvest: {"max_retries": LOCK_RETRIES, "time_limit": DAY_MS},
    check: {"max_retries": 0, "time_limit": 120_000},
    renormalize: {"max_retries": LOCK_RETRIES, "time_limit": DAY_MS},
    refresh: {"max_retries": LOCK_RETRIES, "time_limit": DAY_MS},
    purge_expired_usage: {"max_retries": 3, "time_limit": 3_600_000},
}
"""Each job and its dramatiq options. A harvest's own failure (a source down) is recorded
in the store and is not retried here: the next scheduled harvest tries again."""
