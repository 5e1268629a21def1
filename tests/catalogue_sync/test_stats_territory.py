"""Usage by commune, département and for the whole network; suppression in every report and
format; COUNTER R5 JSON with the network's names; the purge at the configured months; the
SUSHI arguments."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from catalogue_sync.config import NetworkConfig, StatisticsConfig, load_network
from catalogue_sync.stats import purge_expired, usage_report
from catalogue_sync.stats.export import to_counter_json, to_csv
from catalogue_sync.stats.report import Report
from catalogue_sync.stats.sushi import (
    InvalidAttribute,
    InvalidDates,
    MissingArgument,
    ReportRequest,
)
from catalogue_sync.stats.territory import OUTSIDE, UNKNOWN
from catalogue_sync.store import Store
from catalogue_sync.store.vendors import add_usage

MARCH = date(2026, 3, 1), date(2026, 3, 31)
LIBRARY = '''
[libraries.{id}]
name = "{id}"
flavour = "marc21"
{place}
[libraries.{id}.connector]
type = "marc-file"
path = "dump.mrc"
'''
PLACES = {
    "poitiers-fm": 'commune = "Poitiers"\ncode_insee = "86194"',
    "poitiers-cg": 'commune = "Poitiers"\ncode_insee = "86194"',
    "buxerolles": 'code_insee = "86041"',
    "niort": 'commune = "Niort"\ndepartement = "79"',
    "sans-lieu": "",
}
"""Two libraries in Poitiers; Buxerolles by its INSEE code only (so in 86); Niort with its
département given; one library without a place."""


def network_toml(store_url: str, threshold: int = 5, months: int = 13) -> str:
    """A network file as a librarian writes it, with places, a vendor and two resources."""
    libraries = "".join(LIBRARY.format(id=key, place=place) for key, place in PLACES.items())
    return f'''
[network]
name = "Réseau des médiathèques du Poitou"

[storage]
url = "{store_url}"

[statistics]
threshold = {threshold}
retention_months = {months}

[vendors.lirenligne]
name = "Lire en ligne"
access = "api"

[resources.films]
vendor = "lirenligne"
name = "Films en ligne"
kind = "video"
url = "https://films.example/"

[resources.presse]
vendor = "lirenligne"
name = "Presse en ligne"
kind = "press"
url = "https://presse.example/"
{libraries}'''


def load(tmp_path: Path, store: Store, **settings: int) -> NetworkConfig:
    path = tmp_path / "network.toml"
    path.write_text(network_toml(store.url, **settings), encoding="utf-8")
    return load_network(path)


def add(store: Store, library: str, sessions: str, resource: str = "films",
        hour: datetime | None = None) -> None:
    """One event per letter of ``sessions`` (a letter twice: that session opened twice)."""
    with store.transaction("adding usage events", writes=True) as connection:
        for session in sessions:
            add_usage(connection, hour=hour or datetime(2026, 3, 2, 10, tzinfo=UTC),
                      resource=resource, library=library, category="adult",
                      session_hash=f"s-{session}")


def cells(report: Report) -> list[tuple[str, int | None, int | None]]:
    return [(row.key, row.total, row.unique) for row in report.rows]


def test_a_session_in_two_libraries_of_one_commune_counts_once(tmp_path: Path,
                                                                store: Store) -> None:
    network = load(tmp_path, store)
    add(store, "poitiers-fm", "abc")
    add(store, "poitiers-cg", "cde")  # c used both libraries of Poitiers
    by_commune = usage_report(store, by="commune", start=MARCH[0], end=MARCH[1],
                              network=network)
    assert cells(by_commune) == [("Poitiers (86194)", 6, 5)]
    # Per library, each has 3 sessions: both suppressed; the commune has 5: shown.
    by_library = usage_report(store, by="library", start=MARCH[0], end=MARCH[1])
    assert all(row.suppressed for row in by_library.rows)


def test_departements_given_or_read_from_the_insee_code_and_the_unknown_keys(
        tmp_path: Path, store: Store) -> None:
    network = load(tmp_path, store, threshold=1)
    add(store, "poitiers-fm", "ab")
    add(store, "buxerolles", "bc")
    add(store, "niort", "d")
    add(store, "sans-lieu", "e")
    add(store, "ancienne", "f")  # a library since removed from network.toml
    by_departement = usage_report(store, by="departement", start=MARCH[0], end=MARCH[1],
                                  threshold=1, network=network)
    assert cells(by_departement) == [("79", 1, 1), ("86", 4, 3), (OUTSIDE, 1, 1),
                                     (UNKNOWN, 1, 1)]
    by_commune = usage_report(store, by="commune", start=MARCH[0], end=MARCH[1],
                              threshold=1, network=network)
    assert [key for key, _, _ in cells(by_commune)] == [
        "86041", "Niort", "Poitiers (86194)", OUTSIDE, UNKNOWN]


def test_every_territory_cell_under_the_threshold_is_suppressed(tmp_path: Path,
                                                                  store: Store) -> None:
    network = load(tmp_path, store)
    add(store, "poitiers-fm", "abcde")
    add(store, "niort", "abcd")
    report = usage_report(store, by="departement", start=MARCH[0], end=MARCH[1],
                          network=network)
    assert cells(report) == [("79", None, None), ("86", 5, 5)]
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert rows[1:] == [["2026-03", "79", "", "", "yes"], ["2026-03", "86", "5", "5", ""]]
    document = to_counter_json(report, network)
    (item,) = document["Report_Items"]
    assert item["Departement"] == "86" and item["Platform"] == network.network.name
    assert '"79"' not in json.dumps(document)


def test_the_network_total_counts_distinct_sessions_over_every_library(
        tmp_path: Path, store: Store) -> None:
    network = load(tmp_path, store)
    add(store, "poitiers-fm", "abc", resource="films")
    add(store, "niort", "cd", resource="presse")
    add(store, "sans-lieu", "aae", resource="films")
    report = usage_report(store, by="network", start=MARCH[0], end=MARCH[1], network=network)
    assert cells(report) == [("network", 8, 5)]
    # Each resource alone has under 5 sessions: the network's is the only cell shown.
    per_resource = usage_report(store, by="resource", start=MARCH[0], end=MARCH[1])
    assert [(row.key, row.suppressed) for row in per_resource.rows] == [
        ("films", True), ("presse", True)]


def test_totals_count_sessions_over_the_whole_range(store: Store) -> None:
    add(store, "niort", "abc", hour=datetime(2026, 1, 5, tzinfo=UTC))
    add(store, "niort", "abcde", hour=datetime(2026, 2, 5, tzinfo=UTC))
    report = usage_report(store, by="library", period="total", start=date(2026, 1, 1),
                          end=date(2026, 2, 28))
    assert [(r.period, r.key, r.total, r.unique) for r in report.rows] == [
        ("2026-01-01/2026-02-28", "niort", 8, 5)]
    performance = to_counter_json(report)["Report_Items"][0]["Performance"]
    assert performance[0]["Period"] == {"Begin_Date": "2026-01-01", "End_Date": "2026-02-28"}
    month = usage_report(store, by="library", start=date(2026, 1, 1), end=date(2026, 2, 28))
    assert [row.suppressed for row in month.rows] == [True, False]


def test_counter_json_names_the_resource_its_vendor_and_the_institution(
        tmp_path: Path, store: Store) -> None:
    network = load(tmp_path, store)
    add(store, "niort", "abcde", hour=datetime(2026, 3, 20, tzinfo=UTC))
    report = usage_report(store, by="resource", start=date(2026, 3, 15), end=MARCH[1])
    document = to_counter_json(report, network)
    header = document["Report_Header"]
    assert header["Institution_Name"] == "Réseau des médiathèques du Poitou"
    assert set(header) >= {"Created", "Created_By", "Report_ID", "Release", "Report_Name",
                           "Report_Filters", "Report_Attributes", "Exceptions"}
    (item,) = document["Report_Items"]
    assert (item["Database"], item["Publisher"]) == ("Films en ligne", "Lire en ligne")
    assert item["Item_ID"] == [{"Type": "Proprietary", "Value": "catalogue-sync:films"}]
    # A month cut by the range is given as the days the range covers.
    assert item["Performance"][0]["Period"] == {"Begin_Date": "2026-03-15",
                                                "End_Date": "2026-03-31"}


def test_a_report_without_usage_says_so_as_counter_does(store: Store) -> None:
    document = to_counter_json(usage_report(store, start=MARCH[0], end=MARCH[1]))
    assert document["Report_Items"] == []
    (empty,) = document["Report_Header"]["Exceptions"]
    assert (empty["Code"], empty["Message"]) == (3030, "No Usage Available for Requested Dates")


def test_purge_expired_keeps_the_configured_whole_months(store: Store) -> None:
    add(store, "niort", "ab", hour=datetime(2025, 12, 31, 23, tzinfo=UTC))
    add(store, "niort", "cde", hour=datetime(2026, 1, 1, tzinfo=UTC))
    now = datetime(2026, 3, 10, tzinfo=UTC)
    assert purge_expired(store, StatisticsConfig(retention_months=2), now) == 2
    assert purge_expired(store, StatisticsConfig(retention_months=2), now) == 0
    left = usage_report(store, by="library", period="total", start=date(2025, 1, 1),
                        end=MARCH[1], threshold=1)
    assert cells(left) == [("niort", 3, 3)]
    assert StatisticsConfig().retention_months == 13


@pytest.mark.parametrize(("begin", "end", "expected"), [
    ("2026-01", "2026-03", (date(2026, 1, 1), date(2026, 3, 31))),
    ("2026-01-15", "2026-02-03", (date(2026, 1, 1), date(2026, 2, 28))),
    ("2024-02", "2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
])
def test_sushi_dates_are_whole_months(begin: str, end: str,
                                      expected: tuple[date, date]) -> None:
    asked = ReportRequest.parse("pr", begin, end, None)
    assert (asked.begin, asked.end, asked.period) == (*expected, "month")
    assert ReportRequest.parse("dr", begin, end, "Totals").period == "total"


@pytest.mark.parametrize(("begin", "end", "granularity", "error"), [
    (None, "2026-03", None, MissingArgument),
    ("2026-13", "2026-03", None, InvalidDates),
    ("2026-02-30", "2026-03", None, InvalidDates),
    ("2026-03", "2026-01", None, InvalidDates),
    ("0000-01", "2026-01", None, InvalidDates),
    ("2026-01' OR 1=1 --", "2026-01", None, InvalidDates),
    ("２０２６-01", "2026-01", None, InvalidDates),  # full-width digits are not digits here
    ("2026-01", "2026-03", "Week", InvalidAttribute),
])
def test_sushi_arguments_are_refused_with_their_reason(
        begin: str | None, end: str, granularity: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        ReportRequest.parse("pr", begin, end, granularity)


def test_sushi_names_parameters_it_ignores() -> None:
    asked = ReportRequest.parse("pr", "2026-01", "2026-01", None,
                                ["begin_date", "end_date", "customer_id", "metric_type"])
    assert asked.unrecognized == ("metric_type",)
