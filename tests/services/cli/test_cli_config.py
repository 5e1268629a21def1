"""The command line as a sysadmin types it: declaring libraries, and every mistake explained."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from catalogue_sync.config import load_network
from catalogue_sync.marc.normalize import normalizer_version
from catalogue_sync.merge import keys, rules

Run = Callable[..., tuple[int, str, str]]

ADD = ["library", "add", "poitiers-fm", "--name", "Médiathèque François-Mitterrand",
       "--connector", "oai-pmh", "--url", "https://ils.example.org/oai",
       "--metadata-prefix", "marcxml", "--flavour", "unimarc"]


def test_init_writes_a_commented_network_file(cli: Run, tmp_path: Path) -> None:
    code, out, _ = cli("init", "--name", "Réseau de Poitiers")
    assert code == 0 and "network.toml" in out
    text = (tmp_path / "network.toml").read_text()
    assert "# One table per member library" in text
    assert load_network(tmp_path / "network.toml").network.name == "Réseau de Poitiers"


def test_init_refuses_to_overwrite(cli: Run) -> None:
    cli("init")
    code, _, err = cli("init")
    assert code == 2 and "already exists" in err


def test_library_add_then_list(cli: Run, tmp_path: Path) -> None:
    cli("init")
    code, out, _ = cli(*ADD, "--set", "ALL", "--kind", "intercommunal")
    assert code == 0 and "library check poitiers-fm" in out
    library = load_network(tmp_path / "network.toml").library("poitiers-fm")
    assert library.connector.options == {"url": "https://ils.example.org/oai",
                                         "metadata_prefix": "marcxml", "set": "ALL"}
    assert library.item_mapping.tag == "995"
    code, out, _ = cli("library", "list")
    assert code == 0 and "poitiers-fm" in out and "intercommunal" in out
    assert "# One table per member library" in (tmp_path / "network.toml").read_text()


def test_library_add_refuses_a_duplicate_and_a_bad_id(cli: Run) -> None:
    cli("init")
    cli(*ADD)
    code, _, err = cli(*ADD)
    assert code == 2 and "already exists" in err
    code, _, err = cli("library", "add", "Poitiers FM", *ADD[3:])
    assert code == 2 and "libraries.Poitiers FM.id" not in err and "lower-case" in err


def test_a_missing_network_file_says_what_to_do(cli: Run) -> None:
    code, _, err = cli("status")
    assert code == 2 and "catalogue-sync init" in err


def test_config_option_and_environment_select_the_file(
        cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere" / "reseau.toml"
    code, _, _ = cli("--config", str(other), "init")
    assert code == 0 and other.exists()
    monkeypatch.setenv("CATALOGUE_SYNC_CONFIG", str(other))
    code, out, _ = cli("status", "--json")
    assert code == 0 and json.loads(out)["libraries"] == []


def test_errors_name_the_file_library_and_field(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "network.toml").write_text(
        '[libraries.bdp]\nname = "Médiathèque départementale"\nflavour = "marc22"\n'
        '[libraries.bdp.connector]\ntype = "oai-pmh"\nurl = "https://x/oai"\n')
    code, _, err = cli("status")
    assert code == 2
    assert "network.toml: libraries.bdp.flavour" in err and "marc21" in err


def test_connector_option_typos_are_caught_at_load(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "network.toml").write_text(
        '[libraries.bdp]\nname = "BDP"\nflavour = "marc21"\n'
        '[libraries.bdp.connector]\ntype = "oai-pmh"\nurl = "https://x/oai"\n'
        'metadata_prefx = "marcxml"\n')
    code, _, err = cli("status")
    assert code == 2 and "libraries.bdp.connector.metadata_prefx" in err


def test_an_unknown_connector_lists_the_known_ones(cli: Run) -> None:
    cli("init")
    code, _, err = cli("library", "add", "ludo", "--name", "Ludothèque", "--connector", "orphee",
                       "--flavour", "unimarc", "--url", "https://x")
    assert code == 2 and "unknown connector 'orphee'" in err and "oai-pmh" in err
    code, out, _ = cli("library", "list")
    assert "ludo" not in out  # nothing written


def test_status_lists_never_harvested_libraries(cli: Run) -> None:
    cli("init")
    cli(*ADD)
    code, out, _ = cli("status", "--json")
    assert code == 0
    assert json.loads(out) == {"libraries": [{
        "id": "poitiers-fm", "name": "Médiathèque François-Mitterrand", "records": 0,
        "deleted": 0, "quarantined": 0, "last_harvest": None, "last_error": None,
        "stale": 0, "stale_settings": 0, "unreadable": 0}],
        "code": {"normalizer": normalizer_version(), "keys": keys.KEYS_VERSION,
                 "rules": rules.RULES_VERSION}, "behind": []}
    code, out, _ = cli("status")
    assert code == 0 and "never" in out


def test_harvest_of_an_unknown_library_names_the_known_ones(cli: Run) -> None:
    cli("init")
    cli(*ADD)
    code, _, err = cli("harvest", "poitiers")
    assert code == 2 and "no library 'poitiers'" in err and "poitiers-fm" in err


def test_quarantine_show_of_a_missing_entry(cli: Run) -> None:
    cli("init")
    code, _, err = cli("quarantine", "show", "42")
    assert code == 1 and "no quarantined record with id 42" in err


def test_connectors_lists_the_builtins(cli: Run) -> None:
    code, out, _ = cli("connectors")
    assert code == 0 and "oai-pmh" in out and "marc-file" in out


def test_check_of_an_unreachable_library_fails_fast_with_its_url(
        cli: Run, tmp_path: Path) -> None:
    cli("init")
    cli("library", "add", "bm", "--name", "BM", "--connector", "oai-pmh",
        "--url", "http://127.0.0.1:9/oai", "--flavour", "marc21")
    with (tmp_path / "network.toml").open("a") as network:
        network.write("backoff = 0.01\n")  # lands in [libraries.bm.connector], the last table
    code, _, err = cli("library", "check", "bm")
    assert code == 1
    assert "[bm] http://127.0.0.1:9/oai: gave up after 2 attempt(s)" in err


def test_a_dump_needs_a_path_or_a_url(cli: Run) -> None:
    cli("init")
    code, _, err = cli("library", "add", "bdp", "--name", "BDP", "--connector", "marc-file",
                       "--flavour", "marc21")
    assert code == 2
    assert "libraries.bdp.connector: give the dump's path or its url" in err
