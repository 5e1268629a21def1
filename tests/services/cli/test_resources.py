"""``resources import-kbart`` and ``resources list``, from the sandbox's lists over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx

from services.sandbox.testing import SandboxServer
from services.sandbox.vendors import offer_toml

Run = Callable[..., tuple[int, str, str]]
FIXTURES = Path(__file__).parents[2] / "fixtures" / "kbart"


@pytest.fixture
def page_size() -> int:
    return 100


@pytest.fixture
def run(cli: Run, network_file: Path) -> Run:
    """``catalogue-sync --config network.toml ARGS``, with the sandbox's vendors declared."""
    network_file.write_text(network_file.read_text() + offer_toml())
    return lambda *args: cli("--config", str(network_file), *args)


def row_of(out: str, name: str) -> list[str]:
    line = next(line for line in out.splitlines() if name in line)
    return [cell.strip() for cell in line.split("│")[1:-1]]


def test_import_from_the_sandbox_then_again_unchanged(run: Run, sandbox: SandboxServer) -> None:
    code, out, err = run("harvest")
    assert code == 0, err
    url = f"{sandbox.base_url}/kbart/lirenligne/romans.txt"
    code, out, err = run("resources", "import-kbart", "lirenligne", "romans", url)
    assert code == 0, err
    # package, titles, added, updated, deleted, unchanged, quarantined
    _, titles, added, *rest = row_of(out, "lirenligne.romans")
    assert int(titles) > 10 and added == titles and rest == ["0", "0", "0", "1"]
    assert "title_url is empty (required)" in out and "Merge summary" in out
    assert "Index summary" in out

    code, out, err = run("resources", "import-kbart", "lirenligne", "romans", url)
    assert code == 0, err
    assert row_of(out, "lirenligne.romans")[2:6] == ["0", "0", "0", titles]

    code, out, err = run("search", "--format", "e-book", "--json")
    formats = {hit["record"]["format"] for hit in json.loads(out)["hits"]}
    assert code == 0 and formats == {"e-book"}
    # A package is named like a library where commands take one.
    code, out, err = run("quarantine", "list", "--library", "lirenligne.romans")
    assert code == 0 and "title_url is empty" in out, err
    code, out, err = run("search", "--library", "lirenligne.romans", "--json")
    assert code == 0 and json.loads(out)["total"] == int(titles), err
    code, out, err = run("quarantine", "list", "--library", "lirenligne.nothing")
    assert code != 0 and "lirenligne.romans)" in err


def test_press_from_a_file_and_the_list_of_resources(run: Run) -> None:
    code, out, err = run("resources", "import-kbart", "kiosque", "presse",
                         str(FIXTURES / "kiosque_presse.txt"))
    assert code == 0, err
    assert row_of(out, "kiosque.presse")[1:3] == ["3", "3"]
    assert "Columns not in KBART (ignored): cafeyn_category" in out
    code, out, err = run("resources", "list")
    assert code == 0, err
    assert row_of(out, "Presse en ligne")[4:] == ["whole network; every category", "presse (3)"]


@pytest.mark.parametrize(("vendor", "package", "message"), [
    ("cafeyn", "presse", "no vendor 'cafeyn' (vendors: kiosque, lirenligne, savoirs)"),
    ("kiosque", "polars", "no resource of vendor 'kiosque' names package 'polars' (its "
                          "packages: presse)"),
])
def test_an_undeclared_vendor_or_package_is_named(run: Run, vendor: str, package: str,
                                                  message: str) -> None:
    code, _, err = run("resources", "import-kbart", vendor, package, "list.txt")
    assert code == 2
    assert message in " ".join(err.split())


@pytest.mark.parametrize(("answer", "message"), [
    (httpx.Response(500), "HTTP 500 Internal Server Error; try again later"),
    (httpx.Response(404), "HTTP 404 Not Found; check the list's address"),
    (httpx.ReadTimeout("slow"), "download failed (ReadTimeout: slow)"),
])
def test_a_failed_download_stores_nothing(run: Run, answer: httpx.Response | Exception,
                                          message: str) -> None:
    url = "https://kiosque.example/kbart/presse.txt"
    with respx.mock:
        respx.get(url).mock(side_effect=[answer])
        code, _, err = run("resources", "import-kbart", "kiosque", "presse", url)
    assert code == 1
    assert message in " ".join(err.split())
    code, out, _ = run("resources", "list")
    assert "presse (0)" in out
