"""``catalogue-sync serve``: run the HTTP services."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from catalogue_sync.config import get_settings
from services.cli.context import Context
from services.search.app import create_app
from services.search.asgi import FACTORY
from services.search.context import SearchContext

serve_app = typer.Typer(help="Run the HTTP services.", no_args_is_help=True)


@serve_app.command("search")
def search(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes; one per core answers the most searches.")] = 1,
) -> None:
    """The search API, the web catalogue, SRU (/sru) and OAI-PMH (/oai)."""
    context: Context = ctx.obj
    network = context.network()  # checked here, so a bad file fails once, not per worker
    if workers == 1:
        app = create_app(SearchContext.open(network, get_settings()), close_context=True)
        uvicorn.run(app, host=host, port=port, log_config=None)
        return
    # Each worker opens its own store and index from the environment (services/search/asgi).
    os.environ["CATALOGUE_SYNC_CONFIG"] = str(context.config.resolve())
    get_settings.cache_clear()
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, log_config=None)
