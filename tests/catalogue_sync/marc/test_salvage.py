"""A record that cannot be read is still named in the quarantine when its id can be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc import parse_raw
from catalogue_sync.marc.salvage import readable_id
from catalogue_sync.models import Flavour, RawFormat, RawRecord

FIXTURES = Path(__file__).parents[2] / "fixtures" / "marc"
NOVEL_ISO = (FIXTURES / "novel-marc21.mrc").read_bytes()
NOVEL_XML = (FIXTURES / "novel-marc21.xml").read_bytes()


def library(id_field: str = "001") -> LibraryConfig:
    return LibraryConfig(id="poitiers-fm", name="Médiathèque", flavour=Flavour.MARC21,
                         id_field=id_field, connector=ConnectorConfig(type="marc-file",
                                                                      path="dump.mrc"))


def rejected(data: bytes, raw_format: RawFormat, id_field: str = "001") -> RecordRejected:
    raw = RawRecord(None, None, False, data, raw_format, "dump.mrc#offset=0")
    with pytest.raises(RecordRejected) as caught:
        parse_raw(raw, library(id_field))
    return caught.value


def test_an_iso2709_record_with_bad_utf8_is_named_by_its_001() -> None:
    at = NOVEL_ISO.index("étranger".encode())
    damaged = NOVEL_ISO[:at] + b"\xff" + NOVEL_ISO[at + 1:]
    error = rejected(damaged, RawFormat.ISO2709)
    assert "not valid UTF-8 in field 245" in error.reason
    assert error.local_id == "000123456"


def test_an_iso2709_record_with_nul_bytes_is_named_by_its_001() -> None:
    at = NOVEL_ISO.index("étranger".encode())
    damaged = NOVEL_ISO[:at] + b"\x00" * 40 + NOVEL_ISO[at + 40:]  # over 245 and on
    error = rejected(damaged, RawFormat.ISO2709)
    assert "NUL" in error.reason and error.local_id == "000123456"


def test_a_marcxml_record_that_is_not_well_formed_is_named_by_its_001() -> None:
    damaged = NOVEL_XML.replace(b"</subfield>", b"</subfeld>", 1)
    error = rejected(damaged, RawFormat.MARCXML)
    assert "not well-formed" in error.reason and error.local_id == "000123456"


def test_the_librarys_id_field_names_the_record_when_it_is_a_subfield() -> None:
    damaged = NOVEL_XML.replace(b"</datafield>", b"<datafield tag=\"999\" ind1=\" \" ind2=\" \">"
                                b"<subfield code=\"a\">x</subfield><subfield code=\"c\">4242"
                                b"</subfield></datafield></datafeld>", 1)
    assert rejected(damaged, RawFormat.MARCXML, "999$c").local_id == "4242"


@pytest.mark.parametrize("data", [b"", b"0000", b"garbage" * 10, NOVEL_ISO[:30],
                                  NOVEL_ISO[:24] + b"001abcdefghij"])
def test_nothing_is_guessed_from_bytes_that_do_not_hold_the_field(data: bytes) -> None:
    assert readable_id(data, RawFormat.ISO2709) is None
    assert readable_id(data, RawFormat.MARCXML) is None
