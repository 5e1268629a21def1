"""``status`` says when stored data is behind the code; ``records renormalize`` brings the
records up to date, resumes after a kill -9, then merges and indexes what changed."""

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
import sqlalchemy as sa
import tomlkit

from catalogue_sync.merge import keys
from catalogue_sync.store import Store
from catalogue_sync.store.schema import renormalize_state
from services.sandbox.testing import SandboxServer
from tests.renormalizing import MARK, bump_normalizer

Run = Callable[..., tuple[int, str, str]]
ROOT = Path(__file__).parents[3]


def status(cli: Run, network_file: Path) -> dict[str, object]:
    code, out, err = cli("--config", str(network_file), "status", "--json")
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_status_says_what_is_behind_the_code_and_what_to_run(
        cli: Run, sandbox: SandboxServer, network_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = cli("--config", str(network_file), "harvest")
    assert code == 0, err
    assert status(cli, network_file)["behind"] == []
    bump_normalizer(monkeypatch)
    monkeypatch.setattr(keys, "KEYS_VERSION", keys.KEYS_VERSION + 1)

    found = status(cli, network_file)

    rows = found["libraries"]
    assert isinstance(rows, list)
    assert all(row["stale"] == row["records"] > 0 for row in rows)
    assert found["code"] == {"normalizer": 2, "keys": keys.KEYS_VERSION, "rules": 1}
    behind = {item["what"]: item for item in found["behind"]}  # type: ignore[attr-defined]
    assert behind["records"]["count"] == sum(row["records"] for row in rows)
    assert behind["records"]["run"] == "catalogue-sync records renormalize"
    assert behind["merge"]["run"] == "catalogue-sync merge run"
    code, out, _ = cli("--config", str(network_file), "status")
    assert code == 0 and "Behind the code" in out
    assert "records renormalize" in out and "merge run" in out


def test_a_changed_id_field_makes_that_library_behind_until_renormalized(
        cli: Run, sandbox: SandboxServer, network_file: Path) -> None:
    code, _, err = cli("--config", str(network_file), "harvest")
    assert code == 0, err
    first = sandbox.network.libraries[0].id
    document = tomlkit.parse(network_file.read_text())
    document["libraries"][first]["id_field"] = "999$c"  # type: ignore[index]
    document["libraries"][sandbox.network.libraries[1].id]["name"] = "Autre nom"  # type: ignore[index]
    network_file.write_text(tomlkit.dumps(document))

    found = status(cli, network_file)

    rows = {row["id"]: row for row in found["libraries"]}  # type: ignore[attr-defined]
    assert rows[first]["stale"] == rows[first]["stale_settings"] == rows[first]["records"] > 0
    assert all(row["stale"] == 0 for library, row in rows.items() if library != first)
    assert found["behind"] == [{
        "what": "settings", "library": first, "count": rows[first]["records"],
        "why": f"{rows[first]['records']} records of {first} were normalized with other "
               "settings of its network.toml table (flavour, encoding, id_field, holdings)",
        "run": f"catalogue-sync records renormalize {first}"}]
    code, out, _ = cli("--config", str(network_file), "status")
    assert code == 0 and f"records renormalize {first}" in out

    code, out, err = cli("--config", str(network_file), "records", "renormalize", first)

    assert code == 0, err
    assert "Renormalize summary" in out
    assert status(cli, network_file)["behind"] == []


def test_renormalize_prints_progress_and_a_summary_then_merges(
        cli: Run, sandbox: SandboxServer, network_file: Path, store_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cli("--config", str(network_file), "harvest")
    bump_normalizer(monkeypatch)
    first = sandbox.network.libraries[0].id

    code, out, err = cli("--config", str(network_file), "records", "renormalize", first)

    assert code == 0, err
    assert f"renormalizing {first}:" in err
    assert "Renormalize summary" in out and "Merge summary" in out and "Index summary" in out
    rows = {row["id"]: row for row in status(cli, network_file)["libraries"]}  # type: ignore[attr-defined]
    assert rows[first]["stale"] == 0
    assert all(row["stale"] > 0 for library, row in rows.items() if library != first)
    code, out, err = cli("--config", str(network_file), "records", "renormalize")
    assert code == 0, err
    assert status(cli, network_file)["behind"] == []
    store = Store(store_url)
    try:
        titles = [r.normalized.title or "" for r in store.iter_records() if not r.deleted]
    finally:
        store.close()
    assert any(title.endswith(MARK) for title in titles)
    code, out, _ = cli("--config", str(network_file), "search", "v2")
    assert code == 0 and MARK.strip() in out  # the index followed


SCRIPT = """
import sys, time
import pytest
from tests.renormalizing import bump_normalizer, parse_module
bump_normalizer(pytest.MonkeyPatch())
if sys.argv[1] == "slow":
    normalize = parse_module.normalize
    def slow(*args, **kwargs):
        time.sleep(0.05)
        return normalize(*args, **kwargs)
    parse_module.normalize = slow
from services.cli import main
sys.argv = ["catalogue-sync", "records", "renormalize", sys.argv[2], "--batch", "5",
            "--no-merge"]
main()
"""


def test_a_renormalize_killed_with_sigkill_resumes_and_loses_nothing(
        sandbox: SandboxServer, network_file: Path, store_url: str, cli: Run,
        tmp_path: Path) -> None:
    cli("--config", str(network_file), "harvest")
    library = sandbox.network.libraries[0].id
    script = tmp_path / "renormalize_v2.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "CATALOGUE_SYNC_CONFIG": str(network_file),
           "PYTHONPATH": str(ROOT)}
    store = Store(store_url)
    try:
        before = {r.local_id: r for r in store.iter_records(library)}
        process = subprocess.Popen([sys.executable, str(script), "slow", library], env=env,
                                   cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            checked = wait_for_checked(store, library, 10)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        live = [r for r in before.values() if not r.deleted]
        assert checked < len(live)  # killed mid-way
        done = subprocess.run([sys.executable, str(script), "fast", library], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "resumed" in done.stdout
        after = {r.local_id: r for r in store.iter_records(library)}
        assert after.keys() == before.keys()
        assert all(after[key].normalizer_version == 2 for key in after
                   if not after[key].deleted)
        assert stored_counts(store, library)["checked"] == len(live)
    finally:
        store.close()


def stored_counts(store: Store, library: str) -> dict[str, int]:
    with store.transaction("reading the cursor") as connection:
        counts = connection.execute(sa.select(renormalize_state.c.counts).where(
            renormalize_state.c.library == library)).scalar_one_or_none()
    return dict(counts or {})


def wait_for_checked(store: Store, library: str, at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        checked = stored_counts(store, library).get("checked", 0)
        if checked >= at_least:
            return checked
        time.sleep(0.05)
    raise AssertionError(f"renormalizing {library} checked fewer than {at_least} records")
