"""The per-library lock in Redis and the store's fencing tokens, and the scheduler's one
queueing per slot, against the real Redis and the real stores."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis

from catalogue_sync.config import HarvesterConfig, load_network
from catalogue_sync.errors import LockLost
from catalogue_sync.locks import Locks
from catalogue_sync.pipeline import Harvest
from catalogue_sync.store import Store
from connectors import registry
from services.harvester.queue import JobQueue
from services.harvester.scheduler import Scheduler
from services.sandbox.testing import SandboxServer
from tests.conftest import REDIS_URL
from tests.services.harvester.conftest import LIBRARY, write_network


@pytest.fixture
def locks(redis_prefix: str) -> Locks:
    return Locks(redis.Redis.from_url(REDIS_URL), prefix=redis_prefix, seconds=2)


def test_a_lock_is_held_by_one_owner_until_released_or_expired(locks: Locks) -> None:
    lease = locks.acquire("harvest:a", "worker-1")
    assert lease is not None
    assert locks.acquire("harvest:a", "worker-2") is None
    assert locks.holder("harvest:a") == "worker-1"
    assert locks.acquire("harvest:b", "worker-2") is not None  # one lock per library
    locks.release(lease)
    assert locks.acquire("harvest:a", "worker-2") is not None


def test_an_expired_lock_cannot_be_renewed_or_released_by_its_old_holder(locks: Locks) -> None:
    old = locks.acquire("harvest:a", "worker-1")
    assert old is not None
    time.sleep(2.2)
    new = locks.acquire("harvest:a", "worker-2")
    assert new is not None
    assert locks.renew(old) is False
    locks.release(old)
    assert locks.holder("harvest:a") == "worker-2"
    assert locks.renew(new) is True


def test_renewing_keeps_a_lock_past_its_life_and_releases_it_at_the_end(locks: Locks) -> None:
    lease = locks.acquire("harvest:a", "worker-1")
    assert lease is not None
    with locks.renewing(lease) as lost:
        time.sleep(3)
        assert locks.acquire("harvest:a", "worker-2") is None
        assert not lost.is_set()
    assert locks.holder("harvest:a") is None


def test_a_harvest_whose_token_is_superseded_writes_nothing_more(
        tmp_path: Path, store: Store, store_url: str, redis_prefix: str,
        sandbox: SandboxServer) -> None:
    network = load_network(write_network(tmp_path, sandbox.base_url, sandbox.network,
                                         store_url, redis_prefix))
    library = network.library(LIBRARY)
    stale = store.claim_harvest(LIBRARY)
    fresh = store.claim_harvest(LIBRARY)
    assert fresh > stale

    async def harvest(fence: int) -> None:
        async with httpx.AsyncClient() as client:
            await Harvest(store, library, registry.build(library, client),
                          fence=fence).run()

    with pytest.raises(LockLost, match="a newer harvest"):
        asyncio.run(harvest(stale))
    assert store.live_count(LIBRARY) == 0
    assert store.runs(LIBRARY) == []
    asyncio.run(harvest(fresh))
    assert store.live_count(LIBRARY) > 0


def test_fencing_tokens_survive_in_the_store_not_in_redis(store: Store) -> None:
    tokens = [store.claim_harvest("a") for _ in range(3)] + [store.claim_harvest("b")]
    assert tokens == [1, 2, 3, 1]


def test_two_schedulers_queue_a_due_slot_once(
        tmp_path: Path, store: Store, store_url: str, redis_prefix: str,
        sandbox: SandboxServer) -> None:
    network = load_network(write_network(tmp_path, sandbox.base_url, sandbox.network,
                                         store_url, redis_prefix, schedule="every 6h"))
    queue = JobQueue(REDIS_URL, HarvesterConfig(namespace=redis_prefix))
    try:
        now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
        first = Scheduler(network, store, queue, "one").queue_due(now)
        second = Scheduler(network, store, queue, "two").queue_due(now)
        assert first == [LIBRARY, "purge"] and second == []
        # The next slot (12:00) is due again, unless a harvest ran since it.
        assert Scheduler(network, store, queue, "two").queue_due(now + timedelta(hours=5)
                                                                 ) == [LIBRARY]
        assert queue.depth() == 3
        assert queue.jobs()[LIBRARY].detail == "by schedule"
    finally:
        queue.close()


def test_a_library_harvested_since_the_slot_is_not_queued(
        tmp_path: Path, store: Store, store_url: str, redis_prefix: str,
        sandbox: SandboxServer) -> None:
    network = load_network(write_network(tmp_path, sandbox.base_url, sandbox.network,
                                         store_url, redis_prefix, schedule="every 1h"))
    run_id = store.start_run(LIBRARY, "full")
    store.finish_run(LIBRARY, run_id, next_since=None, counts=store.runs(LIBRARY)[0].counts)
    queue = JobQueue(REDIS_URL, HarvesterConfig(namespace=redis_prefix))
    try:
        now = datetime.now(UTC)
        assert LIBRARY not in Scheduler(network, store, queue, "one").queue_due(now)
        assert LIBRARY in Scheduler(network, store, queue, "one").queue_due(
            now + timedelta(hours=1))
    finally:
        queue.close()


def test_a_lock_redis_forgot_is_taken_back_by_its_holder(locks: Locks) -> None:
    lease = locks.acquire("harvest:a", "worker-1")
    assert lease is not None
    locks.client.delete(lease.key)  # as a Redis restarted without persistence
    assert locks.renew(lease) is True
    assert locks.holder("harvest:a") == "worker-1"
    assert locks.acquire("harvest:a", "worker-2") is None
