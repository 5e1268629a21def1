"""What every service offers its operators: liveness, readiness, metrics and request ids.

    add_operations(app, required={"store": store_check(store)},
                   optional={"redis": cache_check(cache)})

    GET /healthz   liveness: the process answers (``/health`` is its alias); checks nothing
    GET /readyz    readiness: 200 ``{"status": "ready", "checks": {"store": "ok", ...}}``, or
                   503 ``{"status": "not ready", "checks": {"redis": "failed: <why>"}}``
    GET /metrics   Prometheus text exposition of the app's own registry

A required check that fails makes the service not ready (take it out of the load balancer);
an optional one is reported but does not (the search answers without its cache). A check is
a function that raises when its dependency does not answer; the reason shown is the
exception's first line with any URL's password removed.

Each request gets an id: the client's ``X-Request-ID`` when it is short and plain, or a new
one; it is sent back in the answer's ``X-Request-ID`` and put in every log line written
while the request is answered (``services.logs``). Metrics are labelled by route template
(``/notice/{merged_id}``, never the raw path: no patron data, bounded cardinality).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalogue_sync.cache import ResponseCache
from catalogue_sync.store import Store
from services.logs import REQUEST_ID, install_access_log_filter

log = logging.getLogger(__name__)

Check = Callable[[], None]
"""Raises when the dependency it checks does not answer."""

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""Ids taken from clients: short, and nothing that could forge a log line or a header."""
_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
UNMATCHED = "unmatched"
"""The route label of requests no route answered (their paths are not recorded)."""


@dataclass(slots=True)
class Metrics:
    """The app's own registry (apps made in one process do not share it) and its metrics."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    searches: Histogram

    @classmethod
    def new(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry,
            Counter("http_requests", "HTTP requests answered, by route template and status",
                    ["method", "route", "status"], registry=registry),
            Histogram("http_request_duration_seconds", "Time to answer HTTP requests",
                      ["method", "route", "status"], registry=registry),
            Histogram("catalogue_sync_search_duration_seconds",
                      "Time to answer a search, by route template", ["route"],
                      registry=registry,
                      buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)),
        )


def metrics_of(app: FastAPI) -> Metrics:
    metrics: Metrics = app.state.metrics
    return metrics


def add_operations(app: FastAPI, *, required: Mapping[str, Check],
                   optional: Mapping[str, Check] | None = None,
                   search_routes: Collection[str] = ()) -> Metrics:
    """Add the operations routes and the request middleware to ``app``; its metrics."""
    metrics = Metrics.new()
    app.state.metrics = metrics
    app.add_middleware(RequestMiddleware, metrics=metrics, search_routes=frozenset(search_routes))
    install_access_log_filter()
    _add_routes(app, metrics, dict(required), dict(optional or {}))
    return metrics


def _add_routes(app: FastAPI, metrics: Metrics, required: dict[str, Check],
                optional: dict[str, Check]) -> None:
    @app.get("/healthz", tags=["operations"])
    @app.get("/health", tags=["operations"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (no dependency is checked)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """Readiness: each dependency answers a trivial request."""
        return readiness(required, optional)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def readiness(required: Mapping[str, Check], optional: Mapping[str, Check]) -> JSONResponse:
    """200 when every required check passes, else 503; every check's result named."""
    results = {name: run_check(name, check) for name, check in required.items()}
    ready = all(result == "ok" for result in results.values())
    results |= {name: run_check(name, check) for name, check in optional.items()}
    body = {"status": "ready" if ready else "not ready", "checks": results}
    return JSONResponse(body, status_code=200 if ready else 503)


def run_check(name: str, check: Check) -> str:
    """``ok``, or ``failed: <why>`` (logged as a warning)."""
    try:
        check()
    except Exception as exc:  # a check may fail in any way; readiness reports them all
        why = safe_reason(exc)
        log.warning("readiness: %s failed: %s", name, why, extra={"check": name})
        return f"failed: {why}"
    return "ok"


def safe_reason(exc: BaseException) -> str:
    """The exception's first line, any URL's password replaced by ***."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return _PASSWORD.sub(r"\1:***@", first)


# Checks ---------------------------------------------------------------------------------

def store_check(store: Store) -> Check:
    """The record store answers ``SELECT 1``."""
    def check() -> None:
        with store.transaction("checking readiness") as connection:
            connection.execute(sa.text("SELECT 1"))
    return check


def redis_check(client: redis.Redis) -> Check:
    """Redis answers PING (within the client's own timeout)."""
    def check() -> None:
        client.ping()
    return check


def cache_check(cache: ResponseCache) -> Check:
    """The search cache's Redis answers; a cache that is off passes."""
    def check() -> None:
        cache.get(cache.key("readiness", "probe"))  # a miss or a value: Redis answered
        if cache.state == "down":
            raise ConnectionError(f"Redis at {cache.where} does not answer")
    return check


# Request ids and metrics ----------------------------------------------------------------

class RequestMiddleware:
    """Sets the request id for the request's logs, sends it back, and measures the answer.

    Plain ASGI rather than BaseHTTPMiddleware: the context variable is set in the task that
    runs the routes, and streamed answers are not buffered."""

    def __init__(self, app: ASGIApp, metrics: Metrics, search_routes: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.search_routes = search_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()),
                           (REQUEST_ID_HEADER.lower().encode(), request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.observe(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_of(scope)
        labels = {"method": scope["method"], "route": route, "status": str(status)}
        self.metrics.requests.labels(**labels).inc()
        self.metrics.latency.labels(**labels).observe(seconds)
        if route in self.search_routes and status < 400:
            self.metrics.searches.labels(route=route).observe(seconds)


def request_id_of(scope: Scope) -> str:
    """The client's X-Request-ID when short and plain; a new random one otherwise."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given: str = value.decode("latin-1")
            if _SAFE_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The template of the route that answered (``/notice/{merged_id}``), or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else UNMATCHED
