"""The union catalogue from the command line, as a sysadmin or a librarian types it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import tomlkit

from catalogue_sync.errors import StoreError
from services.sandbox.testing import SandboxServer

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def page_size() -> int:
    return 50


@pytest.fixture
def run(cli: Run, network_file: Path) -> Run:
    """``catalogue-sync --config network.toml ARGS``."""
    return lambda *args: cli("--config", str(network_file), *args)


def exported(run: Run) -> list[dict[str, object]]:
    code, out, err = run("export", "clusters", "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def members(row: dict[str, object]) -> list[str]:
    found = row["members"]
    assert isinstance(found, list)
    return [f"{member['library']}:{member['record']}" for member in found]


def live_records(sandbox: SandboxServer) -> set[str]:
    return {f"{label.library_id}:{label.local_id}"
            for label in sandbox.network.truth().labels if not label.deleted}


def test_harvest_merges_what_it_brought_and_export_lists_every_record(
        run: Run, sandbox: SandboxServer) -> None:
    code, out, err = run("harvest")
    assert code == 0, err
    assert "Harvest summary" in out and "Merge summary" in out
    rows = exported(run)
    assert all(set(row) == {"id", "work", "members"} for row in rows)
    assert {name for row in rows for name in members(row)} == live_records(sandbox)
    assert any(len(members(row)) > 1 for row in rows)
    code, out, _ = run("merge", "run")
    assert code == 0 and "incremental" in out and "Merge summary" in out


def test_harvest_no_merge_leaves_the_merge_to_merge_run(run: Run) -> None:
    code, out, _ = run("harvest", "--no-merge")
    assert code == 0 and "Merge summary" not in out
    assert exported(run) == []
    code, out, _ = run("merge", "run")
    assert code == 0 and "Merge summary" in out and "first" in out
    merged = exported(run)
    assert merged
    code, out, _ = run("merge", "run", "--full")
    assert code == 0 and "full" in out
    assert exported(run) == merged  # same ids, same members


def test_a_librarian_splits_joins_and_explains(run: Run, sandbox: SandboxServer) -> None:
    run("harvest")
    rows = exported(run)
    pair = next(members(row) for row in rows if len(members(row)) == 2)
    alone = [members(row)[0] for row in rows if len(members(row)) == 1]
    code, out, err = run("merge", "split", pair[0])
    assert code == 0 and "now stands alone" in out, err
    after = [members(row) for row in exported(run)]
    assert [pair[0]] in after and [pair[1]] in after
    code, out, err = run("merge", "join", alone[0], alone[1])
    assert code == 0 and "are now in merged record" in out, err
    assert sorted(alone[:2]) in [sorted(group) for group in (members(r) for r in exported(run))]
    code, out, err = run("merge", "explain", alone[0])
    assert code == 0, err
    assert "Members" in out and "Match keys" in out and "join" in out
    assert alone[0] in out and alone[1] in out and "correction" in out


def test_explain_names_where_a_vanished_merged_record_went(run: Run) -> None:
    run("harvest")
    rows = exported(run)
    single = next(row for row in rows if len(members(row)) == 1)
    double = next(row for row in rows if len(members(row)) == 2)
    code, _, err = run("merge", "join", members(single)[0], members(double)[0])
    assert code == 0, err
    code, out, _ = run("merge", "explain", str(single["id"]))
    assert code == 0 and "no longer exists" in out and str(double["id"]) in out
    code, out, _ = run("merge", "explain", str(double["id"]))
    assert code == 0 and members(single)[0] in out and "join" in out


def test_mistyped_records_and_ids_are_named(run: Run, sandbox: SandboxServer) -> None:
    run("harvest")
    library_id = sandbox.network.libraries[0].id
    code, _, err = run("merge", "split", "nowhere:1")
    assert code == 2 and "no library 'nowhere'" in err
    code, _, err = run("merge", "split", f"{library_id}:no-such-record")
    assert code == 1 and f"no record {library_id}:no-such-record" in err
    code, _, err = run("merge", "join", "just-an-id", f"{library_id}:1")
    assert code == 2 and "LIBRARY:ID" in err
    code, _, err = run("merge", "explain", "m000000000000")
    assert code == 1 and "no merged record m000000000000" in err
    dead = next(r for r in sandbox.network.records(library_id) if r.deleted)
    code, _, err = run("merge", "explain", f"{library_id}:{dead.local_id}")
    assert code == 1 and "in no merged record" in err


def test_a_merge_failure_after_harvest_exits_1_and_keeps_the_harvest(
        run: Run, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("record store at sqlite://: merging records: disk I/O error")

    monkeypatch.setattr("services.cli.merge.merge", broken)
    code, out, err = run("harvest")
    assert code == 1 and "merge failed" in err and "disk I/O error" in err
    assert "Harvest summary" in out
    code, out, _ = run("status", "--json")
    assert all(row["last_error"] is None and row["records"]
               for row in json.loads(out)["libraries"])


def test_merge_settings_are_checked_when_the_file_is_read(run: Run,
                                                          network_file: Path) -> None:
    document = tomlkit.parse(network_file.read_text())
    document["merge"] = {"library_priority": ["mediatheque-fm", "nowhere"]}
    network_file.write_text(tomlkit.dumps(document))
    code, _, err = run("merge", "run")
    assert code == 2 and "library_priority" in err and "nowhere" in err
