"""A meta-test: the normalizer's output for the fixture records cannot change unless
NORMALIZER_VERSION does, since stored records are normalized again only when it does."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc import parse_raw
from catalogue_sync.marc.normalize import normalizer_version
from catalogue_sync.marc.split import split_iso2709
from catalogue_sync.models import Flavour, RawFormat, RawRecord
from tests.renormalizing import bump_normalizer

FIXTURES = Path(__file__).parents[2] / "fixtures"
VERSIONS = FIXTURES / "versions.json"
MARCXML = "{http://www.loc.gov/MARC21/slim}record"


def _library(flavour: Flavour) -> LibraryConfig:
    return LibraryConfig(id=f"meta-{flavour.value}", name="meta", flavour=flavour,
                         connector=ConnectorConfig(type="marc-file", path="meta.mrc"))


def _flavour(path: Path) -> Flavour:
    unimarc = "unimarc" in path.name or path.name.startswith(("niort-", "parth-"))
    return Flavour.UNIMARC if unimarc else Flavour.MARC21


def _raw_records(path: Path) -> Iterator[RawRecord]:
    if path.suffix == ".mrc":
        for offset, data in split_iso2709([path.read_bytes()]):
            yield RawRecord(None, None, False, data, RawFormat.ISO2709, f"{path.name}@{offset}")
        return
    try:
        elements = list(etree.parse(str(path)).iter(MARCXML, "record"))
    except etree.XMLSyntaxError:  # broken on purpose: the reader repairs it
        yield RawRecord(None, None, False, path.read_bytes(), RawFormat.MARCXML, path.name)
        return
    for n, element in enumerate(elements):
        yield RawRecord(None, None, False, etree.tostring(element), RawFormat.MARCXML,
                        f"{path.name}#{n}")


def normalized_output() -> list[dict[str, object]]:
    """What every fixture record normalizes to (or why it is rejected), in a fixed order."""
    paths = sorted([*(FIXTURES / "marc").glob("*.*"), *(FIXTURES / "merge").glob("*.*")])
    output: list[dict[str, object]] = []
    for path in (p for p in paths if p.suffix in (".xml", ".mrc")):
        library = _library(_flavour(path))
        for raw in _raw_records(path):
            try:
                normalized = dataclasses.asdict(parse_raw(raw, library)[1])
            except RecordRejected as exc:
                normalized = {"rejected": exc.reason}
            output.append({"origin": raw.origin, **normalized})
    return output


def digest() -> str:
    text = json.dumps(normalized_output(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_version(kind: str, version: int, current: str, constant: str, *,
                  also: str = "") -> None:
    """Fail, saying what to do, unless ``current`` is the digest recorded for ``version``
    (followed by ``also``, the versions of the code it depends on)."""
    recorded = json.loads(VERSIONS.read_text())[kind]
    where = f"tests/fixtures/versions.json ({kind})"
    label, raised = f"{version}{also}", f"{version + 1}{also}"
    if label not in recorded:
        pytest.fail(f"{constant} is {label} and {where} has no digest for it: if you "
                    f'changed a version on purpose, add "{label}": "{current}"', pytrace=False)
    if recorded[label] != current:
        pytest.fail(f"what the code derives from the fixtures changed, but {constant} is "
                    f"still {version}: stored data would keep the old output for ever. Raise "
                    f'it to {version + 1} and add "{raised}": "{current}" to {where}',
                    pytrace=False)


def test_the_normalizer_output_changes_only_with_its_version() -> None:
    assert len(normalized_output()) > 60  # both flavours, every fixture file
    check_version("normalizer", normalizer_version(), digest(), "NORMALIZER_VERSION")


def test_a_changed_normalizer_changes_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    before = digest()
    bump_normalizer(monkeypatch)
    assert digest() != before
