"""``stats usage / purge``: usage reports of the gateway's e-resources, and their retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NetworkConfig
from catalogue_sync.stats import Report, purge_usage, usage_report
from catalogue_sync.stats.export import to_counter_json, to_csv
from catalogue_sync.stats.retention import cutoff
from services.cli.context import Context
from services.cli.output import console


class ReportBy(StrEnum):
    """The choices of --by: the core's ``By``, as typer wants them."""

    resource = "resource"
    library = "library"
    category = "category"
    commune = "commune"
    departement = "departement"
    network = "network"


class ReportPeriod(StrEnum):
    day = "day"
    month = "month"
    total = "total"


stats_app = typer.Typer(help="Usage statistics of the network's e-resources.",
                        no_args_is_help=True)


@stats_app.command("usage")
def usage(
    ctx: typer.Context,
    by: Annotated[ReportBy, typer.Option(help="What a row counts.")] = ReportBy.resource,
    period: Annotated[ReportPeriod, typer.Option(help="A row's period.")] = ReportPeriod.month,
    start: Annotated[datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"], help="First day (UTC).",
        show_default="the first of the month a year ago")] = None,
    end: Annotated[datetime | None, typer.Option(
        "--to", formats=["%Y-%m-%d"], help="Last day, included.", show_default="today")] = None,
    threshold: Annotated[int | None, typer.Option(
        help="Cells with fewer distinct sessions are suppressed; may raise, never lower, "
             "the network's.", show_default="[statistics] threshold")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="COUNTER-style JSON on stdout.")] = False,
) -> None:
    """Requests and distinct sessions per resource, library, category, commune, département
    or for the whole network, by day, by month or in total."""
    if as_csv and as_json:
        raise typer.BadParameter("--csv or --json, not both")
    today = datetime.now(UTC).date()
    first = start.date() if start else today.replace(year=today.year - 1, day=1)
    context: Context = ctx.obj
    network = context.network()
    with context.store(network) as store:
        report = usage_report(store, by=by.value, period=period.value, start=first,
                              end=end.date() if end else today,
                              threshold=_threshold(threshold, network), network=network)
    if as_csv:
        print(to_csv(report), end="")
    elif as_json:
        print(json.dumps(to_counter_json(report, network), indent=2, ensure_ascii=False))
    else:
        console.print(_table(report))


@stats_app.command("purge")
def purge(
    ctx: typer.Context,
    months: Annotated[int | None, typer.Option(
        min=1, help="Whole months of events kept, besides the current one.",
        show_default="[statistics] retention_months")] = None,
) -> None:
    """Delete raw usage events older than MONTHS whole months (the harvester service does it
    on its own at [statistics] purge_schedule)."""
    context: Context = ctx.obj
    network = context.network()
    before = cutoff(months or network.statistics.retention_months)
    with context.store(network) as store:
        deleted = purge_usage(store, before)
    console.print(f"Deleted {deleted} usage events before {before:%Y-%m-%d}.")


def _threshold(asked: int | None, network: NetworkConfig) -> int:
    """The network's threshold, or a higher one asked: a lower one would show cells the
    network decided to hide (change [statistics] threshold for that)."""
    floor = network.statistics.threshold
    if asked is not None and asked < floor:
        raise typer.BadParameter(f"--threshold {asked} is below the network's threshold "
                                 f"({floor}, [statistics] in network.toml); it may only be "
                                 "raised", param_hint="--threshold")
    return floor if asked is None else asked


def _table(report: Report) -> Table:
    table = Table(report.period, report.by, "total requests", "unique sessions",
                  caption=_caption(report))
    for row in report.rows:
        shown = (str(row.total), str(row.unique)) if not row.suppressed else ("suppressed", "")
        table.add_row(row.period, escape(row.key), *shown)
    return table


def _caption(report: Report) -> str:
    # The total is over shown cells only: with the hidden ones in, a subtraction gives them.
    return (f"{report.start} to {report.end}: {report.shown_total()} requests in shown cells; "
            f"{report.suppressed_count} cells of fewer than {report.threshold} sessions "
            "suppressed")

