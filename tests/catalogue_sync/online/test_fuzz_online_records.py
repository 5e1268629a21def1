"""Fuzzing the import of online resources' records with damaged and generated KBART lists.

Every title the KBART reader lets through is made a record the store can take (MARC 21 as
MARCXML, and its normalized fields) whatever its values hold: a title no rule foresaw would
otherwise wait in quarantine with a traceback in the log (``online.importing``). The budget
is fixed (tests/fuzzing.py); ``make fuzz`` runs a long one.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.errors import SourceProtocolError
from catalogue_sync.kbart import read_kbart
from catalogue_sync.marc.read import record_from_marcxml_bytes
from catalogue_sync.models import Format
from catalogue_sync.online.records import incoming
from tests.catalogue_sync.test_fuzz_kbart import HEADER, LISTS, rows
from tests.fuzzing import FUZZ, damaged

FORMATS = [Format.EBOOK, Format.ONLINE_PERIODICAL, Format.ONLINE_VIDEO, Format.ONLINE_MUSIC]


def imported(data: bytes) -> None:
    """Every title of the list made a record, which reads back as MARCXML with its id."""
    try:
        found = read_kbart(data, "fuzz.txt")
    except SourceProtocolError:
        return
    for title in found.titles:
        for doc_format in FORMATS:
            record = incoming("lirenligne.romans", title, doc_format)
            assert record.local_id == title.title_id
            assert record_from_marcxml_bytes(record.data)["001"].data == title.title_id


@FUZZ
@given(st.sampled_from(LISTS).flatmap(damaged))
def test_fuzz_every_title_of_a_damaged_list_is_made_a_record(data: bytes) -> None:
    imported(data)


@FUZZ
@given(st.lists(rows(), min_size=1, max_size=4))
def test_fuzz_every_generated_title_is_made_a_record(lines: list[bytes]) -> None:
    imported(b"\n".join([HEADER, *lines]))
