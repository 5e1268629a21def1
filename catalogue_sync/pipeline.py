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
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from catalogue_sync.config import LibraryConfig
from catalogue_sync.connector import Connector
from catalogue_sync.errors import CatalogueError, DumpRefused, LockLost
from catalogue_sync.models import HarvestRequest, Page
from catalogue_sync.parsing import PageParser, Prepared, default_workers
from catalogue_sync.parsing import prepare_page as prepare_page  # its home before parsing.py
from catalogue_sync.store import PageCounts, Store

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


async def _prefetched(pages: AsyncIterator[Page],
                      parse: Callable[[Page], Coroutine[Any, Any, Prepared]],
                      depth: int = 2) -> AsyncGenerator[tuple[Page, Prepared], None]:
    """Each page with its records parsed; the next pages are fetched and parsed meanwhile.

    A page is handed on as soon as it is parsed, never held back waiting for the next one, so
    a source that stalls leaves every page it sent stored. At most ``depth`` pages wait.
    """
    queue: asyncio.Queue[tuple[Page, asyncio.Task[Prepared]] | BaseException | None] = (
        asyncio.Queue(maxsize=depth))

    async def fetch() -> None:
        try:
            async for page in pages:
                parsing = asyncio.create_task(parse(page))
                try:
                    await queue.put((page, parsing))
                except BaseException:
                    parsing.cancel()
                    raise
            await queue.put(None)
        except asyncio.CancelledError:
            raise  # by the consumer, which is gone
        except BaseException as exc:  # handed to the consumer, which re-raises it
            await queue.put(exc)

    task = asyncio.create_task(fetch())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            page, parsing = item
            yield page, await parsing
    finally:
        task.cancel()
        waiting: list[asyncio.Task[Any]] = [task]
        while not queue.empty():
            if isinstance(item := queue.get_nowait(), tuple):
                item[1].cancel()
                waiting.append(item[1])
        await asyncio.gather(*waiting, return_exceptions=True)


class Harvest:
    """Harvests one library into the store."""

    def __init__(self, store: Store, library: LibraryConfig, connector: Connector,
                 observer: Observer | None = None, parser: PageParser | None = None, *,
                 fence: int | None = None) -> None:
        """``fence``: the token the harvester service claimed for this harvest
        (``Store.claim_harvest``); every write carries it, and stops with LockLost once a
        newer harvest of the library has claimed another."""
        self.fence = fence
        self.store = store
        self.library = library
        self.connector = connector
        self.observer = observer or Observer()
        self.parser = parser or PageParser(workers=0)

    async def run(self, *, full: bool = False) -> LibraryOutcome:
        state = await asyncio.to_thread(self.store.harvest_state, self.library.id)
        # A dump is always complete, and a first harvest takes everything: both are full.
        full = full or state.since is None
        mode = "full" if full or self.connector.snapshot else "incremental"
        outcome = LibraryOutcome(self.library.id, mode)
        started = time.monotonic()
        self.observer.started(self.library.id, mode)
        run_id, resume = await asyncio.to_thread(self.store.resume_or_start_run,
                                                 self.library.id, mode, fence=self.fence)
        try:
            request = HarvestRequest(since=None if full else state.since, resume=resume,
                                     full=full)
            next_since = await self._pages(run_id, request, outcome)
            if self.connector.snapshot:
                outcome.counts.deleted += await asyncio.to_thread(self._delete_unseen, run_id)
            await asyncio.to_thread(self.store.finish_run, self.library.id, run_id,
                                    next_since=next_since, counts=outcome.counts,
                                    fence=self.fence)
        except LockLost:
            raise  # the run is the newer harvest's now: nothing more is written to it
        except Exception as exc:
            # Any failure is this library's alone: record it and let the others go on.
            outcome.error = str(exc) if isinstance(exc, CatalogueError) else repr(exc)
            if not isinstance(exc, CatalogueError):
                log.exception("unexpected failure", extra={"library": self.library.id})
            await asyncio.to_thread(self.store.fail_run, self.library.id, run_id,
                                    outcome.error, outcome.counts, fence=self.fence)
        outcome.seconds = time.monotonic() - started
        self.observer.finished(outcome)
        return outcome

    async def _pages(self, run_id: int, request: HarvestRequest,
                     outcome: LibraryOutcome) -> str | None:
        next_since = None
        # aclosing: on a failure, pages still being fetched or parsed are dropped at once.
        async with aclosing(_prefetched(self.connector.harvest(request), self._parse)) as pages:
            async for page, prepared in pages:
                counts = await asyncio.to_thread(self._store_page, run_id, page, prepared)
                outcome.counts += counts
                next_since = page.cursor.next_since
                self.observer.page_stored(self.library.id, counts, page.expected_total)
        return next_since

    async def _parse(self, page: Page) -> Prepared:
        return await self.parser.prepare(self.library, page.records)

    def _store_page(self, run_id: int, page: Page, prepared: Prepared) -> PageCounts:
        records, problems = prepared
        for problem in problems:
            log.warning("quarantined a record: %s", problem.reason,
                        extra={"library": self.library.id, "record": problem.local_id,
                               "origin": problem.origin})
        return self.store.store_page(self.library.id, run_id, records, problems,
                                     page.cursor.resume, fence=self.fence)

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
        return self.store.delete_unseen(self.library.id, run_id, fence=self.fence)


async def harvest_libraries(
    store: Store,
    libraries: Sequence[LibraryConfig],
    make_connector: Callable[[LibraryConfig], Connector],
    *,
    full: bool = False,
    observer: Observer | None = None,
    concurrency: int = 4,
    parse_workers: int | None = None,
) -> list[LibraryOutcome]:
    """Harvest several libraries at once; each ends on its own, well or not.

    Records are parsed in ``parse_workers`` processes shared by the libraries (by default
    one per spare core, see ``parsing.default_workers``), or in threads with 0.
    """
    gate = asyncio.Semaphore(concurrency)
    parser = PageParser(default_workers() if parse_workers is None else parse_workers)

    async def one(library: LibraryConfig) -> LibraryOutcome:
        async with gate:
            try:
                connector = make_connector(library)
            except CatalogueError as exc:
                outcome = LibraryOutcome(library.id, "full" if full else "incremental",
                                         error=str(exc))
                (observer or Observer()).finished(outcome)
                return outcome
            return await Harvest(store, library, connector, observer, parser).run(full=full)

    try:
        return list(await asyncio.gather(*(one(library) for library in libraries)))
    finally:
        parser.close()
