"""The ``catalogue-sync`` command line.

Every command parses its options, calls the core, and prints; errors from the core's one
hierarchy become a red message naming what is wrong and exit status 2 (configuration) or 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from catalogue_sync.config import get_settings
from catalogue_sync.errors import CatalogueError, ConfigError
from services.cli import (
    admin,
    harvest,
    jobs,
    library,
    merge,
    records,
    renormalize,
    resources,
    search,
    serve,
    stats,
    vendor,
)
from services.cli.context import Context
from services.cli.output import errors, setup_logging
from services.logs import LOG_FORMATS, use_log_format

app = typer.Typer(
    name="catalogue-sync",
    help="One shared catalogue for a network of public libraries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(library.app, name="library")
app.add_typer(records.quarantine_app, name="quarantine")
app.add_typer(renormalize.records_app, name="records")
app.add_typer(merge.merge_app, name="merge")
app.add_typer(merge.export_app, name="export")
app.add_typer(serve.serve_app, name="serve")
app.add_typer(vendor.vendor_app, name="vendor")
app.add_typer(resources.resources_app, name="resources")
app.add_typer(stats.stats_app, name="stats")
app.add_typer(admin.admin_app, name="admin")
app.command()(records.status)
app.command("harvest")(harvest.harvest)
app.command("jobs")(jobs.jobs)
app.command("index")(search.index)
app.command("search")(search.search)
app.command()(library.init)
app.command()(library.connectors)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="CATALOGUE_SYNC_CONFIG",
                     help="The network file.", show_default="./network.toml"),
    ] = None,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = "",
    log_format: Annotated[
        str,
        typer.Option(envvar="CATALOGUE_SYNC_LOG_FORMAT",
                     help="text, or json: one JSON object per line (for log collectors)."),
    ] = "text",
) -> None:
    if log_format not in LOG_FORMATS:
        raise typer.BadParameter(f"{log_format!r}: use one of {', '.join(LOG_FORMATS)}",
                                 param_hint="--log-format")
    settings = get_settings()
    setup_logging(log_level or settings.log_level)
    use_log_format(log_format)
    ctx.obj = Context(config=config or settings.config)


def main() -> None:
    """Console-script entry point: the one place core errors become messages."""
    try:
        app()
    except CatalogueError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)
