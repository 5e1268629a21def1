"""Works and manifestations of the generated catalogue, with their truth labels.

The catalogue is split into pools (general collections, games, documentation). A pool is a
sequence of groups of three manifestation slots; a group belongs to one *family* (a novel in
three editions, a novel and its film, three volumes of a series...), so related and confusable
manifestations sit side by side and libraries that draw different slots overlap on works
without holding the same manifestation.

A work's identity is the key it is built from (family, title, author...), so two groups that
happen to draw the same title and author share one work: the truth labels never call two
records "different works" when nothing but their editions differs.

Everything is a pure function of (seed, pool, group): nothing is stored, groups are cached.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum

from catalogue_sync.models import Format
from services.sandbox.vocabulary import Publisher

MASK = (1 << 64) - 1
SLOTS = 3


def mix(*values: int) -> int:
    """A 64-bit hash of integers (splitmix-style), stable across runs and platforms."""
    h = 0x243F6A8885A308D3
    for value in values:
        h = ((h ^ (value & MASK)) * 0x9E3779B97F4A7C15) & MASK
        h ^= h >> 29
        h = (h * 0xBF58476D1CE4E5B9) & MASK
        h ^= h >> 32
    return h


def text_code(text: str) -> int:
    """A stable integer for a string (``hash()`` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


class Pool(StrEnum):
    """A part of the catalogue that libraries draw from in different proportions."""

    GENERAL = "general"
    GAMES = "games"
    DOCS = "docs"


POOL_CODES = {Pool.GENERAL: "g", Pool.GAMES: "j", Pool.DOCS: "d"}

# Family weights per pool (per mille-ish; only ratios matter).
FAMILIES: dict[Pool, tuple[tuple[str, int], ...]] = {
    Pool.GENERAL: (("novel", 30), ("adaptation", 9), ("comics", 14), ("youth", 8),
                   ("homonyms", 8), ("music", 10), ("documentary", 12), ("film", 9)),
    Pool.GAMES: (("board-game", 60), ("video-game", 40)),
    Pool.DOCS: (("essay", 55), ("periodical", 25), ("map", 20)),
}

_B, _V, _M = Format.BOOK, Format.VIDEO, Format.MUSIC
# The formats each slot of a family can take; the first is used unless a hash picks another.
SLOT_FORMATS: dict[str, tuple[tuple[Format, ...], ...]] = {
    "novel": ((_B,), (_B,), (Format.LARGE_PRINT, Format.AUDIOBOOK, Format.EBOOK)),
    "adaptation": ((_B,), (_B,), (_V,)),
    "comics": ((_B,), (_B,), (_B,)),
    "youth": ((_B,), (_B,), (_B,)),
    "homonyms": ((_B,), (_B, Format.EBOOK), (_B,)),
    "music": ((_M,), (_M,), (Format.SCORE,)),
    "documentary": ((_B,), (_B,), (Format.EBOOK, _B)),
    "film": ((_V,), (_V,), (_M,)),
    "board-game": ((Format.BOARD_GAME,),) * 3,
    "video-game": ((Format.VIDEO_GAME,),) * 3,
    "essay": ((_B,), (_B,), (Format.EBOOK, _B)),
    "periodical": ((Format.PERIODICAL,),) * 3,
    "map": ((Format.MAP,),) * 3,
}

SETS: dict[str, str] = {
    "livres": "Livres imprimés",
    "livres-numeriques": "Livres numériques",
    "livres-audio": "Livres audio",
    "films": "Films (DVD et Blu-ray)",
    "musique": "Musique (disques et partitions)",
    "periodiques": "Périodiques",
    "cartes": "Cartes",
    "jeux": "Jeux de société et jeux vidéo",
}
FORMAT_SETS: dict[Format, tuple[str, ...]] = {
    Format.BOOK: ("livres",), Format.LARGE_PRINT: ("livres",),
    Format.EBOOK: ("livres", "livres-numeriques"), Format.AUDIOBOOK: ("livres-audio",),
    Format.VIDEO: ("films",), Format.MUSIC: ("musique",), Format.SCORE: ("musique",),
    Format.PERIODICAL: ("periodiques",), Format.MAP: ("cartes",),
    Format.BOARD_GAME: ("jeux",), Format.VIDEO_GAME: ("jeux",), Format.OTHER: (),
}


@dataclass(frozen=True, slots=True)
class Person:
    """A creator or contributor; ``dates`` only for people with an authority record."""

    surname: str
    forename: str
    dates: str | None = None
    role: str = "author"


@dataclass(frozen=True, slots=True)
class Work:
    """An intellectual creation; all its manifestations share its id."""

    id: str
    family: str
    title: str
    subtitle: str | None
    creators: tuple[Person, ...]
    subjects: tuple[tuple[str, ...], ...]
    year: int
    audience: str = "adult"
    part: int | None = None
    part_title: str | None = None
    series: str | None = None
    dewey: str | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class Manifestation:
    """One edition in one format (the thing an ISBN or EAN identifies)."""

    id: str
    work: Work
    format: Format
    publisher: Publisher
    year: int
    extent: int
    """Pages for printed things, minutes for recordings, pieces for games."""
    isbn: str | None = None
    ean: str | None = None
    issn: str | None = None
    edition: str | None = None
    collection: tuple[str, str] | None = None
    bnf: str | None = None
    contributors: tuple[Person, ...] = ()
    carrier: str | None = None
    """DVD, Blu-ray, CD, a game console..."""


@dataclass(frozen=True, slots=True)
class Relation:
    """Works a matcher must keep apart although they look alike (truth for hard negatives)."""

    kind: str
    """adaptation (a novel and its film), homonym (same title, other author), series
    (volumes), sequel, extension (of a game), soundtrack, or similar-title (periodicals)."""
    work_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """The three manifestation slots of one family."""

    manifestations: tuple[Manifestation, ...]
    relations: tuple[Relation, ...]


def family_of(seed: int, pool: Pool, group: int) -> str:
    """Which family a group belongs to (a pure hash, so indexing sets needs no generation)."""
    families = FAMILIES[pool]
    total = sum(weight for _, weight in families)
    point = mix(seed, text_code(pool), group, 1) % total
    for name, weight in families:
        if point < weight:
            return name
        point -= weight
    raise AssertionError("weights exhausted")


def slot_format(seed: int, pool: Pool, group: int, slot: int) -> Format:
    """The format of one slot, decided by hashes only."""
    choices = SLOT_FORMATS[family_of(seed, pool, group)][slot]
    return choices[mix(seed, text_code(pool), group, slot, 2) % len(choices)]


def manifestation_id(pool: Pool, group: int, slot: int) -> str:
    """The truth id of a manifestation, e.g. ``m-g000123-2``."""
    return f"m-{POOL_CODES[pool]}{group:06d}-{slot}"
