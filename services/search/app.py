"""The search service's FastAPI app: its routers, its context, its error answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from services.http import add_health, install_error_handlers
from services.search import api, availability, oai, sru
from services.search.context import SearchContext
from services.search.web import address_page, install_web


def create_app(context: SearchContext, *, close_context: bool = False) -> FastAPI:
    """The app over ``context`` (closed with the app when ``close_context``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_context:
            context.close()

    app = FastAPI(title="catalogue-sync search", version=_version(), lifespan=lifespan,
                  description="The union catalogue of the network: search, records, "
                              "SRU and OAI-PMH.")
    app.state.context = context
    install_error_handlers(app, pages=address_page)
    app.include_router(api.router)
    app.include_router(availability.router)
    app.include_router(oai.router)
    app.include_router(sru.router)
    install_web(app)

    add_health(app)

    return app


def _version() -> str:
    try:
        return version("catalogue-sync")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
