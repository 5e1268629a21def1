"""The OAI-PMH 2.0 connector: incremental, resumable harvesting of MARCXML records.

Sickle's response model is used over an injected ``httpx.AsyncClient``, because
Sickle alone retries nothing but 503, truncates responses over about 10 MB (lxml's default
limit) and raises on noRecordsMatch. Here:

- every request is retried with exponential backoff on timeouts, connection errors, 429 and
  5xx, honouring Retry-After;
- OAI errors sent with an HTTP 4xx status are still read as OAI errors;
- characters that XML forbids are removed (and counted in the log) before parsing;
- an answer that some records keep from being well-formed is read without them, and they
  go to quarantine; an answer broken elsewhere (cut short) is retried;
- noRecordsMatch is an empty list, badResumptionToken restarts the list a bounded number
  of times, and a token the server already sent stops the harvest instead of looping.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import httpx
from lxml import etree
from sickle.response import OAIResponse

from catalogue_sync.errors import SourceProtocolError, SourceUnavailable
from catalogue_sync.marc.read import repair_xml
from catalogue_sync.marc.xmlsplit import DamagedXml
from catalogue_sync.models import Cursor, HarvestRequest, Page, RawRecord, SourceInfo
from connectors.base import BaseConnector, ConnectorOptions
from connectors.oai_records import OAI_NS, damaged_record, records_of, recovered_page

log = logging.getLogger(__name__)

CHECK_RETRIES = 1
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# huge_tree lifts lxml's 10 MB text-node limit: a page of large records is legitimate.
XML_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


class OaiPmhOptions(ConnectorOptions):
    """``[libraries.ID.connector]`` options of the oai-pmh connector."""

    url: str
    metadata_prefix: str = "marcxml"
    set: str | None = None
    username: str | None = None
    password_env: str | None = None
    """Environment variable holding the HTTP basic-auth password."""
    granularity: Literal["auto", "day", "seconds"] = "auto"
    """'auto' reads it from Identify; force it for servers that misreport it."""
    timeout: float = 60.0
    max_retries: int = 6
    backoff: float = 2.0
    """First retry delay in seconds; doubled at each retry, capped by max_backoff."""
    max_backoff: float = 300.0
    max_token_restarts: int = 2
    """How many times an expired (bad) resumption token restarts the list before giving up."""


class _BadResumptionToken(Exception):
    """The server no longer accepts a resumption token."""


class _Response(OAIResponse):  # type: ignore[misc]
    """Sickle's response model, parsed once, after repair, without lxml's size limit."""

    def __init__(self, http_response: httpx.Response, params: dict[str, str], root: Any,
                 data: bytes, damaged: list[DamagedXml] | None = None):
        super().__init__(http_response, params)
        self._root = root
        self.data = data
        """The body as parsed: after repair of characters XML forbids."""
        self.damaged = damaged or []
        """Records cut out of the body because they kept it from being well-formed."""

    @property
    def xml(self) -> Any:
        return self._root

    def errors(self) -> list[tuple[str, str]]:
        return [
            (el.get("code", ""), (el.text or "").strip())
            for el in self._root.iterfind(f"{OAI_NS}error")
        ]

    @property
    def no_records(self) -> bool:
        """noRecordsMatch: an empty list, not a failure."""
        return any(code == "noRecordsMatch" for code, _ in self.errors())

    def response_date(self) -> str | None:
        found = self._root.findtext(f"{OAI_NS}responseDate")
        return found.strip() if found else None


@dataclass(frozen=True, slots=True)
class _Retry:
    """Why a request is worth another try, and when the server asked us to come back."""

    problem: str
    retry_after: float | None = None
    protocol: bool = False
    """The server answered, but wrongly (e.g. broken XML): a protocol error if it persists."""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str | None
    complete_list_size: int | None


class OaiPmhConnector(BaseConnector[OaiPmhOptions]):
    """Harvests a library's catalogue from its ILS's OAI-PMH data provider."""

    Options: ClassVar[type[ConnectorOptions]] = OaiPmhOptions
    snapshot: ClassVar[bool] = False

    # -- HTTP with retries -------------------------------------------------------------

    async def _get(self, params: dict[str, str], retries: int | None = None) -> _Response:
        """One OAI request, retried on transient failures; OAI errors are left to callers."""
        opts = self.options
        retries = opts.max_retries if retries is None else retries
        retry = _Retry("no attempt made")
        for attempt in range(retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, retry))
            try:
                response = await self.client.get(
                    opts.url, params=params, timeout=opts.timeout, auth=self._auth()
                )
            except httpx.TimeoutException:
                retry = _Retry(f"timed out after {opts.timeout:g} s")
                continue
            except httpx.TransportError as exc:
                retry = _Retry(f"connection failed: {exc!r}")
                continue
            outcome = self._parse(response, params)
            if isinstance(outcome, _Response):
                return outcome
            retry = outcome
        error = SourceProtocolError if retry.protocol else SourceUnavailable
        raise error(
            f"gave up after {retries + 1} attempt(s): {retry.problem}",
            library=self.library.id,
            url=opts.url,
        )

    def _parse(self, response: httpx.Response, params: dict[str, str]) -> _Response | _Retry:
        """The parsed response, or what went wrong when it is worth retrying."""
        if response.status_code in RETRY_STATUSES:
            return _Retry(
                f"HTTP {response.status_code} {response.reason_phrase}", _retry_after(response)
            )
        data, removed = repair_xml(response.content)
        if removed:
            log.warning(
                "removed %d characters that XML forbids", removed,
                extra={"library": self.library.id, "params": params},
            )
        damaged: list[DamagedXml] = []
        try:
            root = etree.fromstring(data, parser=XML_PARSER)
        except etree.XMLSyntaxError as exc:
            if not response.is_success:
                raise self._http_error(response) from exc
            recovered = self._recovered(data, params)
            if recovered is None:
                # A truncated body is usually a cut connection: worth another try.
                return _Retry(f"broken XML ({exc})", protocol=True)
            data, damaged, root = recovered
        if root.tag != f"{OAI_NS}OAI-PMH":
            if not response.is_success:
                raise self._http_error(response)
            raise SourceProtocolError(
                f"not an OAI-PMH response (root element {root.tag})",
                library=self.library.id,
                url=str(response.url),
            )
        # An OAI error sent with a 4xx status is still an OAI answer: read it as one.
        return _Response(response, params, root, data, damaged)

    def _recovered(self, data: bytes, params: dict[str, str]
                   ) -> tuple[bytes, list[DamagedXml], Any] | None:
        """A body broken by records in it, without them (they go to quarantine)."""
        recovered = recovered_page(data)
        if recovered is None:
            return None
        data, damaged = recovered
        try:
            root = etree.fromstring(data, parser=XML_PARSER)
        except etree.XMLSyntaxError:
            return None
        log.warning("%d record(s) of the answer are not well-formed XML; the others are "
                    "read", len(damaged), extra={"library": self.library.id, "params": params})
        return data, damaged, root

    def _http_error(self, response: httpx.Response) -> SourceProtocolError:
        return SourceProtocolError(
            f"HTTP {response.status_code} {response.reason_phrase} without an OAI-PMH answer",
            library=self.library.id,
            url=str(response.url),
        )

    def _delay(self, attempt: int, retry: _Retry) -> float:
        opts = self.options
        delay = min(opts.backoff * 2.0 ** (attempt - 1), opts.max_backoff)
        if retry.retry_after is not None:
            delay = min(max(retry.retry_after, 0.0), opts.max_backoff)
        log.info(
            "retrying OAI-PMH request in %.1f s (attempt %d): %s", delay, attempt + 1,
            retry.problem, extra={"library": self.library.id},
        )
        return delay

    def _auth(self) -> httpx.BasicAuth | None:
        if self.options.username is None:
            return None
        return httpx.BasicAuth(self.options.username, self.secret(self.options.password_env) or "")

    def _fail(self, response: _Response, code: str, message: str) -> SourceProtocolError:
        return SourceProtocolError(
            f"OAI-PMH error {code}: {message or 'no message'} (request {response.params})",
            library=self.library.id,
            url=self.options.url,
            code=code,
        )

    # -- verbs -------------------------------------------------------------------------

    async def _verb(self, params: dict[str, str], retries: int | None = None) -> _Response:
        """A request whose OAI errors are raised, except noRecordsMatch (``no_records``)."""
        response = await self._get(params, retries)
        for code, message in response.errors():
            if code == "noRecordsMatch":
                continue
            if code == "badResumptionToken":
                raise _BadResumptionToken(message)
            raise self._fail(response, code, message)
        return response

    async def identify(self, retries: int | None = None) -> dict[str, str]:
        """The repository's Identify answer as a flat dict."""
        response = await self._verb({"verb": "Identify"}, retries)
        node = response.xml.find(f"{OAI_NS}Identify")
        if node is None:
            raise self._fail(response, "badResponse", "Identify answer has no Identify element")
        return {
            etree.QName(child).localname: (child.text or "").strip()
            for child in node
            if isinstance(child.tag, str) and etree.QName(child).localname != "description"
        }

    async def metadata_formats(self, retries: int | None = None) -> list[str]:
        """The metadataPrefix of every format the repository offers."""
        response = await self._verb({"verb": "ListMetadataFormats"}, retries)
        return [
            (el.text or "").strip()
            for el in response.xml.iter(f"{OAI_NS}metadataPrefix")
        ]

    async def check(self) -> SourceInfo:
        """Identify, the formats offered and the first record of the configured list."""
        # A sysadmin is waiting at the terminal: one retry, not a harvest's patience.
        summary = await self.identify(CHECK_RETRIES)
        formats = await self.metadata_formats(CHECK_RETRIES)
        sample = None
        if self.options.metadata_prefix in formats:
            params = self._list_params(since=None, granularity="seconds")
            response = await self._verb(params, CHECK_RETRIES)
            if not response.no_records:
                sample = next(
                    (record for record in self._records(response) if not record.deleted), None
                )
        return SourceInfo(summary=summary, formats=formats, sample=sample)

    # -- harvesting --------------------------------------------------------------------

    async def harvest(self, request: HarvestRequest) -> AsyncIterator[Page]:
        """Pages of ListRecords, from the saved token when resuming, else from ``since``."""
        state = dict(request.resume or {})
        if not state:
            granularity = await self._granularity()
            since = None if request.full else request.since
            state = {"params": self._list_params(since, granularity), "token": None,
                     "next_since": None}
        restarts = 0
        while True:
            try:
                async for page in self._pages(state):
                    yield page
                return
            except _BadResumptionToken as exc:
                restarts += 1
                if restarts > self.options.max_token_restarts:
                    raise SourceProtocolError(
                        f"badResumptionToken again after {restarts - 1} restart(s) of the list: "
                        f"{exc}",
                        library=self.library.id, url=self.options.url, code="badResumptionToken",
                    ) from exc
                log.warning(
                    "resumption token refused; restarting the list from its first page",
                    extra={"library": self.library.id},
                )
                # Records already stored are stored again, idempotently.
                state = {**state, "token": None}

    async def _pages(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        """Follow the resumption tokens; ``state`` is what a killed harvest resumes from."""
        seen: set[str] = set()
        while True:
            response = await self._verb(self._next_params(state))
            if state.get("next_since") is None:
                # The next incremental harvest starts from this harvest's first answer.
                state = {**state, "next_since": response.response_date()}
            token = self._token(response)
            if token.value is not None and token.value in seen:
                raise SourceProtocolError(
                    f"the server sent resumption token {token.value!r} a second time; "
                    "stopping instead of looping",
                    library=self.library.id, url=self.options.url, code="repeatedToken",
                )
            records = [] if response.no_records else list(self._records(response))
            state = {**state, "token": token.value}
            resume = state if token.value is not None else None
            yield Page(records, Cursor(resume=resume, next_since=state["next_since"]),
                       token.complete_list_size)
            if token.value is None:
                return
            seen.add(token.value)

    def _next_params(self, state: dict[str, Any]) -> dict[str, str]:
        if state.get("token"):
            return {"verb": "ListRecords", "resumptionToken": state["token"]}
        return dict(state["params"])

    def _list_params(self, since: str | None, granularity: str) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.options.metadata_prefix}
        if self.options.set:
            params["set"] = self.options.set
        if since:
            params["from"] = since[:10] if granularity == "day" else since
        return params

    async def _granularity(self) -> str:
        if self.options.granularity != "auto":
            return self.options.granularity
        value = (await self.identify()).get("granularity", "YYYY-MM-DD")
        return "seconds" if "hh" in value else "day"

    def _token(self, response: _Response) -> _Token:
        # Where OAI-PMH puts it (under the verb's element), before a search of the whole
        # answer: that walks every MARC subfield of the page.
        node = response.xml.find(f"*/{OAI_NS}resumptionToken")
        if node is None:
            node = response.xml.find(f".//{OAI_NS}resumptionToken")
        if node is None:
            return _Token(None, None)
        size = node.get("completeListSize")
        value = (node.text or "").strip() or None
        return _Token(value, int(size) if size and size.isdigit() else None)

    def _records(self, response: _Response) -> Iterator[RawRecord]:
        origin = f"{self.options.url}?{_query(response.params)}"
        yield from records_of(response.xml, response.data, origin)
        for piece in response.damaged:
            yield damaged_record(piece, origin)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds, given either as a number or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in params.items())
