"""The things catalogue-sync handles, named as librarians name them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Flavour(StrEnum):
    """The MARC format a library catalogues in."""

    MARC21 = "marc21"
    UNIMARC = "unimarc"


class LibraryKind(StrEnum):
    MUNICIPAL = "municipal"
    INTERCOMMUNAL = "intercommunal"
    DEPARTMENTAL = "departmental"
    GAME_LIBRARY = "game-library"
    DOCUMENTATION_CENTRE = "documentation-centre"


class RawFormat(StrEnum):
    """How a raw record is serialized."""

    MARCXML = "marcxml"
    ISO2709 = "iso2709"
    KBART = "kbart"  # a line of a vendor's title list (catalogue_sync.kbart), in quarantine


class Format(StrEnum):
    """The document type a patron would recognise."""

    BOOK = "book"
    LARGE_PRINT = "large-print"
    EBOOK = "e-book"
    AUDIOBOOK = "audiobook"
    VIDEO = "dvd-bluray"
    MUSIC = "music-cd"
    SCORE = "score"
    PERIODICAL = "periodical"
    MAP = "map"
    BOARD_GAME = "board-game"
    VIDEO_GAME = "video-game"
    # Titles of the network's digital offer (catalogue_sync.online): a format of their own,
    # so that they never merge with a print or disc edition, only link to it as one work.
    ONLINE_PERIODICAL = "online-periodical"
    ONLINE_VIDEO = "online-video"
    ONLINE_MUSIC = "online-music"
    ONLINE_RESOURCE = "online-resource"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a connector received it, before any parsing.

    ``local_id`` is the source's own identifier when the protocol gives one (the OAI-PMH
    header identifier); ``None`` means it is read from the record itself. ``data`` is kept
    byte for byte; it is empty for a deletion. ``origin`` says where the record came from
    (URL and token, or file and offset) so a quarantined record can be traced. ``damage``
    says why the connector could not cut a sound record out of its source (an OAI-PMH
    ``<record>`` without header, a MARCXML record that is not well-formed): ``data`` then
    holds what it could cut, and the record goes to quarantine with that reason.
    """

    local_id: str | None
    datestamp: datetime | None
    deleted: bool
    data: bytes
    format: RawFormat
    origin: str
    damage: str | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a harvest stands after a page has been stored.

    ``resume`` is the connector's own JSON-able state to continue an interrupted harvest
    right after this page (``None`` once the list is complete). ``next_since`` is the
    high-water mark the next incremental harvest starts from, once this one completes.
    """

    resume: dict[str, Any] | None
    next_since: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """A batch of raw records and the cursor to save once they are stored.

    ``expected_total`` is the source's own count of the whole list when it gives one
    (OAI-PMH completeListSize), for progress bars.
    """

    records: list[RawRecord]
    cursor: Cursor
    expected_total: int | None = None


@dataclass(frozen=True, slots=True)
class HarvestRequest:
    """What the pipeline asks a connector for.

    ``since`` is the high-water mark of the last successful harvest (``None``: everything);
    ``resume`` the saved state of an interrupted harvest to continue.
    """

    since: str | None
    resume: dict[str, Any] | None
    full: bool = False


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What ``library check`` reports about a source."""

    summary: dict[str, str]
    formats: list[str]
    sample: RawRecord | None


@dataclass(frozen=True, slots=True)
class Item:
    """One copy held by a library (from the record's holdings fields)."""

    barcode: str | None = None
    call_number: str | None = None
    location: str | None = None
    status: str = "available"
    doc_type: str | None = None
    due_date: str | None = None
    branch: str | None = None
    """The branch (site) that owns the copy, e.g. Koha's home branch."""


@dataclass(slots=True)
class NormalizedRecord:
    """The fields later steps (merge, index, search) need, read from one MARC record."""

    local_id: str | None = None
    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    isbns: list[str] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)
    other_ids: list[str] = field(default_factory=list)
    format: Format = Format.OTHER
    language: str | None = None
    publisher: str | None = None
    pages: int | None = None
    subjects: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """A record that could not be used, kept with its raw bytes and the reason."""

    id: int
    library: str
    local_id: str | None
    reason: str
    origin: str
    data: bytes
    format: RawFormat
    created_at: datetime
