"""Fuzzing the OAI-PMH page reader with damaged copies of a real ListRecords answer.

The damaged page is served to the connector through an injected transport, and what it
yields goes through the pipeline's parsing: whatever the damage, only catalogue-sync's own
errors come out (a page that is not XML is a SourceProtocolError; a broken record is
quarantined), and the record the damage did not touch is stored as it was.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import CatalogueError
from catalogue_sync.models import Flavour, HarvestRequest, RawRecord
from catalogue_sync.parsing import prepare_page
from connectors.oai_pmh import OaiPmhConnector
from tests.fuzzing import FUZZ, damaged

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oai"
URL = "https://koha.example.org/cgi-bin/koha/oai.pl"
PAGE = (FIXTURES / "list-records-1.xml").read_bytes()
LAST_PAGE = (FIXTURES / "list-records-2.xml").read_bytes()
# The page's two OAI records: 101 with its MARC record, and the deletion of 102.
OAI_RECORDS = [found.span() for found in re.finditer(
    rb"\n    <record>.*?\n    </record>", PAGE, re.DOTALL)]
LIBRARY = LibraryConfig(id="poitiers-fm", name="Médiathèque", flavour=Flavour.UNIMARC,
                        connector=ConnectorConfig(type="oai-pmh", url=URL, max_retries=0,
                                                  granularity="seconds"))


def harvested(page: bytes) -> list[RawRecord] | CatalogueError:
    """The records of the first page as the pipeline stores them, or the harvest's error."""

    def answer(request: httpx.Request) -> httpx.Response:
        last = request.url.params.get("resumptionToken")
        return httpx.Response(200, content=LAST_PAGE if last else page,
                              headers={"Content-Type": "text/xml"})

    async def first_page() -> list[RawRecord]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport) as client:
            pages = OaiPmhConnector(LIBRARY, client).harvest(HarvestRequest(None, None))
            records = list((await anext(pages)).records)
            await pages.aclose()
            return records

    try:
        records = asyncio.run(first_page())
    except CatalogueError as exc:
        return exc
    prepare_page(LIBRARY, records)  # reading, normalizing, quarantining: never raises
    return records


SOUND = harvested(PAGE)


@FUZZ
@given(damaged(PAGE))
def test_fuzz_a_damaged_listrecords_page_raises_only_our_errors(page: bytes) -> None:
    harvested(page)


@FUZZ
@given(st.data())
def test_fuzz_the_record_a_damage_did_not_touch_is_kept(data: st.DataObject) -> None:
    broken = data.draw(st.integers(0, len(OAI_RECORDS) - 1), label="damaged record")
    page = data.draw(damaged(PAGE, *OAI_RECORDS[broken]), label="page")
    records = harvested(page)
    assert isinstance(SOUND, list)
    if isinstance(records, list):  # the page is still XML: the other record is in it, whole
        kept = SOUND[1 - broken]
        assert any((r.local_id, r.deleted, r.data) == (kept.local_id, kept.deleted, kept.data)
                   for r in records)
