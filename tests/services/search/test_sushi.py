"""``/sushi/r5`` over real HTTP on the search app: keys, refusals as COUNTER exceptions,
hostile requests never a 500, reports whose numbers are the store's, small cells hidden."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events
from services.search.app import create_app
from services.search.context import SearchContext
from services.search.sushi import KEYS_ENV
from services.serving import serve_on_loopback
from tests.catalogue_sync.test_stats_territory import add, load

KEY = "k-7f3a9c1e5b2d8f4a6c0e"
OTHER_KEY = "k-2b8d4f6a0c1e3a5c7e9f"
MARCH = {"begin_date": "2026-03", "end_date": "2026-03"}


@pytest.fixture
def sushi_url(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[str]:
    """The search app on a store with March usage: films by 6 sessions (one of them twice,
    in two libraries), presse by 2 (under the threshold of 5); one event in February."""
    monkeypatch.setenv(KEYS_ENV, f"{OTHER_KEY}, {KEY}")
    network = load(tmp_path, store)
    add(store, "poitiers-fm", "abcc")
    add(store, "niort", "def")
    add(store, "niort", "xy", resource="presse")
    add(store, "niort", "z", hour=datetime(2026, 2, 27, tzinfo=UTC))
    app = create_app(SearchContext(network=network, store=store))
    with serve_on_loopback(app, health="/health", name="sushi") as url:
        yield f"{url}/sushi/r5"


def get(url: str, path: str, key: str | None = KEY, **params: str) -> httpx.Response:
    query = {**params, **({"api_key": key} if key is not None else {})}
    return httpx.get(f"{url}{path}", params=query)


def counts(item: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(entry["Period"]["Begin_Date"], instance["Metric_Type"], instance["Count"])
            for entry in item["Performance"] for instance in entry["Instance"]]


def test_status_is_public_and_reports_list_pr_and_dr(sushi_url: str) -> None:
    status = httpx.get(f"{sushi_url}/status")
    assert status.status_code == 200 and status.json()[0]["Service_Active"] is True
    listed = get(sushi_url, "/reports")
    assert listed.status_code == 200
    assert [(r["Report_ID"], r["Release"], r["Path"]) for r in listed.json()] == [
        ("PR", "5", "/sushi/r5/reports/pr"), ("DR", "5", "/sushi/r5/reports/dr")]


def test_the_platform_report_counts_what_the_store_holds(sushi_url: str, store: Store
                                                         ) -> None:
    answer = get(sushi_url, "/reports/pr", **MARCH)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-store"
    document = answer.json()
    header = document["Report_Header"]
    assert (header["Report_ID"], header["Release"]) == ("PR", "5")
    assert header["Report_Filters"] == [{"Name": "Begin_Date", "Value": "2026-03-01"},
                                        {"Name": "End_Date", "Value": "2026-03-31"}]
    with store.transaction("counting") as connection:
        march = usage_events.c.hour >= datetime(2026, 3, 1, tzinfo=UTC)
        total = connection.execute(sa.select(sa.func.count()).where(march)).scalar_one()
        unique = connection.execute(sa.select(
            sa.func.count(sa.distinct(usage_events.c.session_hash))).where(march)).scalar_one()
    (item,) = document["Report_Items"]
    assert counts(item) == [("2026-03-01", "Total_Item_Requests", total),
                            ("2026-03-01", "Unique_Item_Requests", unique)]
    assert (total, unique) == (9, 8)


def test_the_database_report_hides_a_resource_under_the_threshold(sushi_url: str) -> None:
    document = get(sushi_url, "/reports/dr", begin_date="2026-02-10",
                   end_date="2026-03-31", granularity="Totals").json()
    (films,) = document["Report_Items"]
    assert films["Database"] == "Films en ligne" and films["Publisher"] == "Lire en ligne"
    assert films["Performance"][0]["Period"] == {"Begin_Date": "2026-02-01",
                                                 "End_Date": "2026-03-31"}
    assert counts(films)[0][1:] == ("Total_Item_Requests", 8)
    assert "Presse en ligne" not in str(document) and ":presse" not in str(document)
    (hidden,) = document["Report_Header"]["Exceptions"]
    assert hidden["Code"] == 0 and "fewer than 5" in hidden["Data"]
    monthly = get(sushi_url, "/reports/dr", begin_date="2026-02", end_date="2026-03").json()
    assert [entry["Period"]["Begin_Date"] for entry in
            monthly["Report_Items"][0]["Performance"]] == ["2026-03-01"]  # February: 1


def test_no_usage_is_a_200_with_exception_3030(sushi_url: str) -> None:
    answer = get(sushi_url, "/reports/pr", begin_date="2020-01", end_date="2020-12")
    assert answer.status_code == 200
    assert answer.json()["Report_Items"] == []
    assert [e["Code"] for e in answer.json()["Report_Header"]["Exceptions"]] == [3030]


def test_a_bearer_token_is_a_key_too(sushi_url: str) -> None:
    answer = httpx.get(f"{sushi_url}/reports/pr", params=MARCH,
                       headers={"Authorization": f"Bearer {OTHER_KEY}"})
    assert answer.status_code == 200


@pytest.mark.parametrize(("key", "headers", "code"), [
    (None, {}, 2000),
    ("", {}, 2000),
    ("not-the-key", {}, 2020),
    (KEY[:-1], {}, 2020),
    (f"{KEY},{OTHER_KEY}", {}, 2020),
    ("clé-élégante-ünïcødé-☃", {}, 2020),
    ("x" * 5000, {}, 2020),
    (None, {"Authorization": "Basic " + KEY}, 2000),
    (None, {"Authorization": "Bearer wrong"}, 2020),
])
def test_without_a_valid_key_the_answer_is_401(sushi_url: str, key: str | None,
                                               headers: dict[str, str], code: int,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    query = {**MARCH, **({"api_key": key} if key is not None else {})}
    for path in ("/reports", "/reports/pr", "/reports/dr"):
        answer = httpx.get(f"{sushi_url}{path}", params=query, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == "Bearer"
        body = answer.json()
        assert body["Code"] == code and body["Severity"] == "Error" and body["detail"]
        assert "Report_Items" not in body
    # The server's lines (not the test client's own, which show the URL it asked).
    served = " ".join(record.getMessage() for record in caplog.records
                      if not record.name.startswith(("httpx", "httpcore")))
    assert KEY not in served and OTHER_KEY not in served


@pytest.mark.parametrize(("params", "code"), [
    ({}, 1030),
    ({"begin_date": "2026-03"}, 1030),
    ({"begin_date": "2026-04", "end_date": "2026-03"}, 3020),
    ({"begin_date": "2026-13", "end_date": "2026-12"}, 3020),
    ({"begin_date": "2026-02-30", "end_date": "2026-03"}, 3020),
    ({"begin_date": "0001-01", "end_date": "9999-12"}, 3020),
    ({"begin_date": "1 mars 2026", "end_date": "2026-03"}, 3020),
    ({"begin_date": "2026-03'; DROP TABLE usage_events; --", "end_date": "2026-03"}, 3020),
    ({"begin_date": "2026-03\x00", "end_date": "2026-03"}, 3020),
    ({"begin_date": "9" * 10_000, "end_date": "2026-03"}, 3020),
    ({**MARCH, "granularity": "Week"}, 3062),
    ({**MARCH, "granularity": "<script>alert(1)</script>"}, 3062),
])
def test_bad_arguments_are_400_with_their_counter_code(sushi_url: str, params: dict[str, str],
                                                       code: int) -> None:
    for path in ("/reports/pr", "/reports/dr"):
        answer = get(sushi_url, path, **params)
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["Code"] == code and body["Message"] and len(answer.text) < 1000


def test_an_empty_date_is_a_400_the_openapi_documents(sushi_url: str) -> None:
    """``begin_date=`` is refused (400, 3020 or 1030), and the published OpenAPI says so: the
    dates are required and formatted, each refusal documented, and no 422 nobody sends."""
    document = httpx.get(f"{sushi_url.removesuffix('/sushi/r5')}/openapi.json").json()
    for report in ("pr", "dr"):
        answer = get(sushi_url, f"/reports/{report}", begin_date="", end_date="2026-03")
        assert answer.status_code == 400 and answer.json()["Code"] in (1030, 3020)
        operation = document["paths"][f"/sushi/r5/reports/{report}"]["get"]
        assert set(operation["responses"]) == {"200", "400", "401", "503"}
        dates = {p["name"]: p for p in operation["parameters"] if p["name"].endswith("_date")}
        assert all(p["required"] and p["schema"]["pattern"] for p in dates.values())
    assert set(document["paths"]["/sushi/r5/reports"]["get"]["responses"]) >= {
        "200", "401", "503"}
    assert set(document["paths"]["/sushi/r5/status"]["get"]["responses"]) == {"200", "503"}


def test_hostile_requests_are_never_a_500(sushi_url: str, store: Store) -> None:
    hostile = [
        f"{sushi_url}/reports/pr?begin_date=2026-03&begin_date=x&end_date=2026-03"
        f"&api_key={KEY}",
        f"{sushi_url}/reports/pr?{'&'.join(f'p{n}={n}' for n in range(500))}&api_key={KEY}"
        "&begin_date=2026-03&end_date=2026-03",
        f"{sushi_url}/reports/pr?begin_date=%ff%fe&end_date=%c0%af&api_key={KEY}",
        f"{sushi_url}/reports/pr?api_key=%00%ff&begin_date=2026-03&end_date=2026-03",
        f"{sushi_url}/reports/tr?api_key={KEY}&begin_date=2026-03&end_date=2026-03",
        f"{sushi_url}/reports/..%2f..%2fetc%2fpasswd?api_key={KEY}",
        f"{sushi_url}/reports/pr/?api_key={KEY}",
    ]
    for url in hostile:
        answer = httpx.get(url)
        assert answer.status_code < 500, (url[:120], answer.status_code, answer.text[:300])
    assert httpx.post(f"{sushi_url}/reports/pr", params={"api_key": KEY}).status_code == 405
    with store.transaction("still there") as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(usage_events)
                                  ).scalar_one() == 10


def test_unknown_parameters_are_named_in_a_3050_warning(sushi_url: str) -> None:
    answer = get(sushi_url, "/reports/pr", **MARCH, customer_id="reseau",
                 metric_type="Searches_Platform", **{"x" * 300: "1"})
    assert answer.status_code == 200
    (warning,) = [e for e in answer.json()["Report_Header"]["Exceptions"] if e["Code"] == 3050]
    assert "metric_type" in warning["Data"] and "customer_id" not in warning["Data"]
    assert "x" * 41 not in warning["Data"]


@pytest.mark.parametrize("keys", ["", " , ", "short"])
def test_without_usable_keys_the_service_is_off(sushi_url: str, keys: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEYS_ENV, keys)
    status = httpx.get(f"{sushi_url}/status")
    assert status.status_code == 503 and status.json()[0]["Service_Active"] is False
    assert KEYS_ENV in status.json()[0]["Note"]
    answer = get(sushi_url, "/reports/pr", **MARCH)
    assert answer.status_code == 503 and answer.json()["Code"] == 1000
    assert KEYS_ENV in answer.json()["detail"]
    monkeypatch.delenv(KEYS_ENV)
    assert get(sushi_url, "/reports", key=KEY).status_code == 503
