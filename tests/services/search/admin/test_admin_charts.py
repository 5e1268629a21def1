"""The charts: well-formed SVG images with a name, a description and the table behind them;
suppressed usage cells drawn as gaps and said so; bad parameters a 400 page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from lxml import etree, html

from catalogue_sync.config import NetworkConfig
from catalogue_sync.dashboard import CountPoint
from catalogue_sync.store import Store
from catalogue_sync.store.vendors import add_usage
from services.search.admin import charts, graphs
from services.search.admin.translations import TEXTS
from services.search.web.i18n import Texts
from tests.services.search.admin.conftest import Serve, sign_in, with_redis

SVG = "{http://www.w3.org/2000/svg}"


def add_sessions(store: Store, month: int, resource: str, sessions: str) -> None:
    with store.transaction("adding usage", writes=True) as connection:
        for session in sessions:
            add_usage(connection, hour=datetime(2026, month, 3, 10, tzinfo=UTC),
                      resource=resource, library="lib", category="adult",
                      session_hash=session)


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def test_a_suppressed_month_is_a_gap_in_the_line_and_said_in_the_table(
        sqlite_store: Store) -> None:
    add_sessions(sqlite_store, 1, "films", "abcdef")
    add_sessions(sqlite_store, 2, "films", "abc")
    add_sessions(sqlite_store, 3, "films", "abcdefg")
    choices = graphs.Choices(12, "month", date(2026, 1, 1), date(2026, 3, 31))
    chart = graphs.usage_chart(Texts("fr", TEXTS), sqlite_store, NetworkConfig(), choices)
    line = parse(chart.svg).find(f".//{SVG}g[@data-series='films']")
    assert line is not None
    segments = line.findall(f"{SVG}polyline")
    assert len(segments) == 2  # January, then March: February is left out
    assert [len(s.get("points", "").split()) for s in segments] == [1, 1]
    assert len(line.findall(f"{SVG}circle")) == 2
    assert ["films", "2026-02", "< 5 sessions, masqué", "< 5 sessions, masqué"] in chart.rows
    assert ["films", "2026-01", "6", "6"] in chart.rows
    assert "1 cases masquées (moins de 5 sessions)" in chart.summary.replace("\u202f", " ")


def test_a_line_chart_is_a_named_image_and_differs_by_more_than_colour() -> None:
    series = [charts.Series(f"s{n}", [(0, 1.0), (1, float(n)), (2, None), (3, 2.0)])
              for n in range(3)]
    svg = parse(charts.line_chart(
        chart_id="essai", title="Titre <&>", description="Résumé", series=series,
        ticks=[charts.Tick(0, "a"), charts.Tick(3, "d")], x_range=(0, 3),
        y_format=str))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "essai-title essai-desc"
    assert svg.find(f"{SVG}title").text == "Titre <&>"
    assert svg.find(f"{SVG}title").get("id") == "essai-title"
    assert svg.find(f"{SVG}desc").get("id") == "essai-desc"
    groups = svg.findall(f"{SVG}g[@class='series']")
    dashes = {g.find(f"{SVG}polyline").get("stroke-dasharray") for g in groups}
    shapes = {next(iter(g.iterchildren(f"{SVG}circle", f"{SVG}rect", f"{SVG}polygon"))).tag
              for g in groups}
    assert len(dashes) == 3 and len(shapes) == 3


def test_failed_runs_are_hatched_and_named() -> None:
    svg = parse(charts.bar_chart(chart_id="runs", title="Durées", description="d", bars=[
        charts.Bar("Niort", 30, "30 s"), charts.Bar("Parthenay", 5, "échec après 5 s",
                                                    marked=True)]))
    marked = svg.findall(f".//{SVG}g[@class='bar marked']")
    assert len(marked) == 1
    assert marked[0].find(f"{SVG}rect").get("fill") == "url(#runs-hatch)"
    assert "échec" in "".join(marked[0].itertext())
    assert svg.find(f".//{SVG}pattern").get("id") == "runs-hatch"


@pytest.fixture
def browser(serve: Serve, merged_network: NetworkConfig, store: Store, redis_prefix: str
            ) -> Iterator[httpx.Client]:
    """Signed in to the dashboard of the sandbox's harvested and merged network."""
    add_sessions(store, 1, "films", "abcdef")
    with httpx.Client(base_url=serve(with_redis(merged_network, redis_prefix), store)) as b:
        assert sign_in(b).status_code == 303
        yield b


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_charts_page_draws_four_accessible_charts(browser: httpx.Client, lang: str
                                                      ) -> None:
    answer = browser.get(f"/admin/graphiques?lang={lang}&du=2026-01-01&au=2026-03-31")
    assert answer.status_code == 200
    page = html.fromstring(answer.text)
    figures = page.findall(".//section[@class='chart-block']")
    assert len(figures) == 4
    for figure in figures:
        svg = figure.find(".//svg")
        parse(etree.tostring(svg).decode())  # well-formed on its own
        for part in svg.get("aria-labelledby").split():
            assert page.get_element_by_id(part).tag in ("title", "desc")
        table = figure.find(".//details/div/table")
        assert table.find("caption").text_content().strip()
        assert {th.get("scope") for th in table.iter("th")} == {"col", "row"}
        assert figure.find(".//p[@class='chart-summary']").text_content().strip()
    records = page.get_element_by_id("records-desc").text_content()
    assert ("notices" if lang == "fr" else "records") in records
    assert "films" in answer.text


@pytest.mark.parametrize("query", [
    "du=2026-13-01", "au=hier", "mois=abc", "mois=0", "mois=99", "periode=semaine",
    "du=2026-03-01&au=2026-01-01", "periode=jour&du=2025-01-01&au=2026-01-01"])
def test_bad_parameters_are_a_400_page(browser: httpx.Client, query: str) -> None:
    answer = browser.get(f"/admin/graphiques?{query}")
    assert answer.status_code == 400
    assert "Demande incorrecte" in answer.text


def test_a_source_harvested_every_few_minutes_is_drawn_day_by_day() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    runs = [CountPoint(start + timedelta(minutes=30 * n), n, n) for n in range(500)]
    daily = graphs._daily(runs)
    assert len(daily) == 11 and daily[0].live == 47  # the last run of 1 January
    assert daily[-1] == runs[-1]
    assert graphs._daily(runs[:400]) == runs[:400]


def test_both_languages_have_the_same_words() -> None:
    assert set(TEXTS["fr"]) == set(TEXTS["en"])
