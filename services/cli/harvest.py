"""``harvest``: pull every (or the named) member library's records into the store."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.pipeline import LibraryOutcome, Observer, harvest_libraries
from catalogue_sync.store import Store
from connectors import registry
from services.cli.context import Context
from services.cli.merge import merge_and_publish
from services.cli.output import (
    BarObserver,
    LogObserver,
    console,
    progress_bars,
    user_agent_client,
)
from services.harvester.queue import JobQueue


def harvest(
    ctx: typer.Context,
    library_ids: Annotated[list[str] | None, typer.Argument(
        metavar="[ID]...", help="Libraries to harvest; all enabled ones when none is named.")
    ] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Harvest everything again instead of what changed.")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=32,
                                             help="Libraries harvested at once.")] = 4,
    no_merge: Annotated[bool, typer.Option(
        "--no-merge", help="Do not merge what changed into the union catalogue.")] = False,
    queue: Annotated[bool, typer.Option(
        "--queue", help="Queue the harvests for the harvester service's workers instead "
                        "of running them here.")] = False,
) -> None:
    """Harvest incrementally (or --full), then merge what changed and update the search
    index; exit status 1 if any library, the merge or the index update failed."""
    context: Context = ctx.obj
    network = context.network()
    libraries = _selected(network, library_ids or [])
    if queue:
        _queue(network, libraries, full)
        return
    with context.store(network) as store:
        outcomes = _run(store, libraries, full, concurrency)
        _summary(outcomes)
        # What the libraries that did succeed brought in is merged even if another failed.
        merged = no_merge or merge_and_publish(store, network)
    if not all(outcome.ok for outcome in outcomes) or not merged:
        raise typer.Exit(1)


def _queue(network: NetworkConfig, libraries: list[LibraryConfig], full: bool) -> None:
    jobs = JobQueue.of(network)
    try:
        for library in libraries:
            jobs.harvest(library.id, full=full, origin="cli")
            console.print(f"queued: {'full ' if full else ''}harvest of {library.id}")
        console.print(f"{jobs.depth()} jobs queued or running; follow them with "
                      "`catalogue-sync jobs`.")
    finally:
        jobs.close()


def _selected(network: NetworkConfig, ids: list[str]) -> list[LibraryConfig]:
    if ids:
        return [network.library(library_id) for library_id in ids]
    return [library for library in network.libraries.values() if library.enabled]


def _run(store: Store, libraries: list[LibraryConfig], full: bool,
         concurrency: int) -> list[LibraryOutcome]:
    if sys.stderr.isatty() and console.is_terminal:
        with progress_bars() as bars:
            return asyncio.run(_harvest(store, libraries, full, concurrency, BarObserver(bars)))
    return asyncio.run(_harvest(store, libraries, full, concurrency, LogObserver()))


async def _harvest(store: Store, libraries: list[LibraryConfig], full: bool, concurrency: int,
                   observer: Observer) -> list[LibraryOutcome]:
    async with user_agent_client() as client:
        return await harvest_libraries(
            store, libraries, lambda library: registry.build(library, client),
            full=full, observer=observer, concurrency=concurrency,
        )


def _summary(outcomes: list[LibraryOutcome]) -> None:
    table = Table("library", "mode", "added", "updated", "unchanged", "deleted", "quarantined",
                  "seconds", "result", title="Harvest summary")
    for outcome in outcomes:
        counts = outcome.counts
        result = "[green]ok[/green]" if outcome.ok else f"[red]{escape(outcome.error or '')}[/red]"
        table.add_row(outcome.library, outcome.mode, str(counts.added), str(counts.updated),
                      str(counts.unchanged), str(counts.deleted), str(counts.quarantined),
                      f"{outcome.seconds:.1f}", result)
    console.print(table)
