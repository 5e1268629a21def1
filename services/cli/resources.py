"""``resources``: the network's digital offer, and vendors' title lists in the catalogue.

    catalogue-sync resources list
    catalogue-sync resources import-kbart VENDOR PACKAGE FILE_OR_URL [--no-merge]
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NetworkConfig
from catalogue_sync.kbart import KbartList, read_kbart
from catalogue_sync.offer import ResourceConfig
from catalogue_sync.online import ImportOutcome, import_titles, online_sources, package_source
from catalogue_sync.online.fetch import fetch_list
from catalogue_sync.online.sources import source_id
from services.cli.context import Context
from services.cli.merge import merge_and_publish
from services.cli.output import console, user_agent_client

resources_app = typer.Typer(
    help="The network's digital offer: vendors, resources, and their KBART title lists.",
    no_args_is_help=True)


@resources_app.command("import-kbart")
def import_kbart(
    ctx: typer.Context,
    vendor: Annotated[str, typer.Argument(help="The vendor's id in network.toml.")],
    package: Annotated[str, typer.Argument(
        help="The package, as a resource of the vendor names it in its packages.")],
    location: Annotated[str, typer.Argument(
        metavar="FILE_OR_URL", help="The KBART file: a path, or an http(s) address.")],
    no_merge: Annotated[bool, typer.Option(
        "--no-merge", help="Do not merge the titles into the union catalogue now.")] = False,
) -> None:
    """Import a package's KBART title list: its titles become the online records of the
    union catalogue (titles gone from the list are deleted), then merge and update the
    search index. Rows that cannot be read go to quarantine; exit status 1 if the merge or
    the index update failed."""
    context: Context = ctx.obj
    network = context.network()
    source = package_source(network, vendor, package)
    data = asyncio.run(_fetch(location, source.id))
    found = read_kbart(data, location)
    with context.store(network) as store:
        outcome = import_titles(store, source, found, location)
        show_import(outcome, found)
        merged = no_merge or merge_and_publish(store, network)
    if not merged:
        raise typer.Exit(1)


async def _fetch(location: str, source: str) -> bytes:
    async with user_agent_client() as client:
        return await fetch_list(location, client, source=source)


def show_import(outcome: ImportOutcome, found: KbartList) -> None:
    """The import's counts as a table, then what the file's header lacked or added."""
    counts = outcome.counts
    table = Table("package", "titles", "added", "updated", "deleted", "unchanged",
                  "quarantined", title="KBART import")
    table.add_row(escape(outcome.source), str(outcome.titles), str(counts.added),
                  str(counts.updated), str(counts.deleted), str(counts.unchanged),
                  str(counts.quarantined))
    console.print(table)
    if found.missing_columns:
        console.print(f"Optional columns absent (taken as empty): "
                      f"{escape(', '.join(found.missing_columns))}", highlight=False)
    if found.ignored_columns:
        console.print(f"Columns not in KBART (ignored): "
                      f"{escape(', '.join(found.ignored_columns))}", highlight=False)
    for problem in found.problems[:10]:
        console.print(f"[yellow]quarantined[/yellow] {escape(problem.reason)}", highlight=False)
    if len(found.problems) > 10:
        console.print(f"... and {len(found.problems) - 10} more rows", highlight=False)
    if found.problems:
        console.print("See them with `catalogue-sync quarantine list`.")


@resources_app.command("list")
def list_resources(ctx: typer.Context) -> None:
    """The vendors and their resources: kind, who is entitled, packages and their titles."""
    context: Context = ctx.obj
    network = context.network()
    vendors = Table("vendor", "name", "access", title="Vendors")
    for vendor in sorted(network.vendors.values(), key=lambda v: v.id):
        vendors.add_row(vendor.id, escape(vendor.name), vendor.access)
    console.print(vendors)
    with context.store(network) as store:
        titles = {source: store.live_count(source) for source in online_sources(network)}
    table = Table("resource", "vendor", "kind", "name", "entitled", "packages (titles)",
                  title="Resources")
    for resource in sorted(network.resources.values(), key=lambda r: r.id):
        packages = ", ".join(f"{package} ({titles.get(source_id(resource.vendor, package), 0)})"
                             for package in resource.packages) or "-"
        table.add_row(resource.id, resource.vendor, resource.kind.value, escape(resource.name),
                      escape(entitled_text(resource, network)), escape(packages))
    console.print(table)


def entitled_text(resource: ResourceConfig, network: NetworkConfig) -> str:
    """Who may open a resource, in a few words: libraries, categories, dates."""
    libraries = (", ".join(network.libraries[lib].name if lib in network.libraries else lib
                           for lib in resource.libraries) or "whole network")
    parts = [libraries, ", ".join(resource.categories) or "every category"]
    if resource.starts or resource.ends:
        parts.append(f"{resource.starts or '…'} to {resource.ends or '…'}")
    return "; ".join(parts)
