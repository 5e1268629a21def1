"""The merge tests' records: real MARC files under tests/fixtures/merge, read as harvested.

A file's name starts with its library: ``fm`` and ``chat`` catalogue in MARC 21, ``niort``
and ``parth`` in UNIMARC (see tests/fixtures/merge/make_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.marc import parse_raw
from catalogue_sync.merge import MatchKeys, match_keys
from catalogue_sync.models import Flavour, NormalizedRecord, RawFormat, RawRecord

FIXTURES = Path(__file__).parents[2] / "fixtures" / "merge"
FLAVOURS = {"fm": Flavour.MARC21, "chat": Flavour.MARC21, "niort": Flavour.UNIMARC,
            "parth": Flavour.UNIMARC}
RECORD_FILES = sorted(path.name for path in FIXTURES.iterdir() if path.suffix in (".xml", ".mrc"))


def library_of(name: str) -> str:
    return name.split("-", 1)[0]


@cache
def _library(library: str) -> LibraryConfig:
    return LibraryConfig(id=library, name=library, flavour=FLAVOURS[library],
                         connector=ConnectorConfig(type="marc-file", path=f"{library}.mrc"))


def read_record(name: str) -> NormalizedRecord:
    """The normalized record of one fixture file, through the harvest's own parser."""
    path = FIXTURES / name
    kind = RawFormat.MARCXML if path.suffix == ".xml" else RawFormat.ISO2709
    raw = RawRecord(None, None, False, path.read_bytes(), kind, name)
    return parse_raw(raw, _library(library_of(name)))[1]


def read_keys(name: str, blocklist: frozenset[str] = frozenset()) -> MatchKeys:
    """The match keys of one fixture file, for the library its name starts with."""
    return match_keys(library_of(name), read_record(name), blocklist)


@pytest.fixture(scope="session")
def record() -> Callable[[str], NormalizedRecord]:
    """record("fm-etranger-folio.xml") -> its NormalizedRecord."""
    return cache(read_record)


@pytest.fixture(scope="session")
def keys() -> Callable[..., MatchKeys]:
    """keys("fm-etranger-folio.xml", blocklist=...) -> its MatchKeys."""
    return cache(read_keys)


@pytest.fixture(scope="session")
def catalogue(keys: Callable[..., MatchKeys]) -> dict[str, MatchKeys]:
    """Every fixture record's keys, by file name."""
    return {name: keys(name) for name in RECORD_FILES}
