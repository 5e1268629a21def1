"""The harvester service with real worker processes, a real sandbox and a real Redis: jobs
queued from the command line, a worker killed with SIGKILL mid-harvest, a worker stopped,
and the merge and index updates that follow each harvest through the same queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from catalogue_sync.index.query import SearchRequest
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events, vendor_api_audit
from catalogue_sync.store.vendors import add_audit, add_usage
from services.cli import app, main
from services.harvester.queue import JobQueue
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

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _expected_ids(sandbox: SandboxServer) -> set[str]:
    return {record.local_id for record in sandbox.network.records(LIBRARY)}


def _harvest_requests(sandbox: SandboxServer) -> int:
    return sandbox.requests.count(LIBRARY, "oai")


def test_a_job_queued_from_the_cli_is_harvested_merged_and_indexed_by_a_worker(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    network, store = open_network(config)
    group = workers(config)
    alive = tmp_path / "alive"
    group.start(alive_file=alive)
    queued = CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY, "--queue"])
    assert queued.exit_code == 0, queued.output
    assert f"queued: harvest of {LIBRARY}" in queued.output
    # jobs --wait returns once the harvest and the merge it queued are both done.
    waited = CliRunner().invoke(app, ["--config", str(config), "jobs", "--wait", "60"])
    assert waited.exit_code == 0, waited.output
    assert "0 jobs queued or running" in waited.output
    state = job(network)
    assert state is not None and state.state == "done" and state.detail
    assert {r.local_id for r in store.iter_records(LIBRARY)} == _expected_ids(sandbox)
    # The merge and index update ran after it, through the queue: the catalogue is searchable.
    searcher = Searcher.of(network)
    assert searcher is not None
    wait_for(lambda: searcher.catalogue_index.state() is not None, "the index")
    assert searcher.search(SearchRequest()).total > 0
    wait_for(alive.exists, "the worker to say it is alive")
    store.close()


def test_jobs_wait_says_when_the_jobs_are_still_under_way(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY, "--queue"])
    # No worker runs: the job stays queued.
    waited = CliRunner().invoke(app, ["--config", str(config), "jobs", "--wait", "1"])
    assert waited.exit_code == 1
    assert "still under way after 1 s" in waited.output
    assert "1 job queued or running" in waited.output and "queued" in waited.output


def _harvest_hanging_after(sandbox: SandboxServer, group: Workers, store: Store, *,
                           requests: int) -> subprocess.Popen[str]:
    """Start a worker and queue a harvest whose list request after ``requests`` hangs for a
    few seconds; once the worker stored the pages before it, the worker (to kill or stop)."""
    sandbox.faults.inject(LIBRARY, "timeout", after=requests, count=1, seconds=6, target="oai")
    worker = group.start()
    CliRunner().invoke(app, ["--config", str(group.config), "harvest", LIBRARY, "--queue"])
    wait_for(lambda: stored_count(store) >= 100 * (requests - 1), "the first pages to be stored")
    return worker


def test_a_worker_killed_mid_harvest_has_its_job_resumed_by_another_with_nothing_lost(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    network, store = open_network(config)
    group = workers(config)
    first = _harvest_hanging_after(sandbox, group, store, requests=3)
    stored_before = store.live_count(LIBRARY)
    first.send_signal(signal.SIGKILL)
    first.wait()
    group.start()
    wait_for(lambda: (state := job(network)) is not None and state.state == "done",
             "another worker to finish the harvest")
    assert {r.local_id for r in store.iter_records(LIBRARY)} == _expected_ids(sandbox)
    runs = store.runs(LIBRARY)
    # One run, resumed from its cursor: each record was added once, none twice.
    assert [run.status.value for run in runs] == ["ok"]
    counts = runs[0].counts
    assert counts.added + counts.deleted == len(_expected_ids(sandbox))
    assert counts.updated == 0 and counts.unchanged == 0
    assert store.harvest_state(LIBRARY).last_error is None
    assert stored_before < len(_expected_ids(sandbox))
    store.close()


def test_a_stopped_worker_hands_its_harvest_back_to_the_queue(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    network, store = open_network(config)
    group = workers(config)
    first = _harvest_hanging_after(sandbox, group, store, requests=2)
    first.send_signal(signal.SIGTERM)
    out, _ = first.communicate(timeout=40)
    assert first.returncode == 0, out
    assert "harvester worker stopping" in out
    state = job(network)
    assert state is not None and state.state == "queued", (state, out)
    group.start()
    wait_for(lambda: (state := job(network)) is not None and state.state == "done",
             "the next worker to finish the harvest")
    assert {r.local_id for r in store.iter_records(LIBRARY)} == _expected_ids(sandbox)
    assert [run.status.value for run in store.runs(LIBRARY)] == ["ok"]
    store.close()


def test_a_scheduled_library_is_harvested_by_a_worker_without_being_asked(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix,
                           schedule="every 6h")
    network, store = open_network(config)
    group = workers(config)
    # Two workers, one schedule: the slot is queued once, the library harvested once.
    group.start()
    group.start()
    wait_for(lambda: (state := job(network)) is not None and state.state == "done",
             "the scheduled harvest")
    assert store.live_count(LIBRARY) > 0
    assert len(store.runs(LIBRARY)) == 1
    state = job(network)
    assert state is not None
    logged = group.stop_all()
    assert logged.count("harvester worker ready") == 2
    store.close()


def test_serve_harvester_without_redis_says_what_is_missing(tmp_path: Path) -> None:
    config = tmp_path / "network.toml"
    config.write_text('[storage]\nurl = "sqlite:///var/x.db"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", "--config",
         str(config), "serve", "harvester"], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert result.returncode != 0
    assert "needs Redis" in result.stderr + result.stdout


def test_a_worker_checks_a_connection_and_refuses_a_library_network_toml_lacks(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    network, store = open_network(config)
    queue = JobQueue.of(network)
    try:
        queue.check(LIBRARY, origin="test")
        queue.harvest("gone-library", origin="test")
        workers(config).start()
        wait_for(lambda: {state.state for state in queue.jobs().values()} <= {"done", "failed"}
                 and len(queue.jobs()) == 2 and queue.depth() == 0, "both jobs to end")
        checked, gone = queue.jobs()[LIBRARY], queue.jobs()["gone-library"]
    finally:
        queue.close()
    assert (checked.kind, checked.state) == ("check", "done")
    assert checked.detail is not None and "marcxml" in checked.detail
    assert (gone.state, gone.detail) == ("failed", "not in network.toml")
    assert store.runs() == []  # a check harvests nothing
    store.close()


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_concurrency_runs_that_many_workers_and_replaces_one_that_dies(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    group = workers(config)
    supervisor = group.start(concurrency=2)
    # Spawned workers: their own interpreters (plus multiprocessing's resource tracker).
    wait_for(lambda: len(_workers_of(supervisor.pid)) == 2, "two worker processes")
    first = _workers_of(supervisor.pid)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(_workers_of(supervisor.pid)) == 2
             and victim not in _workers_of(supervisor.pid), "a replacement worker", seconds=30)
    logged = group.stop_all()
    assert f"harvester worker {victim} died" in logged
    assert supervisor.returncode == 0


def _workers_of(pid: int) -> set[int]:
    return {child for child in _children(pid)
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()}


def test_a_worker_purges_usage_events_older_than_the_retention(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    """And the vendors' API audit older than [gateway] audit_days (180 by default)."""
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, redis_prefix)
    network, store = open_network(config)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with store.transaction("usage", writes=True) as connection:
        for hour in (now - timedelta(days=500), now - timedelta(days=2)):
            add_usage(connection, hour=hour, resource="presse", library=LIBRARY,
                      category="adult", session_hash="a" * 64)
        add_audit(connection, [{"vendor": None, "key_id": None, "endpoint": "/api/v1/resources",
                                "status": 401, "outcome": "refused-key", "at": at}
                               for at in (now - timedelta(days=200), now - timedelta(days=2))])

    def audit() -> list[datetime]:
        with store.transaction("audit") as connection:
            return list(connection.execute(sa.select(vendor_api_audit.c.at)).scalars())
    queue = JobQueue.of(network)
    try:
        queue.purge_usage()
        workers(config).start()
        wait_for(lambda: queue.depth() == 0, "the purge to run")
    finally:
        queue.close()
    with store.transaction("usage") as connection:
        hours = connection.execute(sa.select(usage_events.c.hour)).scalars().all()
    assert hours == [now - timedelta(days=2)]  # 13 months kept: the recent event only
    wait_for(lambda: len(audit()) == 1, "the audit's purge")
    assert audit() == [now - timedelta(days=2)]
    store.close()


def test_commands_say_when_the_queue_s_redis_does_not_answer(
        tmp_path: Path, store_url: str, sandbox: SandboxServer,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    config = write_network(tmp_path, sandbox.base_url, sandbox.network, store_url, "none",
                           redis_url=f"redis://127.0.0.1:{port}/0")
    for command in (["jobs"], ["harvest", LIBRARY, "--queue"]):
        monkeypatch.setattr(sys, "argv", ["catalogue-sync", "--config", str(config), *command])
        with pytest.raises(SystemExit) as ended:
            main()
        _, err = capsys.readouterr()
        assert ended.value.code == 1
        assert f"the job queue's Redis (127.0.0.1:{port}) did not answer while" in err
        assert "Traceback" not in err
