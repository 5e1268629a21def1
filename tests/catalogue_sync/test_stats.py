"""Usage reports: totals and distinct sessions by day and month, small cells suppressed,
CSV and COUNTER-style JSON, the double-click filter, retention."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
import redis

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.stats import purge_usage, usage_report
from catalogue_sync.stats.clicks import first_click
from catalogue_sync.stats.export import to_counter_json, to_csv
from catalogue_sync.stats.retention import cutoff
from catalogue_sync.store import Store
from catalogue_sync.store.vendors import add_usage
from tests.conftest import REDIS_URL

MARCH = date(2026, 3, 1), date(2026, 3, 31)


def add(store: Store, hour: datetime, resource: str, sessions: list[str],
        library: str = "lib-a", category: str = "adult") -> None:
    """One usage event per session in the list (a session twice opens twice)."""
    with store.transaction("adding usage events", writes=True) as connection:
        for session in sessions:
            add_usage(connection, hour=hour, resource=resource, library=library,
                      category=category, session_hash=session)


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_totals_count_events_and_uniques_count_sessions_per_day(store: Store) -> None:
    # s1 opens films three times in two hours of one day: three requests, one session.
    add(store, at(2, 9), "films", ["s1", "s1", "s2", "s3", "s4", "s5"])
    add(store, at(2, 11), "films", ["s1"])
    add(store, at(3), "films", ["s1", "s2", "s3", "s4", "s5"])
    report = usage_report(store, by="resource", period="day", start=MARCH[0], end=MARCH[1])
    assert [(r.period, r.key, r.total, r.unique) for r in report.rows] == [
        ("2026-03-02", "films", 7, 5), ("2026-03-03", "films", 5, 5)]
    month = usage_report(store, by="resource", period="month", start=MARCH[0], end=MARCH[1])
    assert [(r.period, r.total, r.unique) for r in month.rows] == [("2026-03", 12, 5)]


def test_a_cell_of_four_sessions_is_suppressed_and_five_shown(store: Store) -> None:
    add(store, at(2), "films", ["a", "b", "c", "d", "e"])
    add(store, at(2), "presse", ["a", "b", "c", "d", "d", "d"])
    report = usage_report(store, by="resource", period="month", start=MARCH[0], end=MARCH[1])
    films, presse = report.rows
    assert (films.total, films.unique, films.suppressed) == (5, 5, False)
    assert (presse.total, presse.unique, presse.suppressed) == (None, None, True)
    assert report.shown_total() == 5  # never 11: the hidden 6 would follow by subtraction
    lowered = usage_report(store, start=MARCH[0], end=MARCH[1], threshold=4)
    assert [r.total for r in lowered.rows] == [5, 6]


def test_reports_by_library_and_category_and_within_the_dates(store: Store) -> None:
    add(store, at(31, 23), "films", list("abcde"), library="lib-b", category="child")
    add(store, at(1, 0, month=4), "films", list("abcdefg"), library="lib-b", category="child")
    by_library = usage_report(store, by="library", start=MARCH[0], end=MARCH[1])
    assert [(r.key, r.total) for r in by_library.rows] == [("lib-b", 5)]
    by_category = usage_report(store, by="category", period="month",
                               start=MARCH[0], end=date(2026, 4, 30))
    assert [(r.period, r.key, r.total) for r in by_category.rows] == [
        ("2026-03", "child", 5), ("2026-04", "child", 7)]


@pytest.mark.parametrize(("options", "message"), [
    ({"by": "vendor"}, "not 'vendor'"),
    ({"period": "week"}, "day, month or total, not 'week'"),
    ({"by": "commune"}, "by commune needs the network file"),
    ({"end": date(9999, 12, 31)}, "dates are from 1970 to 9998"),
    ({"threshold": 0}, "at least 1 session"),
    ({"start": date(2026, 4, 1)}, "ends (2026-03-31) before it starts (2026-04-01)"),
])
def test_a_wrong_option_is_named(store: Store, options: dict[str, object],
                                 message: str) -> None:
    arguments: dict[str, object] = {"start": MARCH[0], "end": MARCH[1], **options}
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        usage_report(store, **arguments)  # type: ignore[arg-type]


def test_csv_has_a_header_and_suppressed_cells_without_numbers(store: Store) -> None:
    add(store, at(2), "films", list("abcde"))
    add(store, at(2), "presse", list("ab"))
    report = usage_report(store, start=MARCH[0], end=MARCH[1])
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert rows == [["period", "resource", "total_requests", "unique_sessions", "suppressed"],
                    ["2026-03", "films", "5", "5", ""],
                    ["2026-03", "presse", "", "", "yes"]]


def test_counter_json_has_the_header_and_metrics_and_no_hidden_cell(store: Store) -> None:
    add(store, at(2), "films", [*"abcdef", "a"])
    add(store, at(2), "musique", list("ab"))
    document = to_counter_json(usage_report(store, start=MARCH[0], end=MARCH[1]))
    json.dumps(document)  # serializable as it is
    header = document["Report_Header"]
    assert header["Report_Name"] == "Database Master Report" and header["Release"] == "5"
    assert header["Report_ID"] == "DR"
    assert header["Report_Filters"] == [{"Name": "Begin_Date", "Value": "2026-03-01"},
                                        {"Name": "End_Date", "Value": "2026-03-31"}]
    assert header["Report_Attributes"] == [{"Name": "Granularity", "Value": "Month"}]
    assert (header["Exceptions"][0]["Code"], header["Exceptions"][0]["Severity"]) == (0, "Info")
    assert "1 cells" in header["Exceptions"][0]["Data"]
    (item,) = document["Report_Items"]
    assert item["Database"] == "films" and item["Data_Type"] == "Database"
    assert item["Performance"] == [
        {"Period": {"Begin_Date": "2026-03-01", "End_Date": "2026-03-31"}, "Instance": [
            {"Metric_Type": "Total_Item_Requests", "Count": 7},
            {"Metric_Type": "Unique_Item_Requests", "Count": 6}]}]
    assert "musique" not in json.dumps(document)


def test_purge_deletes_events_before_the_cutoff_only(store: Store) -> None:
    add(store, at(28, month=2), "films", list("abcde"))
    add(store, at(1, 0), "films", list("abcde"))
    assert purge_usage(store, datetime(2026, 3, 1, tzinfo=UTC)) == 5
    left = usage_report(store, start=date(2026, 2, 1), end=MARCH[1])
    assert [(r.period, r.total) for r in left.rows] == [("2026-03", 5)]


def test_thirteen_months_keep_whole_months() -> None:
    now = datetime(2026, 11, 25, 4, tzinfo=UTC)
    assert cutoff(13, now) == datetime(2025, 10, 1, tzinfo=UTC)
    assert cutoff(1, datetime(2026, 1, 5, tzinfo=UTC)) == datetime(2025, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidRequest, match="at least 1 month, not 0"):
        cutoff(0, now)


def test_a_double_click_within_the_window_counts_once(redis_prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert first_click(client, redis_prefix, "s1", "films") is True
        assert first_click(client, redis_prefix, "s1", "films") is False
        assert first_click(client, redis_prefix, "s1", "presse") is True
        assert first_click(client, redis_prefix, "s2", "films") is True
        # The window ends: the next click counts again.
        client.delete(f"{redis_prefix}:click:s1:films")
        assert first_click(client, redis_prefix, "s1", "films") is True
        assert 0 < client.ttl(f"{redis_prefix}:click:s1:films") <= 30
    finally:
        client.close()
