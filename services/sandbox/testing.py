"""Run the sandbox on a loopback port for a test, over real HTTP.

    with run_sandbox(SandboxNetwork(total_records=200)) as sandbox:
        sandbox.faults.inject("mediatheque-fm", "unavailable", count=2, retry_after=1)
        httpx.get(sandbox.oai_url("mediatheque-fm"), params={"verb": "Identify"})
        sandbox.requests.count("mediatheque-fm", "oai")    # 3
        sandbox.sip2_port                                  # its SIP2 server (patrons)

The HTTP server runs in a background thread (``services.serving``), the SIP2 server in
another (``sip2``), sharing the faults and the request counts; the context manager waits
until both answer and stops them on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Literal

from services.sandbox.app import create_app
from services.sandbox.faults import FaultInjector
from services.sandbox.generator import SandboxNetwork
from services.sandbox.koha_api import api_url
from services.sandbox.sip2 import Sip2Sandbox, serve_sip2
from services.sandbox.state import RequestCounter
from services.serving import serve_on_loopback


@dataclass(frozen=True)
class SandboxServer:
    """A running sandbox: where it listens, its network and its fault injector."""

    base_url: str
    network: SandboxNetwork
    faults: FaultInjector
    requests: RequestCounter
    sip2_port: int = 0
    """The SIP2 server's port on 127.0.0.1 (``sip2``); 0 when it was not started."""

    def oai_url(self, library_id: str) -> str:
        """The OAI-PMH base URL of a library."""
        return f"{self.base_url}/{library_id}/oai"

    def dump_url(self, library_id: str, fmt: Literal["mrc", "xml"] = "mrc") -> str:
        """The URL of a library's full dump, ISO 2709 (``mrc``) or MARCXML (``xml``)."""
        return f"{self.base_url}/{library_id}/dump.{fmt}"

    def api_url(self, library_id: str) -> str:
        """The base URL of a library's Koha REST API (``koha_api``)."""
        return api_url(self.base_url, library_id)


@contextmanager
def run_sandbox(network: SandboxNetwork, *, page_size: int = 100,
                sip2: bool = True) -> Iterator[SandboxServer]:
    """Serve ``network`` on 127.0.0.1 (free ports) for the duration of the block: HTTP, and
    SIP2 unless ``sip2`` is false."""
    faults, requests = FaultInjector(), RequestCounter()
    app = create_app(network, page_size=page_size, faults=faults, requests=requests)
    with ExitStack() as stack:
        base_url = stack.enter_context(serve_on_loopback(app, health="/_health",
                                                         name="sandbox"))
        port = stack.enter_context(serve_sip2(Sip2Sandbox(network, faults, requests))
                                   ) if sip2 else 0
        yield SandboxServer(base_url, network, faults, requests, port)
