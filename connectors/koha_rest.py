"""The ``koha-rest`` availability provider: item status in real time from Koha's REST API.

    GET {url}/biblios/{biblio_id}/items      one request per record (staff API, Koha 21.05+)

The record's local id, as harvested over OAI-PMH, is Koha's ``biblio_id`` (biblionumber).
Koha pages the list (``_page``, ``_per_page``, a ``Link`` header with ``rel="next"``); every
page is read. Authentication is HTTP Basic for an API user (the ``RESTBasicAuth`` system
preference) or OAuth2 client credentials (``RESTOAuth2ClientCredentials``); the user needs
the ``catalogue`` permission only. Signing in and the translation of failures
(``KohaApi``) are shared with the koha-rest patron directory (``connectors.koha_patrons``).

How a Koha item becomes a status (first match wins):

===============================================  ===============
Koha item                                        status
===============================================  ===============
``withdrawn`` non-zero                           withdrawn
``lost_status`` non-zero                         lost
``checked_out_date`` set (Koha's ``onloan``:     on-loan, with that date as ``due_date``
the date the loan is due, despite the name)
``effective_not_for_loan_status`` below zero     on-order (Koha's "ordered" values)
(else ``not_for_loan_status``)
... above zero                                   not-for-loan
otherwise                                        available
===============================================  ===============

``damaged_status`` does not change the status: Koha lends damaged copies unless told not to.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pydantic import Field, field_validator, model_validator

from catalogue_sync.availability.provider import ItemStatus
from catalogue_sync.config import LibraryConfig
from catalogue_sync.errors import SourceError, SourceProtocolError, SourceUnavailable
from catalogue_sync.models import Item
from connectors.base import BaseProvider, Configured, ConnectorOptions

log = logging.getLogger(__name__)

MAX_PAGES = 50
"""A record with more pages of items than this is read no further (a loop, not a record)."""
TOKEN_MARGIN = 30.0
"""Seconds before its expiry an OAuth2 token is renewed."""
_BEARER_TOKEN = re.compile(r"[\x21-\x7e]+")
"""What an Authorization header can carry of a token: visible ASCII (RFC 6750's b64token is
narrower; Koha's tokens are within it)."""
DEFAULT_TOKEN_LIFETIME = 3600.0
"""Seconds a token is taken to last when the token answer does not say (``expires_in``)."""


class KohaApiOptions(ConnectorOptions):
    """What every table naming a Koha REST API gives: where it is and how to sign in."""

    url: str
    """The REST API's base URL, e.g. https://koha.example.org/api/v1."""
    user: str | None = None
    password_env: str | None = None
    """HTTP Basic: an API user and the environment variable holding its password."""
    client_id: str | None = None
    client_secret_env: str | None = None
    """OAuth2 client credentials: the client id and the variable holding its secret."""

    @field_validator("url")
    @classmethod
    def _url_without_credentials(cls, value: str) -> str:
        url = httpx.URL(value)
        if url.userinfo:  # checked first: the URL is not repeated in this message
            raise ValueError("the API URL must not hold credentials: give user, and the "
                             "password in the environment variable password_env names")
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the API URL is an http or https URL, not {value!r}")
        return value

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> KohaApiOptions:
        if (self.user is None) != (self.password_env is None):
            raise ValueError("user and password_env go together (HTTP Basic)")
        if (self.client_id is None) != (self.client_secret_env is None):
            raise ValueError("client_id and client_secret_env go together (OAuth2)")
        if self.user is not None and self.client_id is not None:
            raise ValueError("give user and password_env, or client_id and "
                             "client_secret_env, not both")
        return self


class KohaRestOptions(KohaApiOptions):
    """``[libraries.ID.availability]`` options of the koha-rest provider."""

    timeout: float = Field(default=2.0, gt=0, le=60)
    """Seconds the ILS is given to answer."""
    page_size: int = Field(default=100, ge=1, le=1000)
    """Items asked for per request (Koha's ``_per_page``)."""


@dataclass(slots=True)
class _Token:
    value: str
    expires: float


_TOKENS: dict[tuple[str, str], _Token] = {}
"""OAuth2 tokens by (API URL, client id), shared by the objects built for each request."""


class KohaApi:
    """Signed requests to one library's Koha REST API, shared by the availability provider
    and the patron directory: HTTP Basic or an OAuth2 token (renewed once when refused), and
    failures translated into the core's errors, never with the credentials.

    ``permission`` names what the API user needs, for the message of a refused sign-in.
    """

    def __init__(self, configured: Configured[Any], options: KohaApiOptions, *,
                 timeout: float, permission: str) -> None:
        self.client = configured.client
        self.library_id = configured.library.id
        self.options = options
        self.timeout = timeout
        self.permission = permission
        self.base = options.url.rstrip("/")
        password = configured.secret(options.password_env)
        self.auth = (httpx.BasicAuth(options.user, password)
                     if options.user is not None and password is not None else None)
        self.client_secret = configured.secret(options.client_secret_env)
        self.signing_in = asyncio.Lock()
        """One token request at a time: the requests made at once share its token."""

    async def request(self, method: str, url: str, *, accept: Sequence[int] = (),
                      params: dict[str, str | int] | None = None,
                      json: dict[str, Any] | None = None,
                      shown_url: str | None = None) -> httpx.Response:
        """One signed request, its failures raised; an HTTP error status in ``accept`` is
        returned instead. ``shown_url`` stands for the URL in errors (when it holds a
        patron's id)."""
        response = await self.send(method, url, params, json, shown_url)
        if response.status_code == 401 and self.options.client_id is not None:
            _TOKENS.pop(self.token_key, None)
            response = await self.send(method, url, params, json, shown_url)
        self.check(response, accept, shown_url)
        return response

    async def send(self, method: str, url: str, params: dict[str, str | int] | None,
                   json: dict[str, Any] | None, shown_url: str | None) -> httpx.Response:
        headers = await self.headers()
        try:
            return await self.client.request(method, url, params=params, json=json,
                                             headers=headers, auth=self.auth,
                                             timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise self.unavailable(f"no answer within {self.timeout:g} s",
                                   shown_url or url) from exc
        except httpx.TransportError as exc:
            raise self.unavailable(f"cannot reach the ILS ({type(exc).__name__})",
                                   shown_url or url) from exc

    def check(self, response: httpx.Response, accept: Sequence[int] = (),
              shown_url: str | None = None) -> None:
        """Translate an HTTP failure into the core's errors (never with the credentials)."""
        status = response.status_code
        url = shown_url or str(response.url.copy_with(query=None))
        if status in accept:
            return
        if status in (401, 403):
            who = self.options.user or self.options.client_id or "anonymous"
            raise SourceProtocolError(
                f"Koha refused the credentials of '{who}' (HTTP {status}); check the API "
                f"user, its {self.permission} and the password in the environment",
                library=self.library_id, url=url, code=str(status))
        if status == 429 or status >= 500:
            raise self.unavailable(f"HTTP {status}", url)
        if status >= 400:
            raise SourceProtocolError(f"HTTP {status}", library=self.library_id, url=url,
                                      code=str(status))

    def json_body(self, response: httpx.Response, shown_url: str | None = None) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise self.protocol_error("the answer is not JSON", response, shown_url) from exc

    # -- signing in ------------------------------------------------------------------------

    @property
    def token_key(self) -> tuple[str, str]:
        return (self.base, self.options.client_id or "")

    async def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.options.client_id is not None:
            headers["Authorization"] = f"Bearer {await self.token()}"
        return headers

    async def token(self) -> str:
        """An OAuth2 access token (client credentials), reused until shortly before expiry."""
        async with self.signing_in:
            known = _TOKENS.get(self.token_key)
            if known is not None and known.expires > time.monotonic():
                return known.value
            return await self.new_token()

    async def new_token(self) -> str:
        url = f"{self.base}/oauth/token"
        data = {"grant_type": "client_credentials", "client_id": self.options.client_id or "",
                "client_secret": self.client_secret or ""}
        try:
            response = await self.client.post(url, data=data, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise self.unavailable(f"no token within {self.timeout:g} s", url) from exc
        except httpx.TransportError as exc:
            raise self.unavailable(f"cannot reach the ILS ({type(exc).__name__})", url) from exc
        self.check(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise self.protocol_error("the token answer has no access_token", response)
        if not _BEARER_TOKEN.fullmatch(body["access_token"]):
            raise self.protocol_error("the token answer's access_token is not one an HTTP "
                                      "header can carry (visible ASCII characters)", response)
        lifetime = token_lifetime(body.get("expires_in"))
        _TOKENS[self.token_key] = _Token(body["access_token"],
                                         time.monotonic() + max(lifetime - TOKEN_MARGIN, 1.0))
        return str(body["access_token"])

    # -- errors ----------------------------------------------------------------------------

    def unavailable(self, message: str, url: str) -> SourceError:
        return SourceUnavailable(message, library=self.library_id, url=url)

    def protocol_error(self, message: str, response: httpx.Response,
                       shown_url: str | None = None) -> SourceError:
        return SourceProtocolError(
            message, library=self.library_id,
            url=shown_url or str(response.url.copy_with(query=None)))


class KohaRestProvider(BaseProvider[KohaRestOptions]):
    """Reads the items of a library's records from its Koha, with their status now."""

    Options: ClassVar[type[ConnectorOptions]] = KohaRestOptions

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        super().__init__(library, client)
        self.timeout = self.options.timeout
        self.api = KohaApi(self, self.options, timeout=self.timeout,
                           permission="'catalogue' permission")

    async def items(self, local_ids: Sequence[str]) -> dict[str, list[Item]]:
        found = await asyncio.gather(*(self.record_items(local_id) for local_id in local_ids))
        return dict(zip(local_ids, found, strict=True))

    async def record_items(self, local_id: str) -> list[Item]:
        """Every item of one record, page after page; none if Koha no longer has it."""
        url: str | None = f"{self.api.base}/biblios/{quote(local_id, safe='')}/items"
        params: dict[str, str | int] | None = {"_per_page": self.options.page_size, "_page": 1}
        items: list[Item] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self.api.request("GET", url, params=params, accept=(404,))
            if response.status_code == 404:
                return []
            items += [koha_item(entry) for entry in self.json_list(response)]
            url, params = self.next_page(response), None
        return items

    def next_page(self, response: httpx.Response) -> str | None:
        """The next page's URL from the Link header; never one on another server (the
        credentials go with it)."""
        found = response.links.get("next", {}).get("url")
        if found is None:
            return None
        try:
            url = response.url.join(found)
        except httpx.InvalidURL as exc:
            raise self.api.protocol_error(f"the Link header's next page is no URL ({exc})",
                                          response) from None
        return str(url) if url.netloc == response.url.netloc else None

    def json_list(self, response: httpx.Response) -> list[dict[str, Any]]:
        body = self.api.json_body(response)
        if not isinstance(body, list) or not all(isinstance(entry, dict) for entry in body):
            raise self.api.protocol_error("the answer is not a list of items", response)
        return body


def koha_item(entry: dict[str, Any]) -> Item:
    """One Koha item (REST API ``item`` object) as the union catalogue shows it."""
    status, due = koha_status(entry)
    return Item(
        barcode=_text(entry.get("external_id")),
        call_number=_text(entry.get("callnumber")),
        location=_text(entry.get("location")),
        branch=_text(entry.get("home_library_id")),
        doc_type=_text(entry.get("effective_item_type_id") or entry.get("item_type_id")),
        status=status.value,
        due_date=due,
    )


def koha_status(entry: dict[str, Any]) -> tuple[ItemStatus, str | None]:
    """The status of a Koha item and, when it is on loan, the date it is due back."""
    if _flag(entry.get("withdrawn")):
        return ItemStatus.WITHDRAWN, None
    if _flag(entry.get("lost_status")):
        return ItemStatus.LOST, None
    due = _text(entry.get("checked_out_date"))
    if due:
        return ItemStatus.ON_LOAN, due[:10]
    effective = entry.get("effective_not_for_loan_status")
    not_for_loan = _number(entry.get("not_for_loan_status") if effective is None else effective)
    if not_for_loan < 0:
        return ItemStatus.ON_ORDER, None
    if not_for_loan > 0:
        return ItemStatus.NOT_FOR_LOAN, None
    return ItemStatus.AVAILABLE, None


def token_lifetime(value: Any) -> float:
    """The seconds a token is good for (``expires_in``); an hour when Koha gives none, or
    anything but a positive number (the token itself is still good)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return DEFAULT_TOKEN_LIFETIME
    try:
        lifetime = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return DEFAULT_TOKEN_LIFETIME
    return lifetime if math.isfinite(lifetime) and lifetime > 0 else DEFAULT_TOKEN_LIFETIME


def _number(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's 1e999 is infinity
        return 1  # an authorised value we cannot read still says "not 0"


def _flag(value: Any) -> bool:
    return _number(value) != 0


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
