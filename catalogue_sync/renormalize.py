"""Normalizing stored records again when the normalizer changes (RecordManager's renormalize).

Every source record carries the ``NORMALIZER_VERSION`` that derived its fields. After an
upgrade that raises it, ``renormalize`` reads a library's records an older version derived,
a batch at a time in local id order, parses their stored raw bytes again as the library
catalogues them, and in one transaction per batch:

- rewrites the fields that came out different, with a new change number: the next
  incremental merge re-merges those records, and only those, and the index follows;
- stamps the new version on records whose fields came out the same (nothing downstream
  moves);
- quarantines a record that no longer parses, with its raw bytes and the reason; the stored
  record keeps its fields and stays in the catalogue, never dropped;
- saves the cursor (the last local id done) and the counts so far.

A run killed anywhere resumes after its last committed batch, with its counts. Parsing
happens outside the write transaction; a record a harvest stored again meanwhile is left
as the harvest stored it (``still_stale``). A harvest also brings an unchanged record it
receives up to the current version (``store/records.py``), so a full harvest does the same
work for one library.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc import parse_raw
from catalogue_sync.marc.normalize import normalizer_version
from catalogue_sync.marc.read import record_from_marcxml_bytes
from catalogue_sync.models import Format, NormalizedRecord, RawRecord
from catalogue_sync.online.records import normalized_title
from catalogue_sync.online.sources import OnlineSource, online_sources
from catalogue_sync.store import IncomingProblem, Store
from catalogue_sync.store import renormalizing as stored
from catalogue_sync.store.records import lock_change_seq, normalized_columns, set_versions
from catalogue_sync.store.renormalizing import StaleRecord

log = logging.getLogger(__name__)

BATCH = 500
"""Records parsed again per transaction."""


@dataclass(slots=True)
class RenormalizeCounts:
    """What renormalizing a library did (a resumed run counts its earlier batches too)."""

    checked: int = 0
    changed: int = 0
    """Records whose fields came out different: the next merge re-merges them."""
    quarantined: int = 0
    """Records that no longer parse: kept as they were, their raw bytes in quarantine."""

    def add(self, other: RenormalizeCounts) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenormalizeCounts:
        known = {f.name for f in fields(cls)}
        return cls(**{key: int(value) for key, value in data.items() if key in known})


@dataclass(slots=True)
class RenormalizeOutcome:
    """How one library's renormalization ended."""

    library: str
    version: int
    counts: RenormalizeCounts = field(default_factory=RenormalizeCounts)
    resumed: bool = False
    """It continued a run that was interrupted."""
    complete: bool = True
    """False when it was asked to stop (``should_stop``) before its last batch."""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class StaleCount:
    """A library's records an older normalizer derived."""

    library: str
    stale: int
    """Renormalizing would read them: ``records renormalize`` brings them up to date."""
    unreadable: int
    """Renormalizing found they no longer parse: they wait in quarantine."""


Progress = Callable[[str, RenormalizeCounts], None]
Source = LibraryConfig | OnlineSource
"""What stored records come from: a member library, or a vendor package (its KBART titles,
stored as MARC 21 records made by ``online.records``)."""


def sources(network: NetworkConfig) -> dict[str, Source]:
    """Every source network.toml declares, by id: the libraries, then the packages."""
    return {**network.libraries, **online_sources(network)}


def stale_counts(store: Store, libraries: Sequence[str]) -> list[StaleCount]:
    """For each library given, in that order, its records an older normalizer derived."""
    with store.transaction("counting records an older normalizer derived") as connection:
        counts = stored.count_stale(connection, libraries, normalizer_version())
    return [StaleCount(library, *counts.get(library, (0, 0))) for library in libraries]


def renormalize(store: Store, library: Source, *, batch: int = BATCH,
                progress: Progress | None = None,
                should_stop: Callable[[], bool] | None = None) -> RenormalizeOutcome:
    """Bring every record of ``library`` to the current normalizer (see the module doc)."""
    started = time.monotonic()
    outcome = RenormalizeOutcome(library.id, normalizer_version())
    after = _start(store, outcome)
    while not (should_stop and should_stop()):
        with store.transaction(f"[{library.id}] reading records to renormalize") as connection:
            records = stored.read_stale(connection, library.id, outcome.version, after, batch)
        done = len(records) < batch
        after = records[-1].local_id if records else after
        outcome.counts.add(_batch(store, library, outcome, records, after, done))
        if progress is not None:
            progress(library.id, outcome.counts)
        if done:
            break
    else:
        outcome.complete = False
    outcome.seconds = time.monotonic() - started
    log.info("renormalized" if outcome.complete else "renormalizing stopped",
             extra={"library": library.id, "version": outcome.version,
                    **outcome.counts.as_dict(), "seconds": round(outcome.seconds, 1)})
    return outcome


def _start(store: Store, outcome: RenormalizeOutcome) -> str:
    """The cursor to go on from: an interrupted run's to this version, else the start."""
    with store.transaction(f"[{outcome.library}] starting to renormalize",
                           writes=True) as connection:
        cursor = stored.read_cursor(connection, outcome.library)
        if cursor and cursor.version == outcome.version and not cursor.finished:
            outcome.resumed = True
            outcome.counts = RenormalizeCounts.from_dict(cursor.counts)
            return cursor.after
        stored.start_cursor(connection, outcome.library, outcome.version,
                            RenormalizeCounts().as_dict(), _now())
        return ""


@dataclass(slots=True)
class _Derived:
    changed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    problems: list[IncomingProblem] = field(default_factory=list)


def _batch(store: Store, library: Source, outcome: RenormalizeOutcome,
           records: list[StaleRecord], after: str, done: bool) -> RenormalizeCounts:
    """Parse a batch again, then write it with the cursor in one transaction."""
    derived = _derive(library, records)
    with store.transaction(f"[{library.id}] renormalizing records", writes=True) as connection:
        first_seq = lock_change_seq(connection) + 1  # no harvest stores a page meanwhile
        current = stored.still_stale(connection, library.id, records)
        changed = [row for row in derived.changed if row[0] in current]
        stored.rewrite(connection, library.id, first_seq, outcome.version, changed)
        set_versions(connection, library.id,
                     [(local_id, outcome.version) for local_id in derived.same
                      if local_id in current])
        problems = [p for p in derived.problems if p.local_id in current]
        stored.replace_problems(connection, library.id, sorted(current), problems, _now())
        counts = RenormalizeCounts(len(records), len(changed), len(problems))
        total = RenormalizeCounts.from_dict(outcome.counts.as_dict())
        total.add(counts)
        stored.save_cursor(connection, library.id, after, total.as_dict(), _now(),
                           finished=done)
    return counts


def _derive(library: Source, records: list[StaleRecord]) -> _Derived:
    derived = _Derived()
    for record in records:
        try:
            normalized = _normalized(library, record)
        except RecordRejected as exc:
            log.warning("a stored record no longer parses: %s", exc.reason,
                        extra={"library": library.id, "record": record.local_id})
            derived.problems.append(IncomingProblem(record.local_id, exc.reason, stored.ORIGIN,
                                                    record.data, record.format))
            continue
        columns = normalized_columns(normalized)
        if columns == record.fields:
            derived.same.append(record.local_id)
        else:
            derived.changed.append((record.local_id, columns))
    return derived


def _normalized(source: Source, record: StaleRecord) -> NormalizedRecord:
    """The record's fields as the current code derives them; RecordRejected if it cannot."""
    if isinstance(source, LibraryConfig):
        raw = RawRecord(record.local_id, None, False, record.data, record.format, stored.ORIGIN)
        return parse_raw(raw, source)[1]
    try:  # a title's record, made by online.records: MARC 21, its format the package's
        doc_format = Format(record.fields["doc_format"] or Format.ONLINE_RESOURCE)
        marc = record_from_marcxml_bytes(record.data)
        return normalized_title(marc, record.local_id, doc_format)
    except RecordRejected:
        raise
    except Exception as exc:  # as parse_raw: data no rule foresaw waits in quarantine
        log.exception("unexpected failure reading a stored title", extra={
            "source": source.id, "record": record.local_id})
        raise RecordRejected(f"cannot be read ({type(exc).__name__}: {exc})",
                             local_id=record.local_id) from exc


def _now() -> datetime:
    return datetime.now(UTC)
