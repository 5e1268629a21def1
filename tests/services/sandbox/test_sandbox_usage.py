"""The sandbox's usage history: the shape the gateway writes, the offer's rules, and cells
both above and under the suppression threshold, for the charts to show both."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

from catalogue_sync.config import NetworkConfig
from catalogue_sync.stats.report import usage_report
from catalogue_sync.store import Store
from services.sandbox.config import network_toml
from services.sandbox.generator import SandboxNetwork
from services.sandbox.usage import events, has_usage, main, write
from services.sandbox.vendors import offer_toml

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _network(store_url: str) -> NetworkConfig:
    text = network_toml("http://127.0.0.1:1", SandboxNetwork(total_records=50),
                        database=store_url) + offer_toml()
    return NetworkConfig(**tomllib.loads(text))


def test_events_follow_the_offer_and_are_the_same_for_a_seed(store_url: str) -> None:
    network = _network(store_url)
    rows = list(events(network, months=2, seed=3, now=NOW))
    assert rows == list(events(network, months=2, seed=3, now=NOW))
    assert rows != list(events(network, months=2, seed=4, now=NOW))
    assert {row["resource"] for row in rows} == set(network.resources)
    training = [row for row in rows if row["resource"] == "autoformation"]
    assert training and {row["category"] for row in training} == {"adult"}
    assert {row["library"] for row in rows} <= set(network.libraries)
    assert all(len(str(row["session_hash"])) == 64 for row in rows)


def test_a_daily_report_shows_big_cells_and_suppresses_small_ones(store: Store,
                                                                    store_url: str) -> None:
    network = _network(store_url)
    assert not has_usage(store)
    assert write(store, events(network, months=3, seed=7, now=NOW)) > 0
    assert has_usage(store)
    report = usage_report(store, by="library", period="day", start=date(2026, 9, 1),
                          end=date(2026, 11, 30), threshold=5)
    assert any(row.suppressed for row in report.rows)
    assert any(row.total is not None and row.total >= 5 for row in report.rows)


def test_the_command_writes_once_unless_forced(tmp_path: Path, store_url: str) -> None:
    config = tmp_path / "network.toml"
    config.write_text(network_toml("http://127.0.0.1:1", SandboxNetwork(total_records=50),
                                   database=store_url) + offer_toml(), encoding="utf-8")
    assert main(["--config", str(config), "--months", "1"]) == 0
    store = Store(_network(store_url).database_url())
    first = usage_report(store, by="resource", period="month", start=date(2020, 1, 1),
                         end=date(2030, 1, 1), threshold=1).shown_total()
    assert main(["--config", str(config), "--months", "1"]) == 0
    again = usage_report(store, by="resource", period="month", start=date(2020, 1, 1),
                         end=date(2030, 1, 1), threshold=1).shown_total()
    store.close()
    assert first == again > 0
