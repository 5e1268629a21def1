"""What goes into the record store and what comes back out of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from catalogue_sync.marc.normalize import normalizer_version
from catalogue_sync.models import NormalizedRecord, RawFormat


class RunStatus(StrEnum):
    """Where a harvest run stands."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One parsed record the pipeline hands over for storage.

    ``data`` is the raw record, byte for byte (``b""`` for a deletion). ``normalized`` is
    ``None`` for a deletion: the store then keeps the last known fields and raw data, as a
    tombstone. ``normalizer_version`` is that of the code that derived ``normalized``: the
    process's own, made where the record is; ``settings_digest`` that of the library's
    settings it was derived with (``NormalizerSettings.digest``; empty for a vendor
    package's titles, which no setting derives).
    """

    local_id: str
    datestamp: datetime | None
    deleted: bool
    data: bytes
    format: RawFormat
    normalized: NormalizedRecord | None
    normalizer_version: int = field(default_factory=normalizer_version)
    settings_digest: str = ""


@dataclass(frozen=True, slots=True)
class IncomingProblem:
    """A record that could not be parsed: it goes to quarantine with its raw bytes."""

    local_id: str | None
    reason: str
    origin: str
    data: bytes
    format: RawFormat


@dataclass(slots=True)
class PageCounts:
    """What storing one page (or a whole run) did.

    ``added`` counts records new to the live catalogue, including deleted ones that
    reappear; ``deleted`` counts deletions recorded, including tombstones for records never
    seen before.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0

    def __add__(self, other: PageCounts) -> PageCounts:
        return PageCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                             for f in fields(self)})

    def merge(self, other: PageCounts) -> None:
        """Add ``other`` into these counts, in place."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PageCounts:
        """Counts read back from JSON; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: int(value) for key, value in (data or {}).items() if key in known})


@dataclass(frozen=True, slots=True)
class HarvestState:
    """Where one library's harvests stand.

    ``since`` is the high-water mark of the last successful harvest; ``resume`` and
    ``run_id`` are the cursor and run of an interrupted harvest, to be continued.
    """

    library: str
    since: str | None
    resume: dict[str, Any] | None
    run_id: int | None
    last_harvest: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class LibraryStatus:
    """One library's numbers, for `catalogue-sync status` and the dashboard."""

    id: str
    records: int
    deleted: int
    quarantined: int
    last_harvest: datetime | None
    last_error: str | None
    last_run_status: RunStatus | None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One library's record as stored: raw bytes, normalized fields and change tracking."""

    library: str
    local_id: str
    datestamp: datetime | None
    deleted: bool
    data: bytes
    format: RawFormat
    normalized: NormalizedRecord
    checksum: str
    change_seq: int
    harvested_at: datetime
    normalizer_version: int = 0
    """The version of the normalizer that derived ``normalized``."""
    settings_digest: str = ""
    """The digest of the library's settings it was derived with (empty: not known)."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One harvest run, for history and the dashboard.

    A run interrupted and then resumed keeps its id, so ``counts`` covers every process
    that worked on it.
    """

    id: int
    library: str
    mode: str
    status: RunStatus
    started: datetime
    finished: datetime | None
    counts: PageCounts
    error: str | None
