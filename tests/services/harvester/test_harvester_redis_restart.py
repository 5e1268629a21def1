"""Redis restarted under a worker: the harvest under way goes on into the store, the worker
reconnects and takes the next job. This Redis is the test's own (no persistence, as the one
in CI), started and stopped on a free port."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from services.cli import app
from services.sandbox.testing import SandboxServer
from services.serving import free_port
from tests.services.harvester.conftest import (
    LIBRARY,
    Workers,
    job,
    open_network,
    stored_count,
    wait_for,
    write_network,
)


class OwnRedis:
    """A redis-server of the test's own, which the test can stop and start again."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), "redis-server to answer", seconds=20)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_workers_wait_for_redis_and_reconnect_losing_nothing_from_the_store(
        tmp_path: Path, store_url: str, own_redis: OwnRedis, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, "restart",
                           redis_url=own_redis.url)
    network, store = open_network(config)
    sandbox.faults.inject(LIBRARY, "timeout", after=3, count=1, seconds=4, target="oai")
    group = workers(config)
    worker = group.start()
    CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY, "--queue"])
    wait_for(lambda: stored_count(store) >= 200, "the first pages to be stored")
    own_redis.stop()  # mid-harvest: the queue, the job and the lock are gone with it
    time.sleep(3)
    own_redis.start()
    expected = {record.local_id for record in sandbox.network.records(LIBRARY)}
    wait_for(lambda: {r.local_id for r in store.iter_records(LIBRARY)} == expected,
             "the harvest under way to finish into the store")
    assert store.harvest_state(LIBRARY).last_error is None
    # The worker reconnected: it takes a new job from the restarted Redis.
    CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY, "--queue", "--full"])
    wait_for(lambda: (state := job(network)) is not None and state.kind == "full-harvest"
             and state.state == "done", "the worker to run a job after the restart")
    assert worker.poll() is None
    assert [run.status.value for run in store.runs(LIBRARY)] == ["ok", "ok"]
    store.close()
