"""The Store: one object the pipeline, the commands and the services talk to.

Each public method is one transaction. ``store_page`` in particular writes a page's records,
its quarantined problems, the run's counts and the resume cursor together, so after a crash
the saved cursor always matches the stored records and a resumed harvest is exact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.models import QuarantinedRecord
from catalogue_sync.store import fences as _fences
from catalogue_sync.store import quarantine as _quarantine
from catalogue_sync.store import records as _records
from catalogue_sync.store import runs as _runs
from catalogue_sync.store.engine import (
    WRITES,
    create_engine,
    describe,
    parse_url,
    translated_errors,
)
from catalogue_sync.store.schema import create_all
from catalogue_sync.store.types import (
    HarvestState,
    IncomingProblem,
    IncomingRecord,
    LibraryStatus,
    PageCounts,
    RunStatus,
    RunSummary,
    StoredRecord,
)

log = logging.getLogger(__name__)
# The modules are imported as _records, _runs, _quarantine: Store has a method and a
# parameter named like them.


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """The durable record store: SQLite by default, PostgreSQL by URL."""

    def __init__(self, url: str) -> None:
        """Prepare the engine; nothing connects until the first operation."""
        self._url = parse_url(url)
        self._engine = create_engine(self._url)

    @property
    def url(self) -> str:
        """The database URL, password hidden: safe to log and show."""
        return describe(self._url)

    @contextmanager
    def _transaction(self, doing: str, *, writes: bool = False) -> Iterator[sa.Connection]:
        with translated_errors(self._url, doing), self._engine.connect() as connection:
            if writes:
                connection.execution_options(**{WRITES: True})
            with connection.begin():
                yield connection

    @contextmanager
    def transaction(self, doing: str, *, writes: bool = False) -> Iterator[sa.Connection]:
        """One transaction for the steps built on the store (the merge); ``doing`` names it
        in errors. ``writes=True`` takes SQLite's write lock at once, for read-then-write."""
        with self._transaction(doing, writes=writes) as connection:
            yield connection

    def create_schema(self) -> None:
        """Create the tables that are missing; safe to call on every start."""
        with self._transaction("creating the schema", writes=True) as connection:
            create_all(connection)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    # Harvest runs

    def harvest_state(self, library: str) -> HarvestState:
        """Where the library's harvests stand (empty if never harvested)."""
        with self._transaction("reading the harvest state") as connection:
            return _runs.read_state(connection, library)

    def start_run(self, library: str, mode: str) -> int:
        """Start a new run ("full" or "incremental"), closing an unfinished one as failed."""
        with self._transaction("starting a run", writes=True) as connection:
            run_id = _runs.start_run(connection, library, mode, utcnow())
        log.debug("run started", extra={"library": library, "run_id": run_id, "mode": mode})
        return run_id

    def claim_harvest(self, library: str) -> int:
        """A fencing token for a harvest of the library; the writes that carry an older
        one are refused from now on (see ``store/fences.py``)."""
        with self._transaction(f"[{library}] claiming the harvest", writes=True) as connection:
            return _fences.claim(connection, library)

    def resume_or_start_run(self, library: str, mode: str, *, fence: int | None = None
                            ) -> tuple[int, dict[str, Any] | None]:
        """The interrupted run of this mode and its cursor if there is one, else a new run."""
        with self._transaction("starting a run", writes=True) as connection:
            _fences.check(connection, library, fence)
            run_id, resume = _runs.resume_or_start(connection, library, mode, utcnow())
        log.debug("run %s", "resumed" if resume else "started",
                 extra={"library": library, "run_id": run_id, "mode": mode})
        return run_id, resume

    def store_page(
        self,
        library: str,
        run_id: int,
        records: Sequence[IncomingRecord],
        problems: Sequence[IncomingProblem],
        resume: dict[str, Any] | None,
        *,
        fence: int | None = None,
    ) -> PageCounts:
        """Store a page's records and problems and save its resume cursor, atomically."""
        now = utcnow()
        with self._transaction(f"[{library}] storing a page", writes=True) as connection:
            _fences.check(connection, library, fence)
            counts = _records.write_records(connection, library, run_id, records, now)
            _quarantine.release_fixed(connection, library, [r.local_id for r in records])
            counts.quarantined = _quarantine.add_problems(connection, library, run_id, problems,
                                                         now)
            _runs.add_counts(connection, library, run_id, counts)
            _runs.save_cursor(connection, library, run_id, resume)
        return counts

    def finish_run(
        self, library: str, run_id: int, *, next_since: str | None, counts: PageCounts,
        fence: int | None = None,
    ) -> None:
        """Close a successful run: move ``since``, clear the cursor and the last error.

        The run's stored totals are those tallied by store_page and delete_unseen, which
        include pages stored before an interruption; ``counts`` (this process's own) is
        logged.
        """
        with self._transaction(f"[{library}] finishing run {run_id}", writes=True) as connection:
            _fences.check(connection, library, fence)
            _runs.finish(connection, library, run_id, next_since=next_since, now=utcnow())
        log.debug("run finished", extra={"library": library, "run_id": run_id,
                                        **counts.as_dict()})

    def fail_run(self, library: str, run_id: int, error: str, counts: PageCounts, *,
                 fence: int | None = None) -> None:
        """Close a run as failed; its cursor stays so the next harvest continues it."""
        with self._transaction(f"[{library}] failing run {run_id}", writes=True) as connection:
            _fences.check(connection, library, fence)
            _runs.fail(connection, library, run_id, error, utcnow())
        log.warning("run failed: %s", error, extra={"library": library, "run_id": run_id,
                                                    **counts.as_dict()})

    def runs(self, library: str | None = None, limit: int = 20) -> list[RunSummary]:
        """Run history, newest first."""
        with self._transaction("reading runs") as connection:
            return _runs.list_runs(connection, library, limit)

    def run_totals(self) -> dict[tuple[str, RunStatus], tuple[int, PageCounts]]:
        """Per library and run status: the number of runs and their counts added up."""
        with self._transaction("adding up the runs") as connection:
            return _runs.totals(connection)

    # Records

    def live_count(self, library: str) -> int:
        """How many of the library's records are not deleted."""
        with self._transaction("counting records") as connection:
            return _records.count_live(connection, library)

    def unseen_live_count(self, library: str, run_id: int) -> int:
        """Live records the run has not seen: those a complete dump would delete."""
        with self._transaction("counting records") as connection:
            return _records.count_unseen(connection, library, run_id)

    def delete_unseen(self, library: str, run_id: int, *, fence: int | None = None) -> int:
        """Mark deleted the live records a complete dump (run) did not contain."""
        doing = f"[{library}] deleting records absent from the dump"
        with self._transaction(doing, writes=True) as connection:
            _fences.check(connection, library, fence)
            deleted = _records.delete_unseen(connection, library, run_id, utcnow())
            _runs.add_counts(connection, library, run_id, PageCounts(deleted=deleted))
        return deleted

    def get_record(self, library: str, local_id: str) -> StoredRecord | None:
        """One stored record, deleted or not."""
        with self._transaction("reading a record") as connection:
            return _records.get_record(connection, library, local_id)

    def iter_records(
        self, library: str | None = None, *, since_seq: int = 0, batch: int = 1000
    ) -> Iterator[StoredRecord]:
        """Records changed after ``since_seq``, in change order, ``batch`` at a time.

        Each batch is its own short read, so a long iteration holds no transaction open;
        a record changed meanwhile comes again later, with its new change_seq.
        """
        after = since_seq
        while True:
            with self._transaction("reading records") as connection:
                page = _records.read_batch(connection, library, after, batch)
            yield from page
            if len(page) < batch:
                return
            after = page[-1].change_seq

    def status(self, libraries: Sequence[str]) -> list[LibraryStatus]:
        """One status per library given, in that order; zeros for one never harvested."""
        with self._transaction("reading the status") as connection:
            counts = _records.record_counts(connection, libraries)
            problems = _quarantine.count_by_library(connection, libraries)
            last_runs = _runs.last_run_statuses(connection, libraries)
            states = _runs.states(connection, libraries)
        return [
            LibraryStatus(
                id=library,
                records=counts.get((library, False), 0),
                deleted=counts.get((library, True), 0),
                quarantined=problems.get(library, 0),
                last_harvest=states[library].last_harvest,
                last_error=states[library].last_error,
                last_run_status=last_runs.get(library),
            )
            for library in libraries
        ]

    # Quarantine

    def quarantine_list(
        self, library: str | None = None, limit: int = 100
    ) -> list[QuarantinedRecord]:
        """Quarantined records, newest first."""
        with self._transaction("reading the quarantine") as connection:
            return _quarantine.list_problems(connection, library, limit)

    def clear_quarantine(self, library: str) -> int:
        """Forget a source's quarantined records (a list read whole replaces them)."""
        with self._transaction(f"[{library}] clearing the quarantine", writes=True) as connection:
            return _quarantine.clear(connection, library)

    def quarantine_get(self, quarantine_id: int) -> QuarantinedRecord | None:
        """One quarantined record, with its raw bytes."""
        with self._transaction("reading the quarantine") as connection:
            return _quarantine.get_problem(connection, quarantine_id)
