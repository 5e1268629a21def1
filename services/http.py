"""The one place where errors become HTTP answers, for every FastAPI app of catalogue-sync.

The core raises its own hierarchy (``catalogue_sync.errors``); each class maps to one status
and its message, which names what is wrong, is the answer's ``detail``. Anything else is a
bug: it is logged with its traceback and answered with a plain 500 that leaks nothing.
Protocol front ends (OAI-PMH, SRU) answer their own errors in their own XML, inside their
routers, because their clients expect that and not an HTTP error. An app with pages for
people (the web catalogue) passes ``pages``: a browser that asks an address no route has
then gets a page, not JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

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

    @app.exception_handler(HTTPException)
    async def _routing(request: Request, error: HTTPException) -> Response:
        if pages is not None and wants_html(request):
            return pages(request, error.status_code)
        return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                            headers=error.headers)

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
