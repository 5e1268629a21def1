"""Normalizing stored records again when the normalizer or a library's settings change
(RecordManager's renormalize).

Every source record carries the ``NORMALIZER_VERSION`` that derived its fields and the
digest of the library's settings it was derived with (``config.NormalizerSettings``: its
flavour, encoding, id_field and holdings mapping). After an upgrade that raises the
version, or a change of those settings in network.toml, ``renormalize`` reads a library's
records derived otherwise (``store.records.is_stale``), a batch at a time in local id
order, parses their stored raw bytes again as the library catalogues them, and in one
transaction per batch:

- rewrites the fields that came out different, with a new change number: the next
  incremental merge re-merges those records, and only those, and the index follows;
- stamps the new version and settings on records whose fields came out the same (nothing downstream
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
from collections.abc import Callable, Iterable
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
from catalogue_sync.store.renormalizing import Derivation, StaleRecord

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
    digest: str
    """The digest of the library's normalizer settings its records now carry."""
    counts: RenormalizeCounts = field(default_factory=RenormalizeCounts)
    resumed: bool = False
    """It continued a run that was interrupted."""
    complete: bool = True
    """False when it was asked to stop (``should_stop``) before its last batch."""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class StaleCount:
    """A library's records an older normalizer, or other settings of it, derived."""

    library: str
    stale: int
    """Renormalizing would read them: ``records renormalize`` brings them up to date."""
    unreadable: int
    """Renormalizing found they no longer parse: they wait in quarantine."""
    settings: int = 0
    """Of ``stale``, those this normalizer derived with other settings of the library."""


Progress = Callable[[str, RenormalizeCounts], None]
Source = LibraryConfig | OnlineSource
"""What stored records come from: a member library, or a vendor package (its KBART titles,
stored as MARC 21 records made by ``online.records``)."""


def sources(network: NetworkConfig) -> dict[str, Source]:
    """Every source network.toml declares, by id: the libraries, then the packages."""
    return {**network.libraries, **online_sources(network)}


def derivation(source: Source) -> Derivation:
    """What the source's records are derived with now: this normalizer, and a library's
    normalizer settings (a package's titles are derived by code alone)."""
    digest = source.normalizer_settings.digest if isinstance(source, LibraryConfig) else ""
    return Derivation(normalizer_version(), digest)


def stale_counts(store: Store, libraries: Iterable[Source]) -> list[StaleCount]:
    """For each source given, in that order, its records the code or settings running now
    would not derive as stored."""
    now = {library.id: derivation(library) for library in libraries}
    with store.transaction("counting records derived otherwise") as connection:
        tallies = stored.count_stale(connection, now)
    return [StaleCount(library, tally.stale, tally.unreadable, tally.settings)
            for library, tally in ((library, tallies.get(library, stored.StaleTally()))
                                   for library in now)]


def renormalize(store: Store, library: Source, *, batch: int = BATCH,
                progress: Progress | None = None,
                should_stop: Callable[[], bool] | None = None) -> RenormalizeOutcome:
    """Bring every record of ``library`` to the current normalizer and settings (see the
    module doc)."""
    started = time.monotonic()
    now = derivation(library)
    outcome = RenormalizeOutcome(library.id, now.version, now.digest)
    after = _start(store, outcome)
    while not (should_stop and should_stop()):
        with store.transaction(f"[{library.id}] reading records to renormalize") as connection:
            records = stored.read_stale(connection, library.id, now, after, batch)
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
                    "settings": outcome.digest, **outcome.counts.as_dict(),
                    "seconds": round(outcome.seconds, 1)})
    return outcome


def _start(store: Store, outcome: RenormalizeOutcome) -> str:
    """The cursor to go on from: an interrupted run's to this version and settings (those
    it did are derived with them), else the start."""
    to = Derivation(outcome.version, outcome.digest)
    with store.transaction(f"[{outcome.library}] starting to renormalize",
                           writes=True) as connection:
        cursor = stored.read_cursor(connection, outcome.library)
        if cursor and Derivation(cursor.version, cursor.digest) == to and not cursor.finished:
            outcome.resumed = True
            outcome.counts = RenormalizeCounts.from_dict(cursor.counts)
            return cursor.after
        stored.start_cursor(connection, outcome.library, to, RenormalizeCounts().as_dict(),
                            _now())
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
        stored.rewrite(connection, library.id, first_seq,
                       Derivation(outcome.version, outcome.digest), changed)
        set_versions(connection, library.id,
                     [(local_id, outcome.version, outcome.digest) for local_id in derived.same
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
