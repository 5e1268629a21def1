"""A package's KBART list into the store, as a complete dump of its source is.

The list is the package's whole content: its titles are stored (a title whose record has not
changed keeps its change number, so an unchanged list changes nothing downstream), and the
titles the store holds that the list no longer names are marked deleted, as a library's
harvested deletions are, so the merge, the index and OAI-PMH follow. Rows that could not be
read replace the source's earlier quarantine entries: the quarantine then shows what is
wrong with the list as it is now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from catalogue_sync.errors import CatalogueError, DumpRefused
from catalogue_sync.kbart import KbartList, KbartTitle
from catalogue_sync.models import RawFormat
from catalogue_sync.online.records import incoming
from catalogue_sync.online.sources import OnlineSource
from catalogue_sync.store import IncomingProblem, IncomingRecord, PageCounts, Store

log = logging.getLogger(__name__)

PAGE = 500
"""Titles stored per transaction."""
MODE = "kbart"
"""The mode of the store's runs of an import (``catalogue-sync status`` shows runs)."""


@dataclass(slots=True)
class ImportOutcome:
    """What importing a package's list did."""

    source: str
    titles: int
    """Usable titles in the list."""
    counts: PageCounts = field(default_factory=PageCounts)
    missing_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def import_titles(store: Store, source: OnlineSource, found: KbartList, origin: str
                  ) -> ImportOutcome:
    """Store a package's list (see the module doc); DumpRefused when it holds no usable
    title while the store holds some (an empty or wrong file deletes nothing)."""
    records, problems = _prepared(source, found, origin)
    outcome = ImportOutcome(source.id, len(records), missing_columns=found.missing_columns,
                            ignored_columns=found.ignored_columns)
    run_id = store.start_run(source.id, MODE)
    try:
        store.clear_quarantine(source.id)
        _store(store, source.id, run_id, records, problems, outcome.counts)
        _refuse_empty(store, source.id, records)
        outcome.counts.deleted += store.delete_unseen(source.id, run_id)
    except CatalogueError as exc:
        store.fail_run(source.id, run_id, str(exc), outcome.counts)
        raise
    store.finish_run(source.id, run_id, next_since=None, counts=outcome.counts)
    log.info("imported a KBART list", extra={"source": source.id, "origin": origin,
                                             **outcome.counts.as_dict()})
    return outcome


def _prepared(source: OnlineSource, found: KbartList, origin: str
              ) -> tuple[list[IncomingRecord], list[IncomingProblem]]:
    records: list[IncomingRecord] = []
    problems = [IncomingProblem(problem.title_id, problem.reason, f"{origin} line {problem.line}",
                                problem.data, RawFormat.KBART) for problem in found.problems]
    for title in found.titles:
        try:
            records.append(incoming(source.id, title, source.format_of(title.serial)))
        except Exception as exc:  # data no rule foresaw: this title waits in quarantine
            log.exception("a KBART title could not be made a record",
                          extra={"source": source.id, "line": title.line})
            problems.append(_unusable(title, exc, origin))
    return records, problems


def _unusable(title: KbartTitle, exc: Exception, origin: str) -> IncomingProblem:
    reason = f"line {title.line}: cannot be made a record ({type(exc).__name__}: {exc})"
    return IncomingProblem(title.title_id, reason, f"{origin} line {title.line}",
                           title.publication_title.encode(), RawFormat.KBART)


def _store(store: Store, source: str, run_id: int, records: list[IncomingRecord],
           problems: list[IncomingProblem], counts: PageCounts) -> None:
    pages = [records[start:start + PAGE] for start in range(0, len(records), PAGE)] or [[]]
    # Problems go with the first page, so that a list of bad rows only still records them.
    for number, page in enumerate(pages):
        counts.merge(store.store_page(source, run_id, page, problems if number == 0 else [],
                                      None))


def _refuse_empty(store: Store, source: str, records: list[IncomingRecord]) -> None:
    live = store.live_count(source)
    if not records and live:
        raise DumpRefused(f"the list holds no usable title; the {live} titles in the store "
                          "are kept (is the file empty, or the wrong one?)", library=source)
