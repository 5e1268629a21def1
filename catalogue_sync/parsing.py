"""Parsing pages of raw records, in worker processes when the machine has cores to spare.

Reading and normalizing MARC is pure Python: in a thread it holds the GIL, so a harvest that
parses in threads runs on one core however many there are (on two cores, parsing was two
fifths of the harvester's time). A ``PageParser`` with workers sends each page to a process
pool and gets back what ``prepare_page`` makes of it; without workers it parses in a thread.

- Memory stays bounded: each library has at most a few pages in flight (the pipeline's
  ``parsed_ahead``), and a page travels as its raw bytes.
- A record that cannot be read still becomes a quarantine entry: ``prepare_page`` runs
  unchanged in the worker, and what the worker logs is handed to the harvester's logging.
- A worker that dies (a crash in a C library, the OOM killer) breaks the pool: each page then
  in flight is parsed again on a worker of its own, and one that kills that worker too fails
  its library alone (``PageParsingFailed``), as any source error does.
- Workers are started by a fork server (never a fork of the threaded harvester), ignore
  Ctrl-C (the harvester stops them when it ends) and exit if the harvester dies. As with any
  multiprocessing program, a script that harvests with workers must guard its entry point
  with ``if __name__ == "__main__":`` (each worker imports the main module); console scripts
  such as ``catalogue-sync`` do.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from catalogue_sync.config import LibraryConfig
from catalogue_sync.errors import RecordRejected, SourceError
from catalogue_sync.marc import parse_raw
from catalogue_sync.models import RawRecord
from catalogue_sync.store import IncomingProblem, IncomingRecord

log = logging.getLogger(__name__)

Prepared = tuple[list[IncomingRecord], list[IncomingProblem]]
ParsePage = Callable[[LibraryConfig, Sequence[RawRecord]], Prepared]
MAX_WORKERS = 4
PARENT_CHECK_SECONDS = 1.0


class PageParsingFailed(SourceError):
    """The worker parsing a page died twice: something in the page kills the parser."""


def prepare_page(library: LibraryConfig, records: Sequence[RawRecord]) -> Prepared:
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
                                   raw.format, normalized,
                                   settings_digest=library.normalizer_settings.digest))
    return good, problems


def _problem(raw: RawRecord, reason: str, local_id: str | None = None) -> IncomingProblem:
    return IncomingProblem(local_id or raw.local_id, reason, raw.origin, raw.data, raw.format)


def default_workers() -> int:
    """One worker per core beyond the harvester's own, at most MAX_WORKERS; none on one core."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(MAX_WORKERS, (cores or 1) - 1))


class PageParser:
    """Parses pages in ``workers`` processes, or in a thread when ``workers`` is 0.

    ``parse_page`` is ``prepare_page`` but in tests, which pass a module-level function.
    """

    def __init__(self, workers: int, parse_page: ParsePage = prepare_page) -> None:
        self.workers = workers
        self.parse_page = parse_page
        self._pool: ProcessPoolExecutor | None = None
        self._logs: Any = None
        self._listener: logging.handlers.QueueListener | None = None

    async def prepare(self, library: LibraryConfig, records: Sequence[RawRecord]) -> Prepared:
        """The page parsed by ``parse_page``, off the event loop."""
        if not self.workers:
            return await asyncio.to_thread(self.parse_page, library, records)
        try:
            pool = self._shared_pool()
            parsed = self._submit(pool, library, records)
        except OSError as exc:  # no process or semaphore to be had (a container's limits)
            log.warning("cannot start parsing workers (%s); parsing in threads instead", exc)
            self.workers = 0
            return await asyncio.to_thread(self.parse_page, library, records)
        try:
            return await parsed
        except BrokenProcessPool:
            self._discard(pool)
        log.warning("a parsing worker died; its page is parsed again on a worker of its own",
                    extra={"library": library.id})
        # Alone, so that a page that kills its worker again fails only its own library.
        alone = self._new_pool(1)
        try:
            return await self._submit(alone, library, records)
        except BrokenProcessPool as exc:
            raise PageParsingFailed(
                f"the worker parsing this page died twice ({exc}); the harvest stopped "
                "before it and will start from it next time",
                library=library.id, url=records[0].origin if records else None,
            ) from exc
        finally:
            alone.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (they finish the page in hand) and the log forwarding."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def _submit(self, pool: ProcessPoolExecutor, library: LibraryConfig,
                records: Sequence[RawRecord]) -> asyncio.Future[Prepared]:
        """The page handed to the pool now (starting a worker if needed), its result later."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(pool, self.parse_page, library, records)

    def _shared_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new_pool(self.workers)
        return self._pool

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # Workers forked from a server that has already imported the parsers start at once.
        context.set_forkserver_preload([__name__])
        if self._listener is None:
            self._logs = context.Queue()
            self._listener = logging.handlers.QueueListener(self._logs, _ToOwnLogger())
            self._listener.start()
        level = logging.getLogger().getEffectiveLevel()
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(self._logs, level, os.getpid()))

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        # Several pages may fail at once on the same broken pool: replace it only once.
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


class _ToOwnLogger(logging.Handler):
    """Hands a record logged in a worker to the harvester's logger of the same name."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _start_worker(logs: Any, level: int, harvester_pid: int) -> None:
    """Worker set-up: logs go to the harvester, Ctrl-C is the harvester's, watch it live."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(logs)]
    root.setLevel(level)
    threading.Thread(target=_exit_with, args=(harvester_pid, os.getppid()),
                     name="watch-harvester", daemon=True).start()


def _exit_with(harvester_pid: int, parent_pid: int) -> None:
    """Exit once the harvester is gone: a worker waiting for work would outlive it."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        # The parent is the fork server, which exits with the harvester (even one not yet
        # reaped, which a signal 0 would still find).
        if os.getppid() != parent_pid or not _alive(harvester_pid):
            os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the pid now belongs to another user's process
        return False
    return True
