"""A library's settings that the normalizer reads are exactly those its records carry the
digest of (``config.NormalizerSettings``): a change to one of them makes the records stale,
a change to any other setting leaves them current."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from catalogue_sync.config import (
    ConnectorConfig,
    HoldingsMapping,
    LibraryConfig,
    NormalizerSettings,
)
from catalogue_sync.marc import parse_raw
from catalogue_sync.models import Flavour, RawFormat, RawRecord
from catalogue_sync.store.records import is_stale

FIXTURES = Path(__file__).parents[1] / "fixtures" / "marc"
READ: set[str] = set()
"""The fields of a ``Watched`` library read since the last clear."""


class Watched(LibraryConfig):
    """A library that notes which of its fields are read."""

    def __getattribute__(self, name: str) -> Any:
        if name in LibraryConfig.model_fields:
            READ.add(name)
        return super().__getattribute__(name)


def library(cls: type[LibraryConfig] = LibraryConfig, **settings: Any) -> LibraryConfig:
    table: dict[str, Any] = {"name": "Médiathèque", "flavour": Flavour.UNIMARC,
                             "connector": ConnectorConfig(type="marc-file", path="dump.mrc"),
                             **settings}
    return cls(id="poitiers-fm", **table)


def raw(name: str) -> RawRecord:
    kind = RawFormat.MARCXML if name.endswith(".xml") else RawFormat.ISO2709
    return RawRecord(None, None, False, (FIXTURES / name).read_bytes(), kind, name)


def test_parsing_reads_of_a_library_only_the_settings_its_records_carry_the_digest_of(
        ) -> None:
    read: set[str] = set()
    # Both serializations: ISO 2709 alone reads the encoding.
    for name in ("koha-unimarc.mrc", "koha-unimarc.xml"):
        watched = library(Watched, holdings=HoldingsMapping(preset="koha-unimarc"))
        READ.clear()
        parse_raw(raw(name), watched)
        read |= READ
    assert read == {item.name for item in fields(NormalizerSettings)}


@pytest.mark.parametrize("change", [
    {"flavour": Flavour.MARC21},
    {"encoding": "marc-8"},
    {"id_field": "999$c"},
    {"holdings": HoldingsMapping(call_number="f")},
    {"holdings": HoldingsMapping(preset="koha-marc21")},
    {"holdings": HoldingsMapping(available_status=["0", "1"])},
], ids=str)
def test_a_change_of_a_setting_the_normalizer_reads_changes_the_digest(
        change: dict[str, Any]) -> None:
    assert (library(**change).normalizer_settings.digest
            != library().normalizer_settings.digest)


@pytest.mark.parametrize("change", [
    {"name": "Autre nom"},
    {"schedule": "every 6h"},
    {"contact": "accueil@autre.example"},
    {"opac_url": "https://opac.example.fr/{record}"},
    {"enabled": False},
    {"connector": ConnectorConfig(type="oai-pmh", url="https://ils.example.fr/oai")},
    # The default preset named, or one of its subfields spelled out: the same items.
    {"holdings": HoldingsMapping(preset="koha-unimarc")},
    {"holdings": HoldingsMapping(call_number="k")},
], ids=str)
def test_a_change_of_any_other_setting_keeps_the_digest(change: dict[str, Any]) -> None:
    assert library(**change).normalizer_settings.digest == library().normalizer_settings.digest


def test_the_digest_is_the_same_in_every_process_and_release() -> None:
    # Stored with each record: a digest that moved (hash seeds, another serialization)
    # would make every stored record stale.
    assert library().normalizer_settings.digest == "f9e690af1ddfc718"


def test_an_older_version_never_takes_records_back_and_settings_have_no_order() -> None:
    assert is_stale(1, "a", 2, "a") and is_stale(1, "b", 2, "a")
    assert not is_stale(2, "b", 1, "a")  # a worker not yet upgraded, with other settings
    assert is_stale(2, "b", 2, "a") and is_stale(2, "a", 2, "b")
    assert not is_stale(2, "a", 2, "a")
