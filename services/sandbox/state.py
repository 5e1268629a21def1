"""What the sandbox's routes share: the network, its OAI provider, the pending faults, the
requests counted, and the HTTP-level faults every kind of request can meet."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from services.sandbox.catalogue import LibraryCatalogue
from services.sandbox.faults import HTTP_FAULTS, FaultInjector, FaultKind, FaultTarget
from services.sandbox.generator import SandboxNetwork
from services.sandbox.oai import OaiProvider

STATUS = {FaultKind.UNAVAILABLE: 503, FaultKind.RATE_LIMITED: 429, FaultKind.SERVER_ERROR: 500}


class RequestCounter:
    """How many requests each library's endpoints received, e.g. ``count("fm", "api")``.

    Shared by the server thread and the tests that check a cache spared the ILS a call.
    """

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, library: str, target: FaultTarget) -> None:
        with self._lock:
            self._counts[(library, target.value)] += 1

    def count(self, library: str, target: FaultTarget | str) -> int:
        with self._lock:
            return self._counts[(library, FaultTarget(target).value)]

    def as_dict(self) -> dict[str, dict[str, int]]:
        with self._lock:
            found: dict[str, dict[str, int]] = {}
            for (library, target), count in sorted(self._counts.items()):
                found.setdefault(library, {})[target] = count
            return found


@dataclass
class SandboxState:
    """What the routes share: the network, its OAI provider and the pending faults."""

    network: SandboxNetwork
    provider: OaiProvider
    faults: FaultInjector
    requests: RequestCounter = field(default_factory=RequestCounter)
    tokens: set[str] = field(default_factory=set)
    """OAuth2 access tokens the Koha REST API issued."""


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


Sandbox = Annotated[SandboxState, Depends(get_state)]


def get_catalogue(library: str, state: Sandbox) -> LibraryCatalogue:
    try:
        return state.network.catalogue(library)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=str(exc.args[0])) from None


Catalogue = Annotated[LibraryCatalogue, Depends(get_catalogue)]


async def http_fault(request: Request, state: SandboxState, library: str,
                     target: FaultTarget) -> Response | None:
    """Count the request, then answer with the library's pending HTTP fault, or wait out a
    timeout; None: go on."""
    state.requests.add(library, target)
    fault = state.faults.take(library, HTTP_FAULTS, target)
    if fault is None:
        return None
    if fault.kind is FaultKind.TIMEOUT:
        await wait_or_disconnect(request, fault.seconds)
        return None
    headers = {} if fault.kind is FaultKind.SERVER_ERROR else {
        "Retry-After": str(fault.retry_after)}
    return Response(f"injected {fault.kind.value}\n", status_code=STATUS[fault.kind],
                    headers=headers, media_type="text/plain")


async def wait_or_disconnect(request: Request, seconds: float) -> None:
    """Sleep, but stop as soon as the client gives up (so the server can shut down)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(0.05, max(deadline - loop.time(), 0)))
