"""``/api/v1``: the JSON API of the union catalogue (docs/search.md, and /docs).

    GET /api/v1/search?q=...&page=1&page_size=20&library=...&format=...&language=...
                      &year_from=...&year_to=...&available=true&sort=relevance|year|title
    GET /api/v1/records/{id}          the record page's content (JSON)
    GET /api/v1/records/{id}.xml      MARCXML
    GET /api/v1/records/{id}.mrc      ISO 2709

The routes only read the request, call the service (``searching``, ``records``) and send
its answer; an unknown query parameter is refused (a misspelt filter must not silently
widen a search). Every refusal is ``{"detail": ...}`` from ``services.http``; a replaced
merged record is a 301 to its successor, with the same suffix and query string. The
published OpenAPI lists the network's libraries as the values of ``library``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest
from services.http import amend_openapi
from services.search import records, searching
from services.search.api_models import ErrorAnswer, RecordAnswer, SearchAnswer, SearchParams
from services.search.context import SearchContext, context_of
from services.search.labels import preferred_language
from services.search.online import holder_names

PREFIX = "/api/v1"
JSON = "application/json"
MEDIA_TYPES: dict[records.Export, str] = {
    "xml": "application/marcxml+xml",  # RFC 6207
    "mrc": "application/marc",  # RFC 2220
}

router = APIRouter(prefix=PREFIX, tags=["search API"])
Context = Annotated[SearchContext, Depends(context_of)]
Language = Annotated[Literal["fr", "en"] | None, Query(
    description="Language of the labels; otherwise Accept-Language, then French.")]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorAnswer, "description": description}


Answers = dict[int | str, dict[str, Any]]
REFUSED: Answers = {400: _error("A parameter is unknown, malformed or out of range; `detail` says "
                       "which and why."),
           503: _error("The store or the search index cannot be reached.")}
RECORD_ANSWERS: Answers = {
    **REFUSED,
    301: {"description": "The merged record was replaced: Location is its successor."},
    404: _error("No merged record has this id."),
    410: _error("The merged record is gone: its records were deleted from their catalogues."),
}


def only(*names: str) -> Callable[[Request], None]:
    """A dependency refusing any query parameter but ``names``, naming the unknown ones."""
    allowed = frozenset(names)

    def check(request: Request) -> None:
        unknown = sorted({name for name in request.query_params if name not in allowed})
        if not unknown:
            return
        shown = ", ".join(repr(name[:40]) for name in unknown[:10])
        known = f"the parameters are {', '.join(sorted(allowed))}" if allowed else (
            "this URL takes no parameters")
        raise InvalidRequest(f"unknown parameter{'s' if len(unknown) > 1 else ''} {shown}; "
                             f"{known}")

    return check


def publish_libraries(app: FastAPI, network: NetworkConfig) -> None:
    """The values ``library`` takes, in the OpenAPI: the network's (the service refuses any
    other), and the empty one that chooses nothing."""
    def change(schema: dict[str, Any]) -> None:
        for parameter in schema["paths"][f"{PREFIX}/search"]["get"]["parameters"]:
            if parameter["name"] == "library":
                parameter["schema"]["items"] = {
                    "type": "string", "enum": [*sorted(holder_names(network)), ""]}

    amend_openapi(app, change)


@router.get("/search", response_model=SearchAnswer, responses={
    **REFUSED, 404: _error("The page asked is past the last page of the search, or past "
                           "the 10,000th result."), 200: {"headers": {"X-Cache": {
        "description": "hit (from the cache), miss (computed, then cached) or off (computed; "
                       "no cache)", "schema": {"type": "string"}}}}},
    dependencies=[Depends(only(*SearchParams.model_fields))])
async def search(params: Annotated[SearchParams, Query()], context: Context,
                 request: Request) -> Response:
    """Search the union catalogue: a page of hits, the total and four facets."""
    lang = params.lang or preferred_language(request.headers.get("accept-language", ""))
    reply = await run_in_threadpool(searching.search, context, params, lang)
    return Response(reply.body, media_type=JSON, headers={"X-Cache": reply.cache})


@router.get("/records/{record_id}.xml", response_class=Response, responses={
    **RECORD_ANSWERS, 200: {"content": {MEDIA_TYPES["xml"]: {}},
                            "description": "The merged record as MARCXML (MARC21slim)."}},
    dependencies=[Depends(only())])
async def record_marcxml(record_id: str, context: Context, request: Request) -> Response:
    """A merged record as MARCXML, with every library's copies in 852."""
    return await _export(record_id, "xml", context, request)


@router.get("/records/{record_id}.mrc", response_class=Response, responses={
    **RECORD_ANSWERS, 200: {"content": {MEDIA_TYPES["mrc"]: {}},
                            "description": "The merged record as ISO 2709, UTF-8."}},
    dependencies=[Depends(only())])
async def record_iso2709(record_id: str, context: Context, request: Request) -> Response:
    """A merged record as ISO 2709 (MARC 21 in UTF-8), with every library's copies in 852."""
    return await _export(record_id, "mrc", context, request)


@router.get("/records/{record_id}", response_model=RecordAnswer, responses=RECORD_ANSWERS,
            dependencies=[Depends(only("lang"))])
async def record(record_id: str, context: Context, request: Request,
                 lang: Language = None) -> Response:
    """A merged record: its description, members, copies, other editions, OPAC links."""
    chosen = lang or preferred_language(request.headers.get("accept-language", ""))
    try:
        page = await run_in_threadpool(records.record_page, context.store, context.network,
                                       record_id, chosen)
    except records.Moved as moved:
        return _moved(request, moved.merged_id, "")
    return Response(page.model_dump_json().encode(), media_type=JSON)


async def _export(record_id: str, kind: records.Export, context: SearchContext,
                  request: Request) -> Response:
    try:
        body = await run_in_threadpool(records.record_export, context.store, record_id, kind)
    except records.Moved as moved:
        return _moved(request, moved.merged_id, f".{kind}")
    return Response(body, media_type=MEDIA_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{record_id}.{kind}"'})


def _moved(request: Request, merged_id: str, suffix: str) -> Response:
    query = request.url.query
    location = f"{PREFIX}/records/{merged_id}{suffix}" + (f"?{query}" if query else "")
    return RedirectResponse(location, status_code=301)
