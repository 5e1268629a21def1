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
'''
RANGE = ("--from", "2026-03-01", "--to", "2026-03-31")


def network_with_usage(tmp_path: Path, store_url: str) -> Path:
    """films opened by five sessions in March, presse by two, and an event of 2020."""
    config = tmp_path / "network.toml"
    config.write_text(NETWORK.format(url=store_url))
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
    assert code == 0 and document["Report_Items"][0]["Platform"] == "lib-a"
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
