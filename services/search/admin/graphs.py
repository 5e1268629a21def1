"""The charts page's four charts, each with its summary in words and the table behind it.

    records     live records per source after each harvest run, over the last months
    durations   each source's latest runs: how long they took, which failed
    duplicates  the share of each source's live records merged with another source's
    usage       requests per digital resource by month or day; suppressed cells are gaps
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from catalogue_sync import dashboard
from catalogue_sync.config import NetworkConfig
from catalogue_sync.dashboard import CountPoint, DuplicateRate, Source, Usage
from catalogue_sync.store import Store
from catalogue_sync.store.types import RunStatus, RunSummary
from services.search.admin import charts
from services.search.admin.charts import Bar, Series, Tick
from services.search.admin.views import how_long, when
from services.search.web.i18n import Texts

MAX_TICKS = 8
MAX_POINTS = 400


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as the page shows it: its drawing, its words, its table."""

    id: str
    title: str
    svg: Markup
    summary: str
    columns: list[str]
    rows: list[list[str]]
    """The first cell of each row heads it."""
    legend: list[tuple[Markup, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the charts page was asked for (already checked)."""

    months: int
    period: dashboard.Period
    start: date
    end: date


def names(network: NetworkConfig) -> dict[str, str]:
    return {source.id: source.name for source in dashboard.sources(network)}


def records_chart(t: Texts, store: Store, network: NetworkConfig, choices: Choices,
                  now: datetime) -> Chart:
    since = dashboard.midnight(dashboard.months_before(now.date(), choices.months))
    every = dashboard.sources(network)
    history = dashboard.record_history(store, [s.id for s in every], since)
    shown = [(source, _daily(history[source.id])) for source in every if history[source.id]]
    series = [Series(source.name, [(p.at.timestamp(), float(p.live)) for p in points]
                     + [(now.timestamp(), float(points[-1].live))]) for source, points in shown]
    svg = charts.line_chart(
        chart_id="records", title=t("chart_records"), description=_records_summary(t, shown),
        series=series, ticks=_month_ticks(t, since, now),
        x_range=(since.timestamp(), now.timestamp()), y_format=lambda v: t.number(int(v)),
        step=True)
    rows = [[source.name, when(t, point.at), t.number(point.live)]
            for source, points in shown for point in points]
    return Chart("records", t("chart_records"), svg, _records_summary(t, shown),
                 [t("col_source"), t("col_after_run"), t("col_live")], rows,
                 [(charts.swatch(n), source.name) for n, (source, _) in enumerate(shown)])


def _daily(points: list[CountPoint]) -> list[CountPoint]:
    """Past ``MAX_POINTS`` runs, the last of each day only (a source harvested every few
    minutes would draw thousands)."""
    if len(points) <= MAX_POINTS:
        return points
    last_of_day = {point.at.date(): point for point in points}
    return list(last_of_day.values())


def _records_summary(t: Texts, shown: list[tuple[Source, list[CountPoint]]]) -> str:
    if not shown:
        return t("records_none")
    parts = [t("records_one", name=source.name, live=t.number(points[-1].live),
               change=_signed(t, points[-1].live - points[0].live))
             for source, points in shown]
    return t("records_summary", list="; ".join(parts))


def _signed(t: Texts, n: int) -> str:
    """+1 202 / −35: a change, its sign always written."""
    return f"{'−' if n < 0 else '+'}{t.number(abs(n))}"


def _month_ticks(t: Texts, since: datetime, now: datetime) -> list[Tick]:
    months = dashboard.periods_between("month", since.date(), now.date())
    every = max(1, -(-len(months) // MAX_TICKS))
    return [Tick(dashboard.midnight(date.fromisoformat(f"{month}-01")).timestamp(),
                 _month_label(t, month)) for month in months[::every]]


def _month_label(t: Texts, month: str) -> str:
    year, number = month.split("-")
    return f"{t('months_short').split()[int(number) - 1]} {year}"


def durations_chart(t: Texts, store: Store, network: NetworkConfig) -> Chart:
    named = names(network)
    runs = dashboard.recent_runs(store, list(named))
    flat = [run for source in named for run in runs[source]]
    bars = [Bar(f"{_short_name(named[run.library])} {run.started:%d/%m %H:%M}", _seconds(run),
                _run_words(t, run), marked=run.status is RunStatus.FAILED) for run in flat]
    failed = [run for run in flat if run.status is RunStatus.FAILED]
    summary = t("durations_summary", runs=t.number(len(flat)), failed=t.number(len(failed)),
                names=", ".join(sorted({named[run.library] for run in failed})) or "—")
    svg = charts.bar_chart(chart_id="durations", title=t("chart_durations"),
                           description=summary, bars=bars)
    rows = [[named[run.library], when(t, run.started), how_long(t, dashboard.duration(run)),
             t(f"run_{run.status.value}"), (run.error or "")[:300]] for run in flat]
    return Chart("durations", t("chart_durations"), svg, summary,
                 [t("col_source"), t("col_started"), t("col_duration"), t("col_status"),
                  t("col_error")], rows)


def _short_name(name: str, limit: int = 21) -> str:
    """A source's name cut to leave room for the run's date in a bar's label."""
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _seconds(run: RunSummary) -> float:
    span = dashboard.duration(run)
    return span.total_seconds() if span is not None else 0.0


def _run_words(t: Texts, run: RunSummary) -> str:
    if run.status is RunStatus.RUNNING:
        return t("run_running")
    words = how_long(t, dashboard.duration(run))
    return t("failed_after", duration=words) if run.status is RunStatus.FAILED else words


def duplicates_chart(t: Texts, store: Store, network: NetworkConfig) -> Chart:
    named = names(network)
    rates = dashboard.duplicate_rates(store, list(named))
    bars = [Bar(named[source], rate.rate * 100, _rate_words(t, rate))
            for source, rate in rates.items()]
    best = max(rates.items(), key=lambda item: item[1].rate, default=None)
    summary = (t("duplicates_summary", name=named[best[0]], words=_rate_words(t, best[1]))
               if best and best[1].live else t("duplicates_none"))
    svg = charts.bar_chart(chart_id="duplicates", title=t("chart_duplicates"),
                           description=summary, bars=bars)
    rows = [[named[source], t.number(rate.live), t.number(rate.shared), _percent(t, rate)]
            for source, rate in rates.items()]
    return Chart("duplicates", t("chart_duplicates"), svg, summary,
                 [t("col_source"), t("col_live"), t("col_shared"), t("col_rate")], rows)


def _percent(t: Texts, rate: DuplicateRate) -> str:
    text = f"{rate.rate * 100:.1f}"
    return f"{text.replace('.', ',') if t.lang == 'fr' else text}\u00a0%"


def _rate_words(t: Texts, rate: DuplicateRate) -> str:
    return t("rate_words", percent=_percent(t, rate), shared=t.number(rate.shared),
             live=t.number(rate.live))


def usage_chart(t: Texts, store: Store, network: NetworkConfig, choices: Choices) -> Chart:
    usage = dashboard.resource_usage(store, network, period=choices.period,
                                     start=choices.start, end=choices.end)
    label = {rid: network.resources[rid].name if rid in network.resources else rid
             for rid in usage.resources}
    series = [Series(label[rid], [(float(n), _float(usage.total(period, rid)))
                                  for n, period in enumerate(usage.periods)])
              for rid in usage.resources]
    summary = _usage_summary(t, usage)
    every = max(1, -(-len(usage.periods) // MAX_TICKS))
    ticks = [Tick(float(n), period) for n, period in enumerate(usage.periods)][::every]
    svg = charts.line_chart(chart_id="usage", title=t("chart_usage"), description=summary,
                            series=series, ticks=ticks,
                            x_range=(0.0, float(max(1, len(usage.periods) - 1))),
                            y_format=lambda v: t.number(int(v)))
    rows = [[label[rid], period, *_cell(t, usage, period, rid)]
            for rid in usage.resources for period in usage.periods]
    return Chart("usage", t("chart_usage"), svg, summary,
                 [t("col_resource"), t("col_period"), t("col_requests"), t("col_sessions")],
                 rows, [(charts.swatch(n), label[rid]) for n, rid in enumerate(usage.resources)])


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _cell(t: Texts, usage: Usage, period: str, resource: str) -> list[str]:
    row = usage.cells.get((period, resource))
    if row is None:
        return ["0", "0"]
    if row.total is None or row.unique is None:
        hidden = t("suppressed", threshold=usage.threshold)
        return [hidden, hidden]
    return [t.number(row.total), t.number(row.unique)]


def _usage_summary(t: Texts, usage: Usage) -> str:
    shown = sum(row.total for row in usage.cells.values() if row.total is not None)
    hidden = sum(1 for row in usage.cells.values() if row.total is None)
    return t("usage_summary", start=t.date(usage.start.isoformat()),
             end=t.date(usage.end.isoformat()), total=t.number(shown),
             resources=t.number(len(usage.resources)), hidden=t.number(hidden),
             threshold=usage.threshold)
