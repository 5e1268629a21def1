"""``/oai``: the OAI-PMH 2.0 data provider of the union catalogue, over GET and POST.

The route only reads the arguments (a query string, or an
application/x-www-form-urlencoded body) and sends the provider's XML back; every OAI error
is part of that XML with HTTP 200, as the protocol wants; a provider not ready yet (RetryLater)
is HTTP 503 with Retry-After, OAI-PMH's flow control. docs/protocols.md describes it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from catalogue_sync.export.oai import OaiProvider, RetryLater
from services.search.context import SearchContext, context_of

MEDIA_TYPE = "text/xml; charset=utf-8"
MAX_BODY = 64 * 1024
"""A POST body longer than this is refused (badArgument): no OAI request needs more."""
MAX_FIELDS = 50
FORM = "application/x-www-form-urlencoded"

router = APIRouter(tags=["OAI-PMH"])
Context = Annotated[SearchContext, Depends(context_of)]


@router.get("/oai", response_class=Response)
async def oai_get(request: Request, context: Context) -> Response:
    """An OAI-PMH request as a query string (``?verb=Identify``)."""
    provider = OaiProvider(context.store, context.network)
    return await _answer(provider, request.query_params.multi_items(), base_url(request))


@router.post("/oai", response_class=Response)
async def oai_post(request: Request, context: Context) -> Response:
    """An OAI-PMH request as an application/x-www-form-urlencoded body."""
    provider = OaiProvider(context.store, context.network)
    url = base_url(request)
    pairs = await read_form(request)
    if isinstance(pairs, str):
        return Response(provider.refuse(pairs, url), media_type=MEDIA_TYPE)
    return await _answer(provider, pairs, url)


async def _answer(provider: OaiProvider, pairs: list[tuple[str, str]], url: str) -> Response:
    try:
        body = await run_in_threadpool(provider.answer, pairs, url)
    except RetryLater as later:
        return Response(f"{later.reason}: retry after {later.seconds} s\n", status_code=503,
                        headers={"Retry-After": str(later.seconds)}, media_type="text/plain")
    return Response(body, media_type=MEDIA_TYPE)


async def read_form(request: Request) -> list[tuple[str, str]] | str:
    """The body's arguments, or why they cannot be read (shared with SRU)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM:
        return f"a POST request's arguments come as {FORM}"
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            return "the request body is too long"
    try:
        return parse_qsl(data.decode("utf-8"), keep_blank_values=True,
                         max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return "the request body is not a form of UTF-8 arguments"


def base_url(request: Request) -> str:
    """The URL the harvester used, without its arguments (OAI's baseURL)."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}"
