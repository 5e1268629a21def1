"""``/sru``: SRU 1.2 and 2.0 (explain, searchRetrieve with CQL) over GET and POST.

The route only reads the parameters (a query string, or an
application/x-www-form-urlencoded body) and sends the service's XML back; every problem is
an SRU diagnostic in that XML, with HTTP 200. docs/protocols.md describes it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from catalogue_sync.export.sru import SruService
from services.search.context import SearchContext, context_of
from services.search.oai import MEDIA_TYPE, base_url, read_form

router = APIRouter(tags=["SRU"])
Context = Annotated[SearchContext, Depends(context_of)]


@router.get("/sru", response_class=Response)
async def sru_get(request: Request, context: Context) -> Response:
    """An SRU request as a query string (``?query=dc.title=peste``); none: explain."""
    service = SruService(context.store, context.network, context.searcher)
    pairs = request.query_params.multi_items()
    body = await run_in_threadpool(service.answer, pairs, base_url(request))
    return Response(body, media_type=MEDIA_TYPE)


@router.post("/sru", response_class=Response)
async def sru_post(request: Request, context: Context) -> Response:
    """An SRU request as an application/x-www-form-urlencoded body."""
    service = SruService(context.store, context.network, context.searcher)
    pairs = await read_form(request)
    if isinstance(pairs, str):
        return Response(service.refuse(request.query_params.multi_items(), pairs),
                        media_type=MEDIA_TYPE)
    body = await run_in_threadpool(service.answer, pairs, base_url(request))
    return Response(body, media_type=MEDIA_TYPE)
