"""A sandbox network, its network.toml with quick locks and heartbeats, and real worker
processes (``catalogue-sync serve harvester``) to start, kill and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalogue_sync.config import NetworkConfig, load_network
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue, JobState
from services.sandbox.config import network_toml
from services.sandbox.generator import SandboxNetwork
from services.sandbox.libraries import default_libraries
from services.sandbox.testing import SandboxServer, run_sandbox
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[3]
LIBRARY = "mediatheque-fm"
QUICK = {"lock_seconds": 3, "heartbeat_seconds": 2, "retry_seconds": 1}
"""Short enough for a test to see a killed worker's job taken over in seconds."""


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """One library of 1,000 records, served 100 per page."""
    network = SandboxNetwork(seed=6, total_records=1000, libraries=default_libraries()[:1])
    with run_sandbox(network, page_size=100, sip2=False) as server:
        yield server


def write_network(tmp_path: Path, base_url: str, sandbox: SandboxNetwork, store_url: str,
                  namespace: str, *, redis_url: str = REDIS_URL, schedule: str | None = None
                  ) -> Path:
    """network.toml for the sandbox's libraries, the test's store, Redis and namespace."""
    text = network_toml(base_url, sandbox, database=store_url)
    settings = "\n".join(f"{key} = {value}" for key, value in QUICK.items())
    text = text.replace("[libraries]", f'[cache]\nredis_url = "{redis_url}"\n\n'
                        f'[index]\npath = "{tmp_path / "index"}"\n\n'
                        f'[harvester]\nnamespace = "{namespace}"\n{settings}\n\n[libraries]', 1)
    if schedule:
        text = text.replace(f"[libraries.{LIBRARY}]\n",
                            f'[libraries.{LIBRARY}]\nschedule = "{schedule}"\n', 1)
    path = tmp_path / "network.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Workers:
    """Worker processes of one network file, each stopped (or killed) at the end."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *, concurrency: int = 1, tick: float = 0.5,
              alive_file: Path | None = None) -> subprocess.Popen[str]:
        command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
                   str(self.config), "serve", "harvester", "--concurrency", str(concurrency),
                   "--tick", str(tick)]
        if alive_file is not None:
            command += ["--alive-file", str(alive_file)]
        env = {**os.environ, "SANDBOX_ILS_PASSWORD": "unused",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                           os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(command, cwd=self.config.parent, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop_all(self) -> str:
        """Stop every worker (SIGTERM, then SIGKILL); what they logged."""
        logged = []
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                out, _ = process.communicate(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                out, _ = process.communicate()
            logged.append(out)
        return "\n".join(logged)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[Path], Workers]]:
    made: list[Workers] = []

    def make(config: Path) -> Workers:
        made.append(Workers(config))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()


def wait_for(condition: Callable[[], object], what: str, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def job(network: NetworkConfig, library: str = LIBRARY) -> JobState | None:
    queue = JobQueue.of(network)
    try:
        return queue.jobs().get(library)
    finally:
        queue.close()


def open_network(path: Path) -> tuple[NetworkConfig, Store]:
    network = load_network(path)
    store = Store(network.database_url())
    store.create_schema()
    return network, store


def stored_count(store: Store) -> int:
    """Records of LIBRARY stored, deleted ones too (a page of 100 may hold deletions)."""
    status = store.status([LIBRARY])[0]
    return status.records + status.deleted
