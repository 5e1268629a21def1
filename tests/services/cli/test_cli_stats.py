"""``catalogue-sync stats``: a usage table, CSV and JSON on stdout, the purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from catalogue_sync.config import load_network
from catalogue_sync.store import Store
from catalogue_sync.store.vendors import add_usage
from tests.services.cli.conftest import Run

NETWORK = '''
[storage]
url = "{url}"
{more}
'''
LIB_A = '''
[libraries.lib-a]
name = "Médiathèque A"
flavour = "marc21"
commune = "Poitiers"
code_insee = "86194"
[libraries.lib-a.connector]
type = "marc-file"
path = "dump.mrc"
'''
RANGE = ("--from", "2026-03-01", "--to", "2026-03-31")


def network_with_usage(tmp_path: Path, store_url: str, more: str = "") -> Path:
    """films opened by five sessions in March, presse by two, and an event of 2020."""
    config = tmp_path / "network.toml"
    config.write_text(NETWORK.format(url=store_url, more=more))
    store = Store(load_network(config).database_url())
    store.create_schema()
    events = [("films", s, datetime(2026, 3, 2, 10, tzinfo=UTC)) for s in "abcde"]
    events += [("presse", s, datetime(2026, 3, 2, 10, tzinfo=UTC)) for s in "ab"]
    events += [("films", "z", datetime(2020, 1, 1, tzinfo=UTC))]
    with store.transaction("adding usage", writes=True) as connection:
        for resource, session, hour in events:
            add_usage(connection, hour=hour, resource=resource, library="lib-a",
                      category="adult", session_hash=session)
    store.close()
    return config


def test_usage_prints_a_table_with_small_cells_suppressed(cli: Run, tmp_path: Path,
                                                          store_url: str) -> None:
    config = network_with_usage(tmp_path, store_url)
    code, out, err = cli("--config", str(config), "stats", "usage", *RANGE)
    assert code == 0, err
    films = next(line for line in out.splitlines() if "films" in line)
    presse = next(line for line in out.splitlines() if "presse" in line)
    assert "2026-03" in films and "5" in films
    assert "suppressed" in presse and "2" not in presse.replace("2026-03", "")
    assert "5 requests in shown cells" in " ".join(out.split())


def test_usage_as_csv_and_json(cli: Run, tmp_path: Path, store_url: str) -> None:
    config = network_with_usage(tmp_path, store_url)
    code, out, _ = cli("--config", str(config), "stats", "usage", *RANGE, "--period", "day",
                       "--csv")
    assert code == 0 and out.splitlines() == [
        "period,resource,total_requests,unique_sessions,suppressed",
        "2026-03-02,films,5,5,", "2026-03-02,presse,,,yes"]
    code, out, _ = cli("--config", str(config), "stats", "usage", *RANGE, "--by", "library",
                       "--json")
    document = json.loads(out)
    assert code == 0 and document["Report_Items"][0]["Library"] == "lib-a"
    assert document["Report_Header"]["Report_ID"] == "PR"
    code, _, err = cli("--config", str(config), "stats", "usage", "--csv", "--json")
    assert code == 2 and "not both" in err
    code, _, err = cli("--config", str(config), "stats", "usage", "--by", "vendor")
    assert code == 2 and "vendor" in err


def test_purge_deletes_events_older_than_the_months_kept(cli: Run, tmp_path: Path,
                                                         store_url: str) -> None:
    config = network_with_usage(tmp_path, store_url)
    code, out, _ = cli("--config", str(config), "stats", "purge", "--months", "13")
    assert code == 0 and "Deleted 1 usage events" in out
    code, out, _ = cli("--config", str(config), "stats", "usage", "--from", "2020-01-01",
                       "--to", "2026-03-31", "--csv")
    assert "2020" not in out and "films" in out


def test_usage_by_commune_and_the_network_s_threshold(cli: Run, tmp_path: Path,
                                                      store_url: str) -> None:
    config = network_with_usage(tmp_path, store_url, "[statistics]\nthreshold = 2\n" + LIB_A)
    code, out, err = cli("--config", str(config), "stats", "usage", *RANGE, "--by", "commune",
                         "--csv")
    assert code == 0, err
    assert out.splitlines()[1:] == ["2026-03,Poitiers (86194),7,5,"]
    # The threshold is the network's (2): presse's two sessions are shown.
    code, out, _ = cli("--config", str(config), "stats", "usage", *RANGE, "--csv")
    assert "2026-03,presse,2,2," in out.splitlines()
    code, out, _ = cli("--config", str(config), "stats", "usage", *RANGE, "--csv",
                       "--threshold", "6")
    assert code == 0 and "2026-03,films,,,yes" in out.splitlines()
    code, _, err = cli("--config", str(config), "stats", "usage", *RANGE, "--threshold", "1")
    assert code == 2 and "below the network's threshold" in " ".join(err.split())


def test_purge_keeps_the_network_s_retention_months(cli: Run, tmp_path: Path,
                                                    store_url: str) -> None:
    config = network_with_usage(tmp_path, store_url, "[statistics]\nretention_months = 120\n")
    code, out, _ = cli("--config", str(config), "stats", "purge")
    assert code == 0 and "Deleted 0 usage events" in out  # 2020 is within ten years
    config.write_text(NETWORK.format(url=store_url, more=""))
    code, out, _ = cli("--config", str(config), "stats", "purge")
    assert code == 0 and "Deleted 1 usage events" in out  # 13 months by default
