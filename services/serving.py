"""Serving a FastAPI app on a loopback port in this process, for tests and benchmarks.

    with serve_on_loopback(app, health="/health", name="search") as base_url:
        httpx.get(f"{base_url}/health")

uvicorn runs in a background thread on a socket bound to 127.0.0.1 port 0; the context
manager waits until ``health`` answers and stops the server (and its thread) on exit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

START_TIMEOUT = 10.0


def quiet_config(app: FastAPI, *, log_level: str = "warning") -> uvicorn.Config:
    """No websockets (their module warns on import), no lifespan, no access log: servers
    in tests must start fast and quietly, and tests run with warnings as errors. No proxy
    headers, as ``catalogue-sync serve`` (the apps resolve clients: ``services.clients``)."""
    return uvicorn.Config(
        app, log_level=log_level, access_log=False, ws="none", lifespan="off",
        loop="asyncio", http="h11", timeout_graceful_shutdown=2, proxy_headers=False,
    )


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1 (for a server started elsewhere)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def loopback_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1, for ``serve_on_loopback(sock=...)``: its
    address is known before the app is made (servers that must know each other's URL)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    """The base URL a server on ``sock`` answers at."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serve_on_loopback(app: FastAPI, *, health: str, name: str,
                      sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port, or ``sock``'s) for the duration of the
    block; its URL."""
    server = uvicorn.Server(quiet_config(app))
    sock = sock or loopback_socket()
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"{name}-{port}", daemon=True)
    thread.start()
    try:
        base_url = url_of(sock)
        wait_until_up(f"{base_url}{health}", thread.is_alive, name)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()


def wait_until_up(url: str, alive: Callable[[], bool], name: str) -> None:
    """Poll ``url`` until it answers 200; fail if the server (thread or process) died."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if not alive():
                raise RuntimeError(f"the {name} server stopped while starting")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"the {name} server did not answer at {url} within {START_TIMEOUT} s")
