"""The SRU server of the union catalogue: a request's parameters in, XML out.

    service = SruService(store, network, searcher)
    body = service.answer([("query", 'dc.title = "la peste"')], "https://h/sru")

A searchRetrieve runs the CQL query (``catalogue_sync.cql``) on the full-text index, then
reads the merged records found from the store, so each is sent as it is now, with its
latest datestamp. Whatever goes wrong is a diagnostic in the answer, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml import etree

from catalogue_sync.config import NetworkConfig
from catalogue_sync.cql import CqlError, parse
from catalogue_sync.errors import CatalogueError, InvalidRequest
from catalogue_sync.export.dc import dc_element
from catalogue_sync.export.marc import marcxml_element, to_marc
from catalogue_sync.export.sru.explain import explain_record
from catalogue_sync.export.sru.request import (
    SCHEMA_URIS,
    SruDiagnostic,
    SruRequest,
    answer_version,
    parse_request,
)
from catalogue_sync.export.sru.xml import SruRecord, Writer
from catalogue_sync.index.query import Query, SearchRequest, SearchResult
from catalogue_sync.index.searcher import MAX_OFFSET, Searcher
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, read_merged

log = logging.getLogger(__name__)


class SruService:
    """Answers SRU explain and searchRetrieve requests."""

    def __init__(self, store: Store, network: NetworkConfig, searcher: Searcher | None
                 ) -> None:
        self.store = store
        self.network = network
        self.searcher = searcher

    def answer(self, pairs: Sequence[tuple[str, str]], base_url: str) -> bytes:
        writer = Writer(answer_version(pairs))
        try:
            request = parse_request(pairs)
            if request.operation == "explain":
                record = explain_record(base_url, self.network.network.name, request.version)
                return writer.explain(record)
            return self._search(writer, request)
        except SruDiagnostic as diagnostic:
            return writer.failure([diagnostic])

    def refuse(self, pairs: Sequence[tuple[str, str]], message: str) -> bytes:
        """A request whose parameters could not even be read (e.g. its body)."""
        return Writer(answer_version(pairs)).failure([SruDiagnostic(6, message)])

    def _search(self, writer: Writer, request: SruRequest) -> bytes:
        query = _query(request.query)
        if request.start - 1 > MAX_OFFSET:
            raise SruDiagnostic(61, f"records are sent up to position {MAX_OFFSET + 1}; "
                                    "narrow the search", details=str(request.start))
        result = self._run(SearchRequest(query=query, offset=request.start - 1,
                                         limit=request.maximum, facets=False))
        if result.total and request.start > result.total:
            out_of_range = SruDiagnostic(61, f"the search found {result.total} records; "
                                             f"startRecord is {request.start}",
                                         details=str(request.start))
            return writer.search(result.total, [], request.start, None, [out_of_range])
        records = self._records([hit.id for hit in result.hits], request.schema, writer)
        last = request.start - 1 + len(records)
        more = last < result.total and last < MAX_OFFSET + 1 and bool(records)
        return writer.search(result.total, records, request.start, last + 1 if more else None)

    def _run(self, search: SearchRequest) -> SearchResult:
        if self.searcher is None:
            raise SruDiagnostic(1, "this server has no search index")
        try:
            return self.searcher.search(search)
        except InvalidRequest as error:
            raise SruDiagnostic(47, str(error)) from error
        except CatalogueError as error:
            log.error("SRU search failed: %s", error)
            raise SruDiagnostic(1, "the search index cannot be read now; try again later"
                                ) from error

    def _records(self, ids: list[str], schema: str, writer: Writer) -> list[SruRecord]:
        """The records found, as they are now; a surrogate diagnostic for one gone since
        it was indexed (the index catches up after each merge)."""
        with self.store.transaction("SRU searchRetrieve") as connection:
            found = read_merged(connection, ids)
        records = []
        for merged_id in ids:
            merged = found.get(merged_id)
            if merged is None or merged.deleted or merged.display is None:
                gone = SruDiagnostic(65, f"record {merged_id} no longer exists",
                                     details=merged_id)
                records.append(writer.diagnostic_record(gone))
            else:
                records.append(SruRecord(SCHEMA_URIS[schema], _data(merged, schema)))
        return records


def _query(text: str) -> Query:
    try:
        return parse(text)
    except CqlError as error:
        raise SruDiagnostic(error.diagnostic, str(error), error.details) from error


def _data(merged: MergedRecord, schema: str) -> etree._Element:
    if schema == "dc":
        return dc_element(merged)
    return marcxml_element(to_marc(merged))
