"""``catalogue-sync jobs``: where the harvester service's jobs stand."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.schedule import parse_schedule
from services.cli.context import Context
from services.cli.output import console
from services.harvester.queue import JobQueue


def jobs(ctx: typer.Context) -> None:
    """Each library's latest job (queued, waiting, running, done or failed), its next
    scheduled harvest, and how many jobs wait in the queue."""
    context: Context = ctx.obj
    network = context.network()
    queue = JobQueue.of(network)
    try:
        states, depth = queue.jobs(), queue.depth()
    finally:
        queue.close()
    now = datetime.now(UTC)
    table = Table("library", "job", "state", "since", "worker", "detail", "next scheduled",
                  title=f"{depth} job{'s' if depth != 1 else ''} queued or running")
    for library in network.libraries.values():
        state = states.get(library.id)
        scheduled = (f"{parse_schedule(library.schedule).next(now):%Y-%m-%d %H:%M} UTC"
                     if library.schedule and library.enabled else "on demand")
        if state is None:
            table.add_row(library.id, "-", "-", "", "", "", scheduled)
            continue
        table.add_row(library.id, state.kind, _coloured(state.state),
                      f"{state.at:%Y-%m-%d %H:%M:%S}", state.worker or "",
                      escape(state.detail or ""), scheduled)
    console.print(table)


def _coloured(state: str) -> str:
    colour = {"failed": "red", "done": "green", "running": "cyan"}.get(state)
    return f"[{colour}]{state}[/{colour}]" if colour else state
