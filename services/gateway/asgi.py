"""The gateway as an ASGI factory, for ``serve gateway --workers N`` (and any ASGI server:
``uvicorn --factory services.gateway.asgi:app_from_environment``). Each worker process opens
its own Redis client, store and keys from the environment (CATALOGUE_SYNC_CONFIG, the pseudonym
keys, the vendors' keys)."""

from __future__ import annotations

from fastapi import FastAPI

from catalogue_sync.config import get_settings, load_network
from connectors import registry
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from services.logs import set_up_from_environment

FACTORY = "services.gateway.asgi:app_from_environment"


def app_from_environment() -> FastAPI:
    set_up_from_environment()
    settings = get_settings()
    network = load_network(settings.config)
    registry.validate(network)
    return create_app(GatewayContext.open(network, settings), close_context=True)
