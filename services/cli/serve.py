"""``catalogue-sync serve``: run the HTTP services."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from catalogue_sync.config import get_settings
from services import clients
from services.cli.context import Context
from services.gateway import asgi as gateway_asgi
from services.gateway.app import create_app as create_gateway
from services.gateway.context import GatewayContext
from services.harvester import worker
from services.harvester.queue import redis_url_of
from services.logs import hand_down
from services.search import asgi as search_asgi
from services.search.app import create_app
from services.search.context import SearchContext

serve_app = typer.Typer(help="Run the HTTP services.", no_args_is_help=True)
WORKERS = typer.Option(min=1, max=64, help="Worker processes; one per core answers the most.")


@serve_app.command("search")
def search(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, WORKERS] = 1,
) -> None:
    """The search API, the web catalogue, SRU (/sru) and OAI-PMH (/oai)."""
    context: Context = ctx.obj
    network = context.network()  # checked here, so a bad file fails once, not per worker
    run(context, host, port, workers, search_asgi.FACTORY, lambda: create_app(
        SearchContext.open(network, get_settings()), close_context=True))


@serve_app.command("gateway")
def gateway(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    workers: Annotated[int, WORKERS] = 1,
) -> None:
    """The resource gateway: patrons' sign-in and resources, CAS (/cas), vendors' API."""
    context: Context = ctx.obj
    network = context.network()
    run(context, host, port, workers, gateway_asgi.FACTORY, lambda: create_gateway(
        GatewayContext.open(network, get_settings()), close_context=True))


@serve_app.command("harvester")
def harvester(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes, each running one job at a time.")] = 1,
    tick: Annotated[float, typer.Option(
        min=0.2, max=3600, hidden=True, help="Seconds between two looks at the schedules.")
    ] = 15.0,
    alive_file: Annotated[Path | None, typer.Option(
        help="A file touched every few seconds while Redis answers, for health checks.")
    ] = None,
) -> None:
    """Harvest, merge and index jobs from the Redis queue, and the schedules of
    network.toml; run as many as you like, on as many machines."""
    context: Context = ctx.obj
    network = context.network()
    redis_url_of(network)  # no Redis: say so once, before any worker starts
    worker.serve(context.config.resolve(), concurrency=concurrency, tick=tick,
                 alive_file=alive_file)


def run(context: Context, host: str, port: int, workers: int, factory: str,
        app: Callable[[], FastAPI]) -> None:
    """One process serving ``app()``, or ``workers`` processes each making its own app with
    ``factory`` from the environment (an open store or Redis client cannot cross a fork).

    uvicorn's own proxy headers are off: by default it believes X-Forwarded-For from
    127.0.0.1, so a client on this machine (or behind a proxy there) could name any address
    to the sign-in throttles. The apps read it from the proxies CATALOGUE_SYNC_TRUSTED_PROXIES
    names, none by default (``services.clients``)."""
    clients.parse_proxies(get_settings().trusted_proxies)  # a wrong one: said once, here
    if workers == 1:
        uvicorn.run(app(), host=host, port=port, log_config=None, proxy_headers=False)
        return
    os.environ["CATALOGUE_SYNC_CONFIG"] = str(context.config.resolve())
    hand_down()
    get_settings.cache_clear()
    config = uvicorn.Config(factory, factory=True, host=host, port=port, workers=workers,
                            log_config=None, proxy_headers=False)
    Multiprocess(config, sockets=[tcp_listener(host, port)]).run()


def tcp_listener(host: str, port: int) -> socket.socket:
    """The socket the worker processes share, made as TCP explicitly.

    uvicorn makes it with protocol 0; the connections accepted on it inherit that, and
    asyncio then leaves Nagle's algorithm on for them, so that every answer on a kept-alive
    connection waits about 40 ms for the client's delayed acknowledgement (uvicorn issue
    3149). With IPPROTO_TCP, asyncio sets TCP_NODELAY on each connection as it should.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock
