"""The OAI-PMH 2.0 data provider of the union catalogue: a request's arguments in, XML out.

    provider = OaiProvider(store, network)
    body = provider.answer([("verb", "ListRecords"), ("metadataPrefix", "marcxml")],
                           "https://catalogue.example.org/oai")

Items are the merged records, identified as ``oai:<repository_id>:<merged id>``; every
merged record ever handed out stays listed, tombstones as deleted (deletedRecord
"persistent"). Each member library is a set (setSpec = library id); a merged record that
no longer holds any record of a library is listed as deleted in that library's set. Lists
come in pages of ``page_size`` with stateless resumption tokens (``tokens``).

Every OAI error is an answer (HTTP 200), never an exception. Two things are left to the HTTP
layer, as they are no fault of the harvester's: store failures (StoreError, HTTP 503) and
``RetryLater`` (HTTP 503 with Retry-After, OAI-PMH's flow control), raised while the library
sets catch up with a large merge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from lxml import etree

from catalogue_sync.config import NetworkConfig
from catalogue_sync.export.dc import OAI_DC_NS, OAI_DC_SCHEMA, dc_element
from catalogue_sync.export.marc import MARC_NS, MARC_SCHEMA, marcxml_element, to_marc
from catalogue_sync.export.oai import xml
from catalogue_sync.export.oai.arguments import OaiError, OaiRequest, parse_request
from catalogue_sync.export.oai.tokens import ListQuery, Resumption, decode, encode
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, read_merged
from catalogue_sync.store.oai import (
    SYNC_SPAN,
    Listed,
    Position,
    count_listed,
    earliest_datestamp,
    list_page,
    sets_behind,
    sync_sets,
)

PAGE_SIZE = 100
"""Records (or headers) per page of a list."""
SYNC_BUDGET = 10.0
"""Seconds a request may spend bringing the library sets up to date (see _sync_sets)."""
RETRY_AFTER = 10
"""Seconds a harvester asked to come back (HTTP 503, Retry-After) is told to wait."""
Disseminator = Callable[[MergedRecord], etree._Element]
FORMATS: dict[str, tuple[str, str, Disseminator]] = {
    "marcxml": (MARC_SCHEMA, MARC_NS, lambda merged: marcxml_element(to_marc(merged))),
    "oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS, dc_element),
}
"""metadataPrefix -> (schema, namespace, how a merged record is written in it)."""


def _now() -> datetime:
    return datetime.now(UTC)


class RetryLater(Exception):
    """The answer is not ready: OAI-PMH's flow control, HTTP 503 with Retry-After."""

    def __init__(self, seconds: int, reason: str) -> None:
        self.seconds = seconds
        self.reason = reason
        super().__init__(f"{reason}; retry after {seconds} s")


class OaiProvider:
    """Answers OAI-PMH requests from the store, for the network's union catalogue."""

    def __init__(self, store: Store, network: NetworkConfig, *, page_size: int = PAGE_SIZE,
                 sync_budget: float = SYNC_BUDGET, sync_span: int = SYNC_SPAN,
                 clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.network = network
        self.page_size = page_size
        self.sync_budget = sync_budget
        self.sync_span = sync_span
        self.clock = clock
        self.prefix = f"oai:{network.network.repository_id}:"

    def answer(self, pairs: Sequence[tuple[str, str]], base_url: str) -> bytes:
        """The XML answer to a request given as (name, value) pairs, in the order sent."""
        now = self.clock()
        request: OaiRequest | None = None
        try:
            request = parse_request(pairs)
            body = self._dispatch(request, base_url)
        except OaiError as problem:
            echoed = (_echo(request) if request is not None and problem.echoes_arguments
                      else None)
            return xml.answer(now, base_url, echoed, [xml.error(problem.code, problem.message)])
        return xml.answer(now, base_url, _echo(request), [body])

    def refuse(self, message: str, base_url: str) -> bytes:
        """A badArgument answer for a request that could not even be read (e.g. its body)."""
        return xml.answer(self.clock(), base_url, None, [xml.error("badArgument", message)])

    def _dispatch(self, request: OaiRequest, base_url: str) -> etree._Element:
        verb = request.verb
        if verb == "Identify":
            return self._identify(base_url)
        if verb == "ListMetadataFormats":
            return self._formats(request.get("identifier"))
        if verb == "ListSets":
            return self._sets(request.get("resumptionToken"))
        if verb == "GetRecord":
            return self._get_record(request.get("identifier") or "",
                                    request.get("metadataPrefix") or "")
        return self._list(request)

    # Identify, ListMetadataFormats, ListSets

    def _identify(self, base_url: str) -> etree._Element:
        with self.store.transaction("OAI-PMH Identify") as connection:
            earliest = earliest_datestamp(connection) or self.clock()
        info = self.network.network
        return xml.identify(info.name, base_url, info.admin_email, earliest,
                            info.repository_id, f"{self.prefix}m0123456789ab")

    def _formats(self, identifier: str | None) -> etree._Element:
        if identifier is not None:
            self._merged(identifier)  # idDoesNotExist when there is no such item
        return xml.metadata_formats((prefix, schema, namespace)
                                    for prefix, (schema, namespace, _) in FORMATS.items())

    def _sets(self, token: str | None) -> etree._Element:
        if token is not None:
            raise OaiError("badResumptionToken", "the list of sets comes in one answer; "
                                                 "it has no resumption tokens")
        libraries = sorted(self.network.libraries.values(), key=lambda library: library.id)
        if not libraries:
            raise OaiError("noSetHierarchy", "the network has no member libraries yet")
        return xml.sets((library.id, library.name) for library in libraries)

    # GetRecord

    def _get_record(self, identifier: str, prefix: str) -> etree._Element:
        write = self._format(prefix)
        merged = self._merged(identifier)
        return xml.get_record(self._item(Listed(merged, merged.updated_at, merged.deleted),
                                         write))

    def _merged(self, identifier: str) -> MergedRecord:
        merged_id = identifier.removeprefix(self.prefix)
        found = None
        if identifier.startswith(self.prefix) and 0 < len(merged_id) <= 40:
            with self.store.transaction("OAI-PMH GetRecord") as connection:
                found = read_merged(connection, [merged_id]).get(merged_id)
        if found is None:
            raise OaiError("idDoesNotExist", f"no item {identifier} in this repository "
                                             f"(identifiers look like {self.prefix}m0123456789ab)")
        return found

    @staticmethod
    def _format(prefix: str) -> Disseminator:
        if prefix not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"no metadata format {prefix!r} here "
                                                      f"(formats: {', '.join(FORMATS)})")
        return FORMATS[prefix][2]

    # ListIdentifiers, ListRecords

    def _list(self, request: OaiRequest) -> etree._Element:
        token = request.get("resumptionToken")
        if token is not None:
            resumption = decode(token, request.verb)
            if resumption.query.prefix not in FORMATS:
                raise OaiError("badResumptionToken", "this resumption token names a metadata "
                                                     "format this repository does not have")
            return self._page(resumption.query, resumption.after, resumption.total,
                              resumption.cursor)
        prefix = request.get("metadataPrefix") or ""
        self._format(prefix)
        query = ListQuery(request.verb, prefix, request.get("set"), request.window)
        return self._page(query, None, None, 0)

    def _page(self, query: ListQuery, after: Position | None, total: int | None,
              cursor: int) -> etree._Element:
        if query.library is not None:
            self._sync_sets()
        with self.store.transaction(f"OAI-PMH {query.verb}") as connection:
            if total is None:
                total = count_listed(connection, query.window, query.library)
            page = list_page(connection, query.window, query.library, after,
                             self.page_size + 1)
        if not page:
            raise OaiError("noRecordsMatch", "no records match these arguments")
        more, page = len(page) > self.page_size, page[: self.page_size]
        write = FORMATS[query.prefix][2] if query.verb == "ListRecords" else None
        items = [self._item(listed, write) for listed in page]
        return xml.listing(query.verb, items, self._token(query, page, total, cursor, more))

    def _token(self, query: ListQuery, page: list[Listed], total: int, cursor: int,
               more: bool) -> etree._Element | None:
        """The next page's token; an empty one ends a list of several pages; none when the
        list fits in one page."""
        if not more and cursor == 0:
            return None
        total = max(total, cursor + len(page), 1)  # records may have joined the list since
        last = page[-1]
        value = encode(Resumption(query, Position(last.datestamp, last.merged.id), total,
                                  cursor + len(page))) if more else None
        return xml.resumption_token(value, total, cursor)

    def _item(self, listed: Listed, write: Disseminator | None) -> etree._Element:
        """A header (ListIdentifiers) or a record (write: its metadata format)."""
        merged = listed.merged
        # Deleted items name no set: they are in none any more (see the module doc).
        specs = [] if listed.deleted else _libraries(merged)
        head = xml.header(self.prefix + merged.id, listed.datestamp, specs,
                          deleted=listed.deleted)
        if write is None:
            return head
        return xml.record(head, None if listed.deleted or merged.display is None
                          else write(merged))

    def _sync_sets(self) -> None:
        """Bring the library sets up to date with the merged records, if they changed.

        After a small merge that takes milliseconds. After a first merge of a big catalogue
        it takes a while (half a minute a million records): past ``sync_budget`` seconds,
        the work done so far is kept and the harvester is asked to come back (RetryLater).
        ``catalogue-sync harvest`` and ``merge run`` do it after merging, so that harvesters
        seldom wait.
        """
        if not update_sets(self.store, budget=self.sync_budget, span=self.sync_span):
            raise RetryLater(RETRY_AFTER, "the library sets are being brought up to "
                                          "date after a large merge")


def update_sets(store: Store, *, budget: float | None = None, span: int = SYNC_SPAN) -> bool:
    """Bring the OAI-PMH library sets up to date with the merged records, ``span`` change
    numbers a transaction; False when ``budget`` seconds ran out first (the work done is
    kept)."""
    with store.transaction("reading the OAI-PMH sets") as connection:
        behind = sets_behind(connection)
    started = time.monotonic()
    while behind:
        with store.transaction("updating the OAI-PMH sets", writes=True) as connection:
            behind = sync_sets(connection, span)
        if behind and budget is not None and time.monotonic() - started > budget:
            return False
    return True


def _echo(request: OaiRequest) -> dict[str, str]:
    return {"verb": request.verb, **request.arguments}


def _libraries(merged: MergedRecord) -> list[str]:
    holdings = (merged.display or {}).get("holdings") or []
    return sorted({str(member["library"]) for member in holdings
                   if isinstance(member, dict) and member.get("library")})
