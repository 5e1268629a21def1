"""The gateway's FastAPI app: its routers, its context, its error answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import Counter

from catalogue_sync.errors import CrossSiteRequest
from services import clients
from services.gateway import api, cas, web
from services.gateway.access import check_vendor_keys
from services.gateway.context import GatewayContext
from services.http import install_error_handlers
from services.operations import add_operations, redis_check, store_check
from services.search.web.pages import STATIC_DIR, STATIC_PATH

HERE = Path(__file__).resolve().parent


def create_app(context: GatewayContext, *, close_context: bool = False) -> FastAPI:
    check_vendor_keys(context)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_context:
            await context.close()

    app = FastAPI(title="catalogue-sync gateway", lifespan=lifespan,
                  description="Sign-in for patrons, CAS 3.0 and an entitlement API for "
                              "vendors.")
    app.state.context = context
    install_error_handlers(app, pages=_page)
    app.add_exception_handler(CrossSiteRequest, web.cross_site_page)
    clients.install(app)
    app.include_router(web.router)
    app.include_router(api.router)
    app.include_router(cas.router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="catalogue-static")
    app.mount("/static/gateway", StaticFiles(directory=HERE / "static"), name="gateway-static")

    metrics = add_operations(app, required={"store": store_check(context.store),
                                            "redis": redis_check(context.redis)})
    app.state.sign_ins = Counter(
        "gateway_sign_ins", "Patrons' sign-in attempts, by outcome", ["outcome"],
        registry=metrics.registry)

    return app


def _page(request: Request, status: int) -> Response:
    context: GatewayContext = request.app.state.context
    return web.error_page(request, context, 404 if status == 404 else 400)
