"""The harvest pipeline: from a connector's pages to the record store, one library at a time.

Each page is parsed, normalized and stored in one transaction together with the connector's
cursor, so a harvest killed at any moment resumes right after the last stored page. A
record that cannot be parsed goes to quarantine with its raw bytes; one library's failure
never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from catalogue_sync.config import LibraryConfig
from catalogue_sync.connector import Connector
from catalogue_sync.errors import CatalogueError, DumpRefused, RecordRejected
from catalogue_sync.marc import parse_raw
from catalogue_sync.models import HarvestRequest, Page, RawRecord
from catalogue_sync.store import IncomingProblem, IncomingRecord, PageCounts, Store

log = logging.getLogger(__name__)

DEFAULT_MAX_SHRINK = 0.2


@dataclass(slots=True)
class LibraryOutcome:
    """How one library's harvest ended."""

    library: str
    mode: str
    counts: PageCounts = field(default_factory=PageCounts)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class Observer:
    """Told about progress; the command line draws it, tests may record it."""

    def started(self, library: str, mode: str) -> None:
        """A library's harvest begins."""

    def page_stored(self, library: str, counts: PageCounts, expected_total: int | None) -> None:
        """A page was stored; ``counts`` is the page's own."""

    def finished(self, outcome: LibraryOutcome) -> None:
        """A library's harvest ended, well or not."""


def prepare_page(library: LibraryConfig, records: Sequence[RawRecord]) -> tuple[
    list[IncomingRecord], list[IncomingProblem]
]:
    """Parse and normalize a page; what cannot be parsed becomes a quarantine entry."""
    good: list[IncomingRecord] = []
    problems: list[IncomingProblem] = []
    for raw in records:
        if raw.deleted:
            if raw.local_id is None:
                problems.append(_problem(raw, "a deletion without a record id"))
            else:
                good.append(IncomingRecord(raw.local_id, raw.datestamp, True, b"", raw.format,
                                           None))
            continue
        try:
            _, normalized = parse_raw(raw, library)
        except RecordRejected as exc:
            problems.append(_problem(raw, exc.reason, exc.local_id))
            continue
        assert normalized.local_id is not None  # parse_raw rejects records without an id
        good.append(IncomingRecord(normalized.local_id, raw.datestamp, False, raw.data,
                                   raw.format, normalized))
    return good, problems


def _problem(raw: RawRecord, reason: str, local_id: str | None = None) -> IncomingProblem:
    return IncomingProblem(local_id or raw.local_id, reason, raw.origin, raw.data, raw.format)


async def _prefetched(pages: AsyncIterator[Page], depth: int = 2) -> AsyncIterator[Page]:
    """Fetch the next pages while the current one is parsed and stored."""
    queue: asyncio.Queue[Page | BaseException | None] = asyncio.Queue(maxsize=depth)

    async def fetch() -> None:
        try:
            async for page in pages:
                await queue.put(page)
            await queue.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            await queue.put(exc)

    task = asyncio.create_task(fetch())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class Harvest:
    """Harvests one library into the store."""

    def __init__(self, store: Store, library: LibraryConfig, connector: Connector,
                 observer: Observer | None = None) -> None:
        self.store = store
        self.library = library
        self.connector = connector
        self.observer = observer or Observer()

    async def run(self, *, full: bool = False) -> LibraryOutcome:
        state = await asyncio.to_thread(self.store.harvest_state, self.library.id)
        # A dump is always complete, and a first harvest takes everything: both are full.
        full = full or state.since is None
        mode = "full" if full or self.connector.snapshot else "incremental"
        outcome = LibraryOutcome(self.library.id, mode)
        started = time.monotonic()
        self.observer.started(self.library.id, mode)
        run_id, resume = await asyncio.to_thread(self.store.resume_or_start_run,
                                                 self.library.id, mode)
        try:
            request = HarvestRequest(since=None if full else state.since, resume=resume,
                                     full=full)
            next_since = await self._pages(run_id, request, outcome)
            if self.connector.snapshot:
                outcome.counts.deleted += await asyncio.to_thread(self._delete_unseen, run_id)
            await asyncio.to_thread(self.store.finish_run, self.library.id, run_id,
                                    next_since=next_since, counts=outcome.counts)
        except Exception as exc:
            # Any failure is this library's alone: record it and let the others go on.
            outcome.error = str(exc) if isinstance(exc, CatalogueError) else repr(exc)
            if not isinstance(exc, CatalogueError):
                log.exception("unexpected failure", extra={"library": self.library.id})
            await asyncio.to_thread(self.store.fail_run, self.library.id, run_id,
                                    outcome.error, outcome.counts)
        outcome.seconds = time.monotonic() - started
        self.observer.finished(outcome)
        return outcome

    async def _pages(self, run_id: int, request: HarvestRequest,
                     outcome: LibraryOutcome) -> str | None:
        next_since = None
        async for page in _prefetched(self.connector.harvest(request)):
            counts = await asyncio.to_thread(self._store_page, run_id, page)
            outcome.counts += counts
            next_since = page.cursor.next_since
            self.observer.page_stored(self.library.id, counts, page.expected_total)
        return next_since

    def _store_page(self, run_id: int, page: Page) -> PageCounts:
        records, problems = prepare_page(self.library, page.records)
        for problem in problems:
            log.warning("quarantined a record: %s", problem.reason,
                        extra={"library": self.library.id, "record": problem.local_id,
                               "origin": problem.origin})
        return self.store.store_page(self.library.id, run_id, records, problems,
                                     page.cursor.resume)

    def _delete_unseen(self, run_id: int) -> int:
        """Mark deleted what a complete dump no longer holds, unless the dump looks cut."""
        live = self.store.live_count(self.library.id)
        unseen = self.store.unseen_live_count(self.library.id, run_id)
        max_shrink = float(getattr(self.connector, "max_shrink", DEFAULT_MAX_SHRINK))
        if live and unseen == live:
            raise DumpRefused(
                f"the dump holds none of the {live} records in the store; "
                "nothing marked deleted (is the file empty or the wrong one?)",
                library=self.library.id,
            )
        if live and unseen / live > max_shrink:
            raise DumpRefused(
                f"the dump would delete {unseen} of {live} records "
                f"({unseen / live:.0%} > max_shrink {max_shrink:.0%}); nothing marked deleted. "
                "Raise max_shrink for this library if the shrink is real.",
                library=self.library.id,
            )
        return self.store.delete_unseen(self.library.id, run_id)


async def harvest_libraries(
    store: Store,
    libraries: Sequence[LibraryConfig],
    make_connector: Callable[[LibraryConfig], Connector],
    *,
    full: bool = False,
    observer: Observer | None = None,
    concurrency: int = 4,
) -> list[LibraryOutcome]:
    """Harvest several libraries at once; each ends on its own, well or not."""
    gate = asyncio.Semaphore(concurrency)

    async def one(library: LibraryConfig) -> LibraryOutcome:
        async with gate:
            try:
                connector = make_connector(library)
            except CatalogueError as exc:
                outcome = LibraryOutcome(library.id, "full" if full else "incremental",
                                         error=str(exc))
                (observer or Observer()).finished(outcome)
                return outcome
            return await Harvest(store, library, connector, observer).run(full=full)

    return list(await asyncio.gather(*(one(library) for library in libraries)))
