"""The search service as an ASGI factory, for servers that start their own processes.

``catalogue-sync serve search --workers N`` hands uvicorn this import string; each worker
process then opens its own context from the environment (CATALOGUE_SYNC_CONFIG and the
other settings), since an open store and index cannot cross a fork. Any ASGI server can use
it the same way: ``uvicorn --factory services.search.asgi:app_from_environment``.
"""

from __future__ import annotations

from fastapi import FastAPI

from catalogue_sync.config import get_settings, load_network
from connectors import registry
from services.logs import set_up_from_environment
from services.search.app import create_app
from services.search.context import SearchContext

FACTORY = "services.search.asgi:app_from_environment"


def app_from_environment() -> FastAPI:
    """The app over the network file the settings name, closed with the app."""
    set_up_from_environment()
    settings = get_settings()
    network = load_network(settings.config)
    registry.validate(network)
    return create_app(SearchContext.open(network, settings), close_context=True)
