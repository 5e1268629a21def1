"""Schedules of network.toml: intervals aligned on midnight UTC, cron lines, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalogue_sync.config import LibraryConfig, NetworkConfig, load_network
from catalogue_sync.errors import ConfigError
from catalogue_sync.schedule import parse_schedule

NOW = datetime(2026, 11, 25, 5, 40, 12, tzinfo=UTC)


@pytest.mark.parametrize(("text", "previous", "following"), [
    ("every 6h", datetime(2026, 11, 25, 0, 0), datetime(2026, 11, 25, 6, 0)),
    ("every 30m", datetime(2026, 11, 25, 5, 30), datetime(2026, 11, 25, 6, 0)),
    ("every 1d", datetime(2026, 11, 25, 0, 0), datetime(2026, 11, 26, 0, 0)),
    ("0 3 * * *", datetime(2026, 11, 25, 3, 0), datetime(2026, 11, 26, 3, 0)),
    ("*/15 * * * *", datetime(2026, 11, 25, 5, 30), datetime(2026, 11, 25, 5, 45)),
    ("0 2 * * 0", datetime(2026, 11, 22, 2, 0), datetime(2026, 11, 29, 2, 0)),
])
def test_a_schedule_gives_the_slot_before_and_after_now(text: str, previous: datetime,
                                                        following: datetime) -> None:
    schedule = parse_schedule(text)
    assert schedule.previous(NOW) == previous.replace(tzinfo=UTC)
    assert schedule.next(NOW) == following.replace(tzinfo=UTC)


def test_a_slot_is_its_own_previous_slot() -> None:
    slot = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert parse_schedule("0 3 * * *").previous(slot) == slot
    assert parse_schedule("every 1h").previous(slot) == slot


@pytest.mark.parametrize(("text", "message"), [
    ("every 0m", "between 1 minute and 31 days"),
    ("every 40d", "between 1 minute and 31 days"),
    ("daily", "neither an interval"),
    ("61 * * * *", "not a valid cron line"),
    ("* * * *", "neither an interval"),
])
def test_a_bad_schedule_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)


def test_network_toml_names_the_library_and_field_of_a_bad_schedule(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text('[libraries.fm]\nname = "FM"\nflavour = "unimarc"\nschedule = "daily"\n'
                    '[libraries.fm.connector]\ntype = "oai-pmh"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"libraries\.fm\.schedule: 'daily' is neither"):
        load_network(path)


def _library(**fields: str) -> LibraryConfig:
    return LibraryConfig(id="fm", name="FM", flavour="unimarc",  # type: ignore[arg-type]
                         connector={"type": "oai-pmh"}, **fields)  # type: ignore[arg-type]


def test_a_library_s_departement_is_given_or_read_from_its_insee_code() -> None:
    assert _library(code_insee="86194").territory_departement == "86"
    assert _library(code_insee="2A004").territory_departement == "2A"
    assert _library(code_insee="97411").territory_departement == "974"
    assert _library(code_insee="86194", departement="79").territory_departement == "79"
    assert _library().territory_departement is None


@pytest.mark.parametrize("fields", [{"code_insee": "8619"}, {"code_insee": "poitiers"},
                                    {"departement": "860"}, {"departement": "2C"}])
def test_a_malformed_territory_code_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="code"):
        _library(**fields)


def test_harvester_and_statistics_settings_have_safe_defaults() -> None:
    network = NetworkConfig()
    assert network.harvester.lock_seconds == 120
    assert network.statistics.threshold == 5
    assert network.statistics.retention_months == 13
    with pytest.raises(ValueError, match="purge_schedule"):
        NetworkConfig(statistics={"purge_schedule": "sometimes"})  # type: ignore[arg-type]
