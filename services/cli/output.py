"""How the command line talks: a rich console on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from catalogue_sync import __version__
from catalogue_sync.pipeline import LibraryOutcome, Observer
from catalogue_sync.store import PageCounts

console = Console()
if not console.is_terminal:
    console.width = 160  # logs and pipes: tables whole rather than cut to 80 columns
errors = Console(stderr=True, soft_wrap=True)  # messages stay whole for grep

# Attributes every LogRecord has; anything else was passed in ``extra`` and is shown.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class FieldsFormatter(logging.Formatter):
    """``time level logger: message key=value ...`` with the structured fields appended."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        return line + "".join(f" {key}={value}" for key, value in fields.items())


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FieldsFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # httpx logs every request at INFO: far too chatty for a harvest of thousands of pages.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class LogObserver(Observer):
    """Plain progress lines (for cron and CI), at most one every few seconds per library."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.totals: dict[str, PageCounts] = {}
        self.last: dict[str, float] = {}
        self.log = logging.getLogger("catalogue_sync.harvest")

    def started(self, library: str, mode: str) -> None:
        self.totals[library] = PageCounts()
        self.last[library] = time.monotonic()
        self.log.info("harvest started", extra={"library": library, "mode": mode})

    def page_stored(self, library: str, counts: PageCounts, expected_total: int | None) -> None:
        self.totals[library] += counts
        if time.monotonic() - self.last[library] >= self.every:
            self.last[library] = time.monotonic()
            self.log.info("harvesting", extra={"library": library, **_fields(self.totals[library]),
                                               "expected": expected_total})

    def finished(self, outcome: LibraryOutcome) -> None:
        fields: dict[str, Any] = {"library": outcome.library, **_fields(outcome.counts),
                                  "seconds": round(outcome.seconds, 1)}
        if outcome.ok:
            self.log.info("harvest finished", extra=fields)
        else:
            self.log.error("harvest failed: %s", outcome.error, extra=fields)


class BarObserver(Observer):
    """One progress bar per library, on a terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, Any] = {}

    def started(self, library: str, mode: str) -> None:
        self.tasks[library] = self.progress.add_task(f"{library} ({mode})", total=None)

    def page_stored(self, library: str, counts: PageCounts, expected_total: int | None) -> None:
        task = self.tasks[library]
        self.progress.update(task, advance=_seen(counts), total=expected_total)

    def finished(self, outcome: LibraryOutcome) -> None:
        task = self.tasks.get(outcome.library)
        if task is None:
            return
        label = "[green]done" if outcome.ok else "[red]failed"
        self.progress.update(task, description=f"{outcome.library} {label}",
                             total=self.progress.tasks[task].completed)


def progress_bars() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def user_agent_client() -> httpx.AsyncClient:
    """The HTTP client every connector gets: one pool, and a User-Agent ILS admins can grep."""
    return httpx.AsyncClient(
        headers={"User-Agent": f"catalogue-sync/{__version__} (+library network harvester)"},
        follow_redirects=True,
        limits=httpx.Limits(max_connections=20),
    )


def _seen(counts: PageCounts) -> int:
    return counts.added + counts.updated + counts.unchanged + counts.deleted + counts.quarantined


def _fields(counts: PageCounts) -> dict[str, int]:
    return {"added": counts.added, "updated": counts.updated, "unchanged": counts.unchanged,
            "deleted": counts.deleted, "quarantined": counts.quarantined}
