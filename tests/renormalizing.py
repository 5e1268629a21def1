"""A new version of the normalizer, for the tests of renormalizing: it adds a mark to some
titles, as a fix of the title rules would change some records and leave the others."""

from __future__ import annotations

import importlib
import zlib
from typing import Any

import pytest

from catalogue_sync.models import NormalizedRecord

MARK = " (v2)"
normalize_module = importlib.import_module("catalogue_sync.marc.normalize")
# Where the normalizer is called: a library's records, and a vendor package's titles.
parse_module = importlib.import_module("catalogue_sync.marc.parse")
online_module = importlib.import_module("catalogue_sync.online.records")


def touched(normalized: NormalizedRecord) -> bool:
    """Whether the new version changes this record: about a third of the records."""
    return zlib.crc32((normalized.title or "").encode()) % 3 == 0


def bump_normalizer(monkeypatch: pytest.MonkeyPatch, version: int = 2) -> None:
    """Install version ``version``: NORMALIZER_VERSION raised, and the touched records'
    titles marked."""
    original = normalize_module.normalize

    def normalize_again(*args: Any, **kwargs: Any) -> NormalizedRecord:
        normalized: NormalizedRecord = original(*args, **kwargs)
        if touched(normalized):
            normalized.title = f"{normalized.title}{MARK}"
        return normalized

    monkeypatch.setattr(normalize_module, "NORMALIZER_VERSION", version)
    monkeypatch.setattr(parse_module, "normalize", normalize_again)
    monkeypatch.setattr(online_module, "normalize", normalize_again)
