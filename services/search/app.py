"""The search service's FastAPI app: its routers, its context, its error answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from services import clients
from services.harvester.metrics import HarvestCollector
from services.http import install_error_handlers
from services.operations import Check, add_operations, cache_check, metrics_of, store_check
from services.search import api, availability, oai, sru
from services.search import sushi as sushi_api
from services.search.admin import install_admin
from services.search.context import SearchContext
from services.search.web import address_page, install_web
from services.search.web.params import PATH as SEARCH_PAGE


def create_app(context: SearchContext, *, close_context: bool = False) -> FastAPI:
    """The app over ``context`` (closed with the app when ``close_context``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.admin.close()
        if close_context:
            context.close()

    app = FastAPI(title="catalogue-sync search", version=_version(), lifespan=lifespan,
                  description="The union catalogue of the network: search, records, "
                              "SRU and OAI-PMH.")
    app.state.context = context
    install_error_handlers(app, pages=address_page)
    clients.install(app)
    app.include_router(api.router)
    api.publish_libraries(app, context.network)
    app.include_router(availability.router)
    app.include_router(oai.router)
    app.include_router(sru.router)
    app.include_router(sushi_api.router)
    install_web(app)
    install_admin(app, context)

    add_operations(app, required={"store": store_check(context.store),
                                  "index": index_check(context)},
                   optional={"redis": cache_check(context.cache)},
                   search_routes=SEARCH_ROUTES)
    # The harvester's figures: the store and the queue hold them, whichever worker ran.
    metrics_of(app).registry.register(HarvestCollector(context.network, context.store))

    return app


SEARCH_ROUTES = (f"{api.PREFIX}/search", SEARCH_PAGE, "/sru")
"""The routes whose answers are searches, timed apart in the metrics."""


def index_check(context: SearchContext) -> Check:
    """The index has a generation in use (a search service without one cannot search)."""
    def check() -> None:
        if context.searcher is None:
            raise LookupError("no search index is configured ([index] path)")
        index = context.searcher.catalogue_index
        if index.state() is None:
            raise LookupError(f"no search index in {index.path} yet: build it with "
                              "`catalogue-sync index`")
    return check


def _version() -> str:
    try:
        return version("catalogue-sync")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
