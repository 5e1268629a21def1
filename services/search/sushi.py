"""``/sushi/r5``: usage reports for the network's own tools, as COUNTER_SUSHI R5 serves them.

    GET /sushi/r5/status                  public: is the service on
    GET /sushi/r5/reports                 the reports served
    GET /sushi/r5/reports/pr?begin_date=2026-01&end_date=2026-03[&granularity=Totals]
    GET /sushi/r5/reports/dr?...          one item per e-resource

Every route but ``status`` wants an API key, as ``api_key`` in the query (SUSHI's way) or
``Authorization: Bearer KEY``, one of the comma-separated keys of CATALOGUE_SYNC_SUSHI_KEYS
(read on each request, so a key is revoked by restarting with the list without it). No
keys: every route answers 503. A refusal is a COUNTER exception object (``Code``,
``Severity``, ``Message``, ``Data``, and ``detail`` as in the project's other answers),
its status from ``services.http``: 401 (2000 no key, 2020 wrong key), 400 (1030, 3020,
3062), 503 (1000), each declared once here (``ANSWERS``) for the published OpenAPI, which
also says what the arguments look like. A request whose arguments do not (FastAPI's
validation) is the same COUNTER exception as one the core refuses: 1030 for a missing
date, 3020 for a malformed one, 3062 for another granularity. Keys are never logged, nor
repeated in an answer; the access log has no query string (services.logs).
catalogue_sync.stats.sushi makes the reports.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from catalogue_sync.errors import CatalogueError, InvalidRequest, Unauthorized
from catalogue_sync.stats import sushi
from catalogue_sync.stats.counter_exceptions import exception
from services.http import status_of
from services.search.context import SearchContext, context_of

log = logging.getLogger(__name__)

PREFIX = "/sushi/r5"
KEYS_ENV = "CATALOGUE_SYNC_SUSHI_KEYS"
MIN_KEY_LENGTH = 16
NO_STORE = {"Cache-Control": "private, no-store"}
"""A report asked with ``api_key`` in the URL must not be kept by a shared cache."""

DATE = (r"^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
        r"-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$")
"""YYYY-MM or YYYY-MM-DD, years 1970 to 9998 (the core still refuses a day a month lacks)."""
Context = Annotated[SearchContext, Depends(context_of)]
BeginDate = Annotated[str, Query(pattern=DATE, description="First month: YYYY-MM or "
                                                           "YYYY-MM-DD.")]
EndDate = Annotated[str, Query(pattern=DATE, description="Last month, included: YYYY-MM or "
                                                         "YYYY-MM-DD; not before begin_date.")]
Granularity = Annotated[str | None, Query(
    description="Month (default) or Totals, in any case.",
    json_schema_extra={"enum": ["Month", "Totals"]})]
ApiKey = Annotated[str | None, Query(description="A key of CATALOGUE_SYNC_SUSHI_KEYS (or "
                                                 "Authorization: Bearer).")]


class CounterException(BaseModel):
    """A refusal: a COUNTER exception, and ``detail`` as in the project's other answers."""

    Code: int = Field(description="The COUNTER exception code (1000, 1030, 2000, 2020, "
                                  "3020, 3062).")
    Severity: str
    Message: str = Field(description="The Code of Practice's message for the code.")
    Data: str = Field(description="What is wrong with this request.")
    detail: str


def _refused(description: str) -> dict[str, Any]:
    return {"model": CounterException, "description": description}


Answers = dict[int | str, dict[str, Any]]
OFF: Answers = {503: _refused("1000: no key is configured, or the store cannot be reached.")}
KEYED: Answers = {**OFF, 401: _refused("2000: no API key; 2020: a key that is not configured.")}
REPORT: Answers = {**KEYED, 400: _refused("1030: begin_date or end_date missing; 3020: a malformed "
                                 "or impossible date, or the end before the begin; 3062: "
                                 "another granularity.")}
"""The refusals of each kind of route, as the OpenAPI publishes them."""


class SushiRoute(APIRoute):
    """A SUSHI route: arguments FastAPI cannot validate are a COUNTER exception too, after
    the key is checked (a caller without a key learns nothing of its arguments)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def counter_refusals(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                try:
                    authorize(request.headers.get("authorization"),
                              request.query_params.get("api_key"))
                    raise argument_error(error) from None
                except CatalogueError as refused:
                    return refusal(request, refused)

        return counter_refusals


def argument_error(error: RequestValidationError) -> InvalidRequest:
    """The core's refusal of the first argument FastAPI's validation refused."""
    problem: dict[str, Any] = next(iter(error.errors()), {})
    name = str((problem.get("loc") or ("", ""))[-1])
    if problem.get("type") == "missing":
        return sushi.MissingArgument("begin_date and end_date are required (YYYY-MM or "
                                     "YYYY-MM-DD)")
    return sushi.InvalidDates(f"{name} is YYYY-MM or YYYY-MM-DD (a year from 1970 to "
                              "9998)")


router = APIRouter(prefix=PREFIX, tags=["SUSHI"], route_class=SushiRoute)


class SushiOff(CatalogueError):
    """No usable key is configured: the service is off (503)."""

    sushi_code = 1000


class KeyMissing(Unauthorized):
    sushi_code = 2000


class KeyInvalid(Unauthorized):
    sushi_code = 2020


@router.get("/status", responses=OFF)
async def status() -> JSONResponse:
    """Public, as COUNTER wants: whether the service can deliver reports."""
    try:
        configured_keys()
    except SushiOff as off:
        return JSONResponse(sushi.service_status(False, str(off)), status_code=503)
    return JSONResponse(sushi.service_status(True, "reports pr and dr are served"))


@router.get("/reports", responses=KEYED)
async def reports(request: Request, api_key: ApiKey = None) -> JSONResponse:
    """The reports served."""
    return await _answer(request, api_key, lambda: sushi.report_list(PREFIX))


@router.get("/reports/pr", responses=REPORT)
async def platform_report(request: Request, context: Context, begin_date: BeginDate,
                          end_date: EndDate, granularity: Granularity = None,
                          api_key: ApiKey = None) -> JSONResponse:
    """Platform Master Report: all the network's e-resources together."""
    return await _answer(request, api_key, _report(
        context, request, "pr", begin_date, end_date, granularity))


@router.get("/reports/dr", responses=REPORT)
async def database_report(request: Request, context: Context, begin_date: BeginDate,
                          end_date: EndDate, granularity: Granularity = None,
                          api_key: ApiKey = None) -> JSONResponse:
    """Database Master Report: one item per e-resource."""
    return await _answer(request, api_key, _report(
        context, request, "dr", begin_date, end_date, granularity))


def _report(context: SearchContext, request: Request, report: sushi.ReportId,
            begin_date: str | None, end_date: str | None, granularity: str | None
            ) -> Callable[[], dict[str, Any]]:
    """The work of a report request, run once the key is checked."""
    def work() -> dict[str, Any]:
        asked = sushi.ReportRequest.parse(report, begin_date, end_date, granularity,
                                          request.query_params.keys())
        return sushi.counter_report(context.store, context.network, asked)
    return work


async def _answer(request: Request, api_key: str | None, work: Callable[[], Any]
                  ) -> JSONResponse:
    """``work``'s answer for a caller with a valid key; a COUNTER exception otherwise."""
    try:
        authorize(request.headers.get("authorization"), api_key)
        return JSONResponse(await run_in_threadpool(work), headers=NO_STORE)
    except CatalogueError as error:
        return refusal(request, error)


def refusal(request: Request, error: CatalogueError) -> JSONResponse:
    """The error as a COUNTER exception, with the project's status for it."""
    status = 503 if isinstance(error, SushiOff) else status_of(error)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, error)
    body = {**exception(sushi.sushi_code(error), str(error)), "detail": str(error)}
    return JSONResponse(body, status_code=status,
                        headers={**NO_STORE, **(getattr(error, "headers", None) or {})})


def configured_keys() -> list[bytes]:
    """The keys of CATALOGUE_SYNC_SUSHI_KEYS, as digests; SushiOff when there is none or
    one is too short to be a secret."""
    keys = [key.strip() for key in os.environ.get(KEYS_ENV, "").split(",") if key.strip()]
    if not keys:
        raise SushiOff(f"the SUSHI service is off: {KEYS_ENV} holds no key (comma-separated "
                       "keys, e.g. from `python -c 'import secrets; "
                       "print(secrets.token_urlsafe(32))'`)")
    if any(len(key) < MIN_KEY_LENGTH for key in keys):
        raise SushiOff(f"the SUSHI service is off: a key of {KEYS_ENV} is shorter than "
                       f"{MIN_KEY_LENGTH} characters")
    return [_digest(key) for key in keys]


def authorize(authorization: str | None, api_key: str | None) -> None:
    """Pass when the Bearer token, or else ``api_key``, is a configured key."""
    keys = configured_keys()
    sent = _bearer(authorization) or api_key
    if not sent:
        raise KeyMissing("an API key is required: api_key=... or Authorization: Bearer ...")
    digest = _digest(sent)
    # Every key is compared, so the time taken says nothing of which one came close.
    if not any([hmac.compare_digest(digest, key) for key in keys]):
        raise KeyInvalid("this API key is not valid")


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _digest(key: str) -> bytes:
    # Digests of one length: compare_digest then takes the same time whatever was sent,
    # and a key that is not ASCII is compared, not refused with a TypeError.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
