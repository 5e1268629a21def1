"""``catalogue-sync serve``: run the HTTP services."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from catalogue_sync.config import get_settings
from services.cli.context import Context
from services.search.app import create_app
from services.search.context import SearchContext

serve_app = typer.Typer(help="Run the HTTP services.", no_args_is_help=True)


@serve_app.command("search")
def search(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """The search API, the web catalogue, SRU (/sru) and OAI-PMH (/oai)."""
    context: Context = ctx.obj
    search_context = SearchContext.open(context.network(), get_settings())
    app = create_app(search_context, close_context=True)
    uvicorn.run(app, host=host, port=port, log_config=None)
