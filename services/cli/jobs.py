"""``catalogue-sync jobs``: where the harvester service's jobs stand."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from catalogue_sync.config import NetworkConfig
from catalogue_sync.schedule import parse_schedule
from services.cli.context import Context
from services.cli.output import console, errors
from services.harvester.queue import JobQueue, JobState

BUSY = frozenset({"queued", "waiting", "running"})


def jobs(
    ctx: typer.Context,
    wait: Annotated[float | None, typer.Option(
        metavar="SECONDS", min=0, help="Wait until the queue is empty and no job is under way, "
        "at most SECONDS; exit status 1 if it is not by then.")] = None,
) -> None:
    """Each library's latest job (queued, waiting, running, done or failed), its next
    scheduled harvest, and how many jobs are queued or running."""
    context: Context = ctx.obj
    network = context.network()
    queue = JobQueue.of(network)
    try:
        idle = _wait(queue, wait) if wait is not None else True
        states, depth = queue.jobs(), queue.depth()
    finally:
        queue.close()
    _show(network, states, depth)
    if not idle:
        errors.print(f"the jobs were still under way after {wait:g} s")
        raise typer.Exit(1)


def _wait(queue: JobQueue, seconds: float) -> bool:
    """Whether the queue emptied and every job ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while queue.depth() or any(state.state in BUSY for state in queue.jobs().values()):
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def _show(network: NetworkConfig, states: dict[str, JobState], depth: int) -> None:
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
