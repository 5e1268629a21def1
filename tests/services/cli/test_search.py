"""``index`` and ``search`` from the command line, after a real harvest of the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from catalogue_sync.store import Store
from catalogue_sync.store.oai import sets_behind
from services.sandbox.testing import SandboxServer

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def page_size() -> int:
    return 100


@pytest.fixture
def run(cli: Run, network_file: Path) -> Run:
    """``catalogue-sync --config network.toml ARGS``."""
    return lambda *args: cli("--config", str(network_file), *args)


@pytest.fixture
def harvested(run: Run, sandbox: SandboxServer) -> str:
    """The harvest's output: it merged, then indexed."""
    code, out, err = run("harvest")
    assert code == 0, err
    return out


def found(run: Run, *args: str) -> dict[str, Any]:
    code, out, err = run("search", *args, "--json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_a_harvest_indexes_what_it_merged(run: Run, harvested: str) -> None:
    assert "Index summary" in harvested and "first" in harvested
    code, out, _ = run("export", "clusters", "--json")
    merged = len(out.splitlines())
    everything = found(run, "")
    assert everything["total"] == merged > 50 and len(everything["hits"]) == 20
    assert {"library", "format", "language", "year"} == set(everything["facets"])
    code, out, _ = run("search", "histoire")
    assert code == 0 and "records" in out and "page 1 of" in out and "format:" in out


def isbn10(isbn: str) -> str:
    """The ISBN-10 of a 978 ISBN-13, computed here rather than by the code under test."""
    body = isbn[3:12]
    check = (11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def test_an_isbn_typed_three_ways_finds_the_same_records(run: Run, harvested: str) -> None:
    hit = next(hit for hit in found(run, "", "--page", "2")["hits"]
               if hit["record"]["isbns"] and hit["record"]["isbns"][0].startswith("978"))
    isbn = hit["record"]["isbns"][0]
    hyphenated = f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12]}"
    for typed in (isbn, hyphenated, isbn10(isbn)):
        assert hit["id"] in [found_hit["id"] for found_hit in found(run, typed)["hits"]], typed


def test_filters_and_pages(run: Run, harvested: str, sandbox: SandboxServer) -> None:
    library = sandbox.network.libraries[0].id
    books = found(run, "", "--library", library, "--format", "book", "--available")
    assert books["total"] > 0
    for hit in books["hits"]:
        assert hit["record"]["format"] == "book"
        assert any(h["library"] == library and any(i["status"] == "available" for i in h["items"])
                   for h in hit["record"]["holdings"])
    first, second = found(run, "", "--page", "1"), found(run, "", "--page", "2")
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    years = [h["record"]["year"] for h in found(run, "", "--sort", "year")["hits"]]
    assert years == sorted(years, reverse=True)


def test_wrong_options_and_pages_out_of_range_are_explained(run: Run, harvested: str) -> None:
    code, _, err = run("search", "x", "--library", "nowhere")
    assert code == 2 and "no library or vendor package 'nowhere'" in err
    code, _, err = run("search", "x", "--format", "scroll")
    assert code == 2 and "book" in err
    code, _, err = run("search", "x", "--sort", "random")
    assert code == 2 and "relevance" in err
    code, _, err = run("search", "", "--page", "600")
    assert code == 1 and "offset" in err
    code, _, err = run("search", "mot " * 400)
    assert code == 1 and "characters" in err


def test_index_updates_and_rebuilds(run: Run, harvested: str) -> None:
    code, out, err = run("index")
    assert code == 0 and "incremental" in out, err
    code, out, err = run("index", "--rebuild")
    assert code == 0 and "rebuild" in out, err
    code, out, err = run("merge", "run")
    assert code == 0 and "Merge summary" in out and "Index summary" in out, err
    assert found(run, "")["total"] > 50


def test_searching_before_any_index_says_what_to_run(run: Run) -> None:
    code, _, err = run("search", "histoire")
    assert code == 1 and "catalogue-sync index" in err


def test_a_correction_reaches_the_index_and_the_oai_sets_at_once(
        run: Run, harvested: str, store_url: str) -> None:
    code, out, _ = run("export", "clusters", "--json")
    shared = next(row for row in map(json.loads, out.splitlines()) if len(row["members"]) > 1)
    member = shared["members"][-1]
    code, out, err = run("merge", "split", f"{member['library']}:{member['record']}")
    assert code == 0, err
    alone = next(row for row in map(json.loads, run("export", "clusters", "--json")[1]
                                    .splitlines())
                 if row["members"] == [member])
    assert [hit["id"] for hit in found(run, alone["id"])["hits"]] == [alone["id"]]
    store = Store(store_url)
    try:
        with store.transaction("reading the OAI-PMH sets") as connection:
            assert not sets_behind(connection)
    finally:
        store.close()
