"""The one place where errors become HTTP answers, for every FastAPI app of catalogue-sync.

The core raises its own hierarchy (``catalogue_sync.errors``); each class maps to one status
and its message, which names what is wrong, is the answer's ``detail``. Anything else is a
bug: it is logged with its traceback and answered with a plain 500 that leaks nothing.
Protocol front ends (OAI-PMH, SRU) answer their own errors in their own XML, inside their
routers, because their clients expect that and not an HTTP error. An app with pages for
people (the web catalogue) passes ``pages``: a browser that asks an address no route has
then gets a page, not JSON.

The published OpenAPI says the same: a malformed request is documented as the 400 these
handlers answer (FastAPI would document a 422 nobody receives), and a 405 names in
``Allow`` every method the path is served with, whichever route refused it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from catalogue_sync.errors import (
    CatalogueError,
    ConfigError,
    Forbidden,
    Gone,
    InvalidRequest,
    NotFound,
    SourceError,
    StoreError,
    TooManyRequests,
    Unauthorized,
)

log = logging.getLogger(__name__)

STATUS: tuple[tuple[type[CatalogueError], int], ...] = (
    (InvalidRequest, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (TooManyRequests, 429),
    (Gone, 410),
    (NotFound, 404),
    (StoreError, 503),
    (SourceError, 502),
    (ConfigError, 500),
)
"""Error classes and their status, most specific first."""


def status_of(error: CatalogueError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 500)


PageFor = Callable[[Request, int], Response]
"""The page a person is shown for an HTTP status no route answered (404, 405)."""


def install_error_handlers(app: FastAPI, *, pages: PageFor | None = None) -> None:
    """Answer the core's errors, and malformed requests, as JSON ``{"detail": ...}``."""

    publish_refusals(app)

    @app.exception_handler(HTTPException)
    async def _routing(request: Request, error: HTTPException) -> Response:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        if pages is not None and wants_html(request):
            page = pages(request, error.status_code)
            page.headers.update(headers)
            return page
        return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                            headers=headers)

    @app.exception_handler(CatalogueError)
    async def _catalogue_error(request: Request, error: CatalogueError) -> JSONResponse:
        status = status_of(error)
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, error)
        return JSONResponse({"detail": str(error)}, status_code=status,
                            headers=getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _describe(error)}, status_code=400)

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)


METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route serves the request's path with (Starlette names only the
    first route's: ``Allow: GET`` for /oai, which POST serves too)."""
    routes = request.app.router.routes
    return ", ".join(method for method in METHODS if any(
        route.matches({**request.scope, "method": method})[0] is Match.FULL
        for route in routes))


BAD_REQUEST: dict[str, Any] = {
    "description": "A parameter is missing, malformed or out of range; `detail` says which "
                   "and why.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string"}}}}},
}
"""How a request FastAPI cannot validate is answered (``_bad_parameters``)."""


def publish_refusals(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document the 400 of a malformed request instead of FastAPI's
    422, which these handlers never answer."""
    def change(schema: dict[str, Any]) -> None:
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", BAD_REQUEST)
        definitions = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            definitions.pop(name, None)

    amend_openapi(app, change)


def amend_openapi(app: FastAPI, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to ``app``'s OpenAPI document once, when it is first made."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            change(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def wants_html(request: Request) -> bool:
    """A browser's request: it names HTML among what it accepts (API clients do not)."""
    return "text/html" in request.headers.get("accept", "")


def _describe(error: RequestValidationError) -> str:
    """One sentence per wrong parameter: where it is and what is wrong with it."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "query")
        parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where
                     else str(problem.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"
