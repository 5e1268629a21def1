"""Harvesting the sandbox network from the command line, and a harvest killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from catalogue_sync.store import Store
from services.sandbox.config import network_toml
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox

Run = Callable[..., tuple[int, str, str]]
CLI = Path(sys.executable).parent / "catalogue-sync"


@pytest.fixture
def page_size() -> int:
    return 20


def expected(sandbox: SandboxServer, library_id: str) -> tuple[int, int]:
    records = list(sandbox.network.records(library_id))
    deleted = sum(r.deleted for r in records)
    return len(records) - deleted, deleted


def test_check_shows_a_sample_record_as_it_will_be_stored(
        cli: Run, sandbox: SandboxServer, network_file: Path) -> None:
    library_id = sandbox.network.libraries[0].id
    code, out, err = cli("--config", str(network_file), "library", "check", library_id)
    assert code == 0, err
    assert "granularity" in out and "marcxml" in out
    assert "as it will be stored" in out and "title" in out and "item 1" in out


def test_check_names_a_format_the_source_lacks(
        cli: Run, sandbox: SandboxServer, network_file: Path) -> None:
    library_id = sandbox.network.libraries[0].id
    text = network_file.read_text().replace('\nmetadata_prefix = "marcxml"',
                                            '\nmetadata_prefix = "marc21"', 1)
    network_file.write_text(text)
    code, _, err = cli("--config", str(network_file), "library", "check", library_id)
    assert code == 2 and "does not offer 'marc21'" in err and "marcxml" in err


def test_harvest_then_status_json(cli: Run, sandbox: SandboxServer,
                                  network_file: Path) -> None:
    code, out, err = cli("--config", str(network_file), "harvest")
    assert code == 0, err
    assert "Harvest summary" in out
    assert "harvest finished" in err  # plain log lines when not on a terminal
    code, out, _ = cli("--config", str(network_file), "status", "--json")
    status = {row["id"]: row for row in json.loads(out)["libraries"]}
    for lib in sandbox.network.libraries:
        live, deleted = expected(sandbox, lib.id)
        row = status[lib.id]
        assert (row["records"], row["deleted"], row["quarantined"]) == (live, deleted, 0)
        assert row["name"] == lib.name and row["last_error"] is None
        assert row["last_harvest"]


def test_a_failing_library_makes_harvest_exit_1_and_the_rest_complete(
        cli: Run, sandbox: SandboxServer, network_file: Path) -> None:
    broken, *others = (lib.id for lib in sandbox.network.libraries)
    sandbox.faults.inject(broken, "oai-error", code="badArgument", status=400, count=50)
    code, out, _ = cli("--config", str(network_file), "harvest")
    assert code == 1 and "badArgument" in out
    _, out, _ = cli("--config", str(network_file), "status", "--json")
    status = {row["id"]: row for row in json.loads(out)["libraries"]}
    assert "badArgument" in status[broken]["last_error"]
    assert all(status[other]["records"] == expected(sandbox, other)[0] for other in others)


def test_quarantine_list_and_show(cli: Run, sandbox: SandboxServer, network_file: Path,
                                  tmp_path: Path) -> None:
    library_id = sandbox.network.libraries[0].id
    sandbox.faults.inject(library_id, "broken-record")
    cli("--config", str(network_file), "harvest", library_id)
    code, out, _ = cli("--config", str(network_file), "quarantine", "list", "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(entries) == 1 and entries[0]["library"] == library_id
    entry_id = str(entries[0]["id"])
    code, out, _ = cli("--config", str(network_file), "quarantine", "show", entry_id)
    assert code == 0 and entries[0]["reason"][:30] in out and "not a MARC record" in out
    raw = tmp_path / "record.xml"
    cli("--config", str(network_file), "quarantine", "show", entry_id, "--raw", str(raw))
    assert b"not a MARC record" in raw.read_bytes()


def test_a_killed_harvest_resumes_after_the_last_stored_page(
        tmp_path: Path, store_url: str) -> None:
    with run_sandbox(SandboxNetwork(seed=11, total_records=800), page_size=20) as sandbox:
        network_file = tmp_path / "network.toml"
        network_file.write_text(network_toml(sandbox.base_url, sandbox.network,
                                             database=store_url))
        kill_and_resume(sandbox, network_file, store_url)


def kill_and_resume(sandbox: SandboxServer, network_file: Path, store_url: str) -> None:
    library_id = sandbox.network.libraries[0].id
    # Identify and four pages go through, then the server hangs: the harvest is killed there.
    sandbox.faults.inject(library_id, "timeout", after=5, seconds=60)
    env = {**os.environ, "CATALOGUE_SYNC_CONFIG": str(network_file)}
    store = Store(store_url)
    store.create_schema()
    harvester = subprocess.Popen([str(CLI), "harvest", library_id], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stored_before_kill = wait_for_records(store, library_id, 4 * 20)
        harvester.send_signal(signal.SIGKILL)
        harvester.wait(timeout=10)
        sandbox.faults.clear()
        resumed = subprocess.run([str(CLI), "harvest", library_id], env=env, timeout=60,
                                 capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        live, deleted = expected(sandbox, library_id)
        status = store.status([library_id])[0]
        assert (status.records, status.deleted) == (live, deleted)
        assert stored_before_kill == 80
        # One run, continued: nothing stored before the kill was fetched and stored again.
        (run,) = store.runs(library_id)
        assert run.status == "ok" and run.counts.unchanged == 0
        assert run.counts.added + run.counts.deleted == live + deleted
    finally:
        if harvester.poll() is None:
            harvester.kill()
            harvester.wait()
        store.close()


def wait_for_records(store: Store, library_id: str, count: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = store.status([library_id])[0]
        if status.records + status.deleted >= count:
            return status.records + status.deleted
        time.sleep(0.05)
    raise AssertionError(f"the harvester never stored {count} records")


def test_quarantine_list_names_a_damaged_dump_record_by_its_001(
        cli: Run, tmp_path: Path, store_url: str) -> None:
    fixtures = Path(__file__).parents[2] / "fixtures" / "marc"
    novel = (fixtures / "novel-marc21.mrc").read_bytes()
    at = novel.index("étranger".encode())
    broken = novel.replace(b"000123456", b"000777777")
    broken = broken[:at] + b"\xff" + broken[at + 1:]  # not UTF-8 any more
    dump = tmp_path / "dump.mrc"
    dump.write_bytes(novel + broken)
    network_file = tmp_path / "network.toml"
    network_file.write_text(
        f'[network]\nname = "Réseau"\n\n[storage]\nurl = "{store_url}"\n\n'
        '[libraries.poitiers-fm]\nname = "Médiathèque"\nflavour = "marc21"\n\n'
        f'[libraries.poitiers-fm.connector]\ntype = "marc-file"\npath = "{dump}"\n')
    code, _, err = cli("--config", str(network_file), "harvest", "poitiers-fm")
    assert code == 0, err
    code, out, _ = cli("--config", str(network_file), "quarantine", "list")
    assert code == 0 and "000777777" in out and "not valid UTF-8" in out
    assert " ? " not in out
