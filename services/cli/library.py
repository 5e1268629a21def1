"""``init``, ``connectors`` and ``library add/list/check``: declaring the member libraries."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import LibraryConfig, add_library, write_template
from catalogue_sync.errors import ConfigError
from catalogue_sync.models import Flavour, LibraryKind, SourceInfo
from catalogue_sync.pipeline import prepare_page
from connectors import registry
from services.cli.context import Context
from services.cli.output import console, user_agent_client

app = typer.Typer(help="Declare, list and check member libraries.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="The network's name.")] = "Réseau des bibliothèques",
    database: Annotated[str, typer.Option(help="Store URL (SQLite file or PostgreSQL).")] = (
        "sqlite:///var/catalogue-sync.db"
    ),
) -> None:
    """Write a commented network file (refuses to overwrite one)."""
    path: Path = ctx.obj.config
    write_template(path, name=name, database=database)
    console.print(f"Wrote {path}. Next: [bold]catalogue-sync library add[/bold] ID ...")


def connectors() -> None:
    """List the connectors this installation offers."""
    table = Table("connector", "implemented by")
    for name, target in sorted(registry.available().items()):
        table.add_row(name, target)
    console.print(table)


@app.command("add")
def add(
    ctx: typer.Context,
    library_id: Annotated[str, typer.Argument(metavar="ID",
                                              help="Short id, e.g. poitiers-fm.")],
    name: Annotated[str, typer.Option(help="The library's name as patrons know it.")],
    connector: Annotated[str, typer.Option(
        help="Connector type: see 'catalogue-sync connectors'.")],
    flavour: Annotated[Flavour, typer.Option(help="MARC flavour of its records.")],
    kind: Annotated[LibraryKind, typer.Option(help="What kind of library it is.")] = (
        LibraryKind.MUNICIPAL
    ),
    url: Annotated[str | None, typer.Option(help="OAI-PMH base URL, or a dump's URL.")] = None,
    path: Annotated[str | None, typer.Option(help="Path of a MARC dump (marc-file).")] = None,
    metadata_prefix: Annotated[str | None, typer.Option(help="OAI-PMH metadataPrefix.")] = None,
    set_spec: Annotated[str | None, typer.Option("--set", help="OAI-PMH set to harvest.")] = None,
    holdings: Annotated[str | None, typer.Option(
        help="Holdings preset: marc21 (852), koha-marc21 (952) or koha-unimarc (995).")] = None,
    encoding: Annotated[str | None, typer.Option(help="auto, utf-8 or marc-8.")] = None,
) -> None:
    """Add a member library to the network file."""
    options = {"type": connector, "url": url, "path": path,
               "metadata_prefix": metadata_prefix, "set": set_spec}
    given: dict[str, Any] = {
        "id": library_id, "name": name, "kind": kind.value, "flavour": flavour.value,
        "encoding": encoding,
        "connector": {key: value for key, value in options.items() if value is not None},
        "holdings": {"preset": holdings} if holdings else None,
    }
    library = {key: value for key, value in given.items() if value is not None}
    config: Path = ctx.obj.config
    # The connector's own options are checked now, not at the first harvest.
    add_library(config, library, check=registry.validate_library)
    console.print(f"Added [bold]{escape(library_id)}[/bold] to {config}. "
                  f"Next: catalogue-sync library check {library_id}")


@app.command("list")
def list_libraries(ctx: typer.Context) -> None:
    """List the member libraries."""
    network = ctx.obj.network()
    table = Table("id", "name", "kind", "flavour", "connector", "enabled")
    for lib in network.libraries.values():
        table.add_row(lib.id, lib.name, lib.kind.value, lib.flavour.value, lib.connector.type,
                      "yes" if lib.enabled else "no")
    console.print(table)


@app.command("check")
def check(
    ctx: typer.Context,
    library_id: Annotated[str, typer.Argument(metavar="ID")],
) -> None:
    """Ask a library's source what it offers and show one record as it will be stored."""
    context: Context = ctx.obj
    library = context.network().library(library_id)
    info = asyncio.run(_check(library))
    _show_summary(info)
    prefix = library.connector.options.get("metadata_prefix")
    if prefix and info.formats and prefix not in info.formats:
        raise ConfigError(
            f"libraries.{library_id}.connector.metadata_prefix: the source does not offer "
            f"'{prefix}' (it offers: {', '.join(info.formats)})"
        )
    if info.sample is None:
        console.print("[yellow]The source returned no record to show.[/yellow]")
        return
    _show_sample(library, info)


async def _check(library: LibraryConfig) -> SourceInfo:
    async with user_agent_client() as client:
        return await registry.build(library, client).check()


def _show_summary(info: SourceInfo) -> None:
    table = Table("source", "", show_header=False)
    for key, value in info.summary.items():
        table.add_row(key, escape(value))
    table.add_row("formats", ", ".join(info.formats) or "-")
    console.print(table)


def _show_sample(library: LibraryConfig, info: SourceInfo) -> None:
    assert info.sample is not None
    good, problems = prepare_page(library, [info.sample])
    if problems:
        console.print(f"[red]The sample record would be quarantined:[/red] "
                      f"{escape(problems[0].reason)}")
        return
    normalized = good[0].normalized
    assert normalized is not None
    table = Table(title=f"Sample record {escape(good[0].local_id)}, as it will be stored",
                  show_header=False)
    for field in ("title", "subtitle", "authors", "year", "isbns", "issns", "other_ids",
                  "format", "language", "publisher", "pages", "subjects"):
        value = getattr(normalized, field)
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        table.add_row(field, escape(str(shown)) if shown not in (None, "") else "-")
    for number, item in enumerate(normalized.items, 1):
        fields = ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(item).items() if v)
        table.add_row(f"item {number}", escape(fields))
    console.print(table)
