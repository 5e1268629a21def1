"""The sandbox serves any number of libraries: the five defaults, then copies under new ids."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import load_network
from services.sandbox import SandboxNetwork, default_libraries
from services.sandbox.__main__ import main
from services.sandbox.libraries import network_libraries
from services.sandbox.testing import run_sandbox


def test_five_libraries_are_the_default_network() -> None:
    assert network_libraries() == default_libraries()
    assert [lib.id for lib in network_libraries(2)] == ["mediatheque-fm", "reseau-agglo"]


def test_twenty_libraries_are_four_rounds_of_the_five_under_distinct_ids_and_names() -> None:
    libraries = network_libraries(20)
    assert len({lib.id for lib in libraries}) == len({lib.name for lib in libraries}) == 20
    assert [lib.id for lib in libraries[5:7]] == ["mediatheque-fm-2", "reseau-agglo-2"]
    assert libraries[19].id == "centre-doc-4"
    assert libraries[5].name == "Médiathèque François-Mitterrand (2)"
    template, copy = libraries[1], libraries[16]
    assert (copy.flavour, copy.holdings, copy.style) == (
        template.flavour, template.holdings, template.style)


def test_a_network_of_twenty_libraries_holds_exactly_the_records_asked_for() -> None:
    network = SandboxNetwork(total_records=10_000, libraries=network_libraries(20))
    counts = {library: cat.count for library, cat in network.catalogues.items()}
    assert len(counts) == 20 and sum(counts.values()) == 10_000
    assert counts["mediatheque-fm-3"] == counts["mediatheque-fm"]  # same share each round


def test_a_copied_library_serves_its_own_records_over_oai_pmh() -> None:
    network = SandboxNetwork(seed=4, total_records=300, libraries=network_libraries(7))
    with run_sandbox(network, sip2=False) as sandbox:
        page = httpx.get(sandbox.oai_url("reseau-agglo-2"),
                         params={"verb": "ListIdentifiers", "metadataPrefix": "marcxml"})
    assert page.status_code == 200
    assert "oai:reseau-agglo-2.sandbox.test:" in page.text


def test_the_command_line_writes_a_network_of_twelve_libraries(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    assert main(["--write-config", str(path), "--libraries", "12", "--records", "600"]) == 0
    loaded = load_network(path)
    assert len(loaded.libraries) == 12
    assert loaded.library("departementale-2").name == "Médiathèque départementale (2)"


def test_the_command_line_refuses_a_network_without_libraries() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--libraries", "0", "--write-config", "unused.toml"])
    assert stopped.value.code == 2
