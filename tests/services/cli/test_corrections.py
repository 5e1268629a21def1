"""A librarian lists the corrections in force and takes one back, from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def page_size() -> int:
    return 50


@pytest.fixture
def run(cli: Run, network_file: Path) -> Run:
    """``catalogue-sync --config network.toml ARGS``, after a harvest (which merges)."""
    code, _, err = cli("--config", str(network_file), "harvest")
    assert code == 0, err
    return lambda *args: cli("--config", str(network_file), *args)


def groups(run: Run) -> list[list[str]]:
    """Every merged record's members, as LIBRARY:ID."""
    code, out, err = run("export", "clusters", "--json")
    assert code == 0, err
    return [sorted(f"{m['library']}:{m['record']}" for m in json.loads(line)["members"])
            for line in out.splitlines()]


def listed(run: Run, *args: str) -> list[dict[str, Any]]:
    code, out, err = run("merge", "corrections", "--json", *args)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def group_of(run: Run, record: str) -> list[str]:
    return next(group for group in groups(run) if record in group)


def test_the_corrections_are_listed_as_a_table_as_json_and_by_record(run: Run) -> None:
    code, out, _ = run("merge", "corrections")
    assert code == 0 and "No corrections in force" in out and "merge split" in out
    assert listed(run) == []
    pair = next(group for group in groups(run) if len(group) == 2)
    alone = [group[0] for group in groups(run) if len(group) == 1]
    run("merge", "split", pair[0])
    run("merge", "join", alone[0], alone[1])
    split_row, join_row = listed(run)
    assert split_row["kind"] == "split" and join_row["kind"] == "join"
    assert [f"{r['library']}:{r['record']}" for r in join_row["records"]] == alone[:2]
    joined_in = {r["merged"] for r in join_row["records"]}
    assert len(joined_in) == 1 and all(r["member_count"] == 2 for r in join_row["records"])
    assert split_row["records"][0]["member_count"] == 1 and split_row["created_at"]
    code, out, err = run("merge", "corrections")
    assert code == 0, err
    assert "Corrections in force" in out and "merge undo" in out
    for text in (pair[0], alone[0], alone[1], joined_in.pop(), "split", "join"):
        assert text in out
    assert listed(run, "--record", alone[1]) == [join_row]
    code, out, _ = run("merge", "corrections", "--record", pair[1])
    assert code == 0 and f"No correction names {pair[1]}" in out


def test_undoing_a_split_merges_the_record_back_for_good(run: Run) -> None:
    pair = next(group for group in groups(run) if len(group) == 2)
    run("merge", "split", pair[0])
    assert [pair[0]] in groups(run)
    (correction,) = listed(run)
    code, out, err = run("merge", "undo", str(correction["id"]))
    assert code == 0, err
    assert f"Correction {correction['id']} undone" in out and pair[0] in out
    assert "is now in merged record" in out and "(2 records)" in out
    assert group_of(run, pair[0]) == pair and listed(run) == []
    code, _, err = run("merge", "run", "--full")
    assert code == 0, err
    assert group_of(run, pair[0]) == pair


def test_undoing_a_join_takes_the_records_apart_for_good(run: Run) -> None:
    alone = [group[0] for group in groups(run) if len(group) == 1]
    run("merge", "join", alone[0], alone[1])
    assert group_of(run, alone[0]) == sorted(alone[:2])
    (correction,) = listed(run)
    code, out, err = run("merge", "undo", str(correction["id"]))
    assert code == 0, err
    assert f"the join of {alone[0]} and {alone[1]}" in out and out.count("(1 record)") == 2
    assert [alone[0]] in groups(run) and [alone[1]] in groups(run)
    code, _, err = run("merge", "run", "--full")
    assert code == 0, err
    assert [alone[0]] in groups(run) and [alone[1]] in groups(run)


def test_an_unknown_correction_is_named_with_where_to_look(run: Run) -> None:
    code, out, err = run("merge", "undo", "4242")
    assert code == 1 and out == ""
    assert "no correction 4242" in err and "merge corrections" in err
    code, _, err = run("merge", "undo", "four")
    assert code == 2 and "CORRECTION_ID" in err
