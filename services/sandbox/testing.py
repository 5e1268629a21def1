"""Run the sandbox on a loopback port for a test, over real HTTP.

    with run_sandbox(SandboxNetwork(total_records=200)) as sandbox:
        sandbox.faults.inject("mediatheque-fm", "unavailable", count=2, retry_after=1)
        httpx.get(sandbox.oai_url("mediatheque-fm"), params={"verb": "Identify"})

uvicorn runs in a background thread on a socket bound to 127.0.0.1 port 0; the context
manager waits until ``/_health`` answers and stops the server (and its thread) on exit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import httpx
import uvicorn

from services.sandbox.app import create_app, uvicorn_config
from services.sandbox.faults import FaultInjector
from services.sandbox.generator import SandboxNetwork

START_TIMEOUT = 10.0


@dataclass(frozen=True)
class SandboxServer:
    """A running sandbox: where it listens, its network and its fault injector."""

    base_url: str
    network: SandboxNetwork
    faults: FaultInjector

    def oai_url(self, library_id: str) -> str:
        """The OAI-PMH base URL of a library."""
        return f"{self.base_url}/{library_id}/oai"

    def dump_url(self, library_id: str, fmt: Literal["mrc", "xml"] = "mrc") -> str:
        """The URL of a library's full dump, ISO 2709 (``mrc``) or MARCXML (``xml``)."""
        return f"{self.base_url}/{library_id}/dump.{fmt}"


@contextmanager
def run_sandbox(network: SandboxNetwork, *, page_size: int = 100) -> Iterator[SandboxServer]:
    """Serve ``network`` on 127.0.0.1 (a free port) for the duration of the block."""
    faults = FaultInjector()
    server = uvicorn.Server(uvicorn_config(create_app(network, page_size=page_size,
                                                      faults=faults)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"sandbox-{port}", daemon=True)
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, thread)
        yield SandboxServer(base_url, network, faults)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()


def wait_until_up(base_url: str, thread: threading.Thread) -> None:
    """Poll ``/_health`` until it answers; fail if the server thread died."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if not thread.is_alive():
                raise RuntimeError("the sandbox server stopped while starting")
            try:
                if client.get(f"{base_url}/_health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"the sandbox did not answer at {base_url} within {START_TIMEOUT} s")
