"""The sandbox's HTTP layer: OAI-PMH, dumps, faults and ticks over FastAPI.

    GET|POST /{library}/oai?verb=...   OAI-PMH 2.0 (see ``oai``)
    GET  /{library}/dump.mrc           ISO 2709 of every live record, streamed
    GET  /{library}/dump.xml           MARCXML collection of every live record, streamed
    GET  /_health                      libraries, record counts and URLs
    GET|POST|DELETE /_faults           list, inject (JSON body, see ``faults``), clear
    POST /_tick                        {"library": ..., "changed": n, "deleted": n}

Routes parse the request, apply the HTTP-level faults, and call the provider or the network;
the protocol itself lives in ``oai``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Annotated, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.sandbox import oaixml
from services.sandbox.catalogue import LibraryCatalogue
from services.sandbox.faults import (
    ANY_LIBRARY,
    HTTP_FAULTS,
    RECORD_FAULTS,
    TOKEN_FAULTS,
    FaultInjector,
    FaultKind,
    MetadataMangler,
)
from services.sandbox.generator import SandboxNetwork
from services.sandbox.marcio import COLLECTION_OPEN
from services.sandbox.oai import OaiProvider, Quirks

XML = "text/xml; charset=utf-8"
STATUS = {FaultKind.UNAVAILABLE: 503, FaultKind.RATE_LIMITED: 429, FaultKind.SERVER_ERROR: 500}
DUMP_BATCH = 200


@dataclass
class SandboxState:
    """What the routes share: the network, its OAI provider and the pending faults."""

    network: SandboxNetwork
    provider: OaiProvider
    faults: FaultInjector


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
router = APIRouter()


class FaultRequest(BaseModel):
    """The JSON body of ``POST /_faults`` (fields as in :class:`faults.Fault`)."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    library: str = ANY_LIBRARY
    count: int = Field(default=1, ge=1)
    after: int = Field(default=0, ge=0)
    retry_after: int = Field(default=1, ge=0)
    seconds: float = Field(default=30.0, ge=0)
    entity: bool = False
    code: str = "badArgument"
    status: int = Field(default=400, ge=400, le=599)
    size_mb: float = Field(default=21.0, gt=0)


class TickRequest(BaseModel):
    """The JSON body of ``POST /_tick``."""

    model_config = ConfigDict(extra="forbid")

    library: str
    changed: int = Field(default=0, ge=0)
    deleted: int = Field(default=0, ge=0)


def create_app(
    network: SandboxNetwork, *, page_size: int = 100, faults: FaultInjector | None = None
) -> FastAPI:
    """The sandbox application for a network (one OAI-PMH provider per library)."""
    app = FastAPI(title="catalogue-sync sandbox network", version="1")
    app.state.sandbox = SandboxState(network, OaiProvider(network, page_size=page_size),
                                     faults or FaultInjector())
    app.include_router(router)
    return app


@router.get("/_health")
async def health(request: Request, state: Sandbox) -> dict[str, object]:
    base = str(request.base_url).rstrip("/")
    libraries = {
        cat.library.id: {"name": cat.library.name, "records": cat.count,
                         "oai": f"{base}/{cat.library.id}/oai"}
        for cat in state.network.catalogues.values()
    }
    return {"status": "ok", "libraries": libraries}


@router.get("/_faults")
async def list_faults(state: Sandbox) -> list[dict[str, object]]:
    return [fault.as_dict() for fault in state.faults.pending()]


@router.post("/_faults", status_code=201)
async def inject_fault(body: FaultRequest, state: Sandbox) -> dict[str, object]:
    if body.library != ANY_LIBRARY and body.library not in state.network.catalogues:
        raise HTTPException(status_code=404, detail=f"no sandbox library {body.library!r}")
    fault = state.faults.inject(**body.model_dump())
    return fault.as_dict()


@router.delete("/_faults", status_code=204)
async def clear_faults(state: Sandbox, library: str | None = None) -> Response:
    state.faults.clear(library)
    return Response(status_code=204)


@router.post("/_tick")
async def tick(body: TickRequest, state: Sandbox) -> dict[str, object]:
    try:
        result = state.network.tick(body.library, body.changed, body.deleted)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=str(exc.args[0])) from None
    return {**asdict(result), "datestamp": oaixml.stamp(int(result.datestamp.timestamp()))}


@router.api_route("/{library}/oai", methods=["GET", "POST"])
async def oai(request: Request, cat: Catalogue, state: Sandbox) -> Response:
    """One OAI-PMH request, after the library's HTTP-level faults."""
    library = cat.library.id
    refused = await http_fault(request, state, library)
    if refused is not None:
        return refused
    args = await oai_arguments(request)
    base_url = str(request.url.replace(query=""))
    error = state.faults.take(library, [FaultKind.OAI_ERROR])
    if error is not None:
        document = state.provider.error_document(error.code, "injected error", base_url)
        return Response(document, status_code=error.status, media_type=XML)
    reply = state.provider.respond(library, args, base_url, quirks(state, library, args))
    return Response(truncated(state, library, reply.body), status_code=reply.status,
                    media_type=XML)


@router.get("/{library}/dump.mrc")
async def dump_iso(request: Request, cat: Catalogue, state: Sandbox) -> Response:
    """Every live record in ISO 2709, concatenated."""
    return await dump(request, cat, state, "mrc")


@router.get("/{library}/dump.xml")
async def dump_xml(request: Request, cat: Catalogue, state: Sandbox) -> Response:
    """Every live record in one MARCXML collection."""
    return await dump(request, cat, state, "xml")


async def dump(request: Request, cat: LibraryCatalogue, state: SandboxState,
               fmt: Literal["mrc", "xml"]) -> Response:
    refused = await http_fault(request, state, cat.library.id)
    if refused is not None:
        return refused
    kinds = [FaultKind.BROKEN_RECORD] + ([FaultKind.INVALID_CHARS] if fmt == "xml" else [])
    fault = state.faults.take(cat.library.id, kinds)
    cut = state.faults.take(cat.library.id, [FaultKind.TRUNCATED]) is not None
    chunks = dump_chunks(cat, fmt, MetadataMangler(fault) if fault else None, cut)
    media = "application/marc" if fmt == "mrc" else XML
    filename = f"{cat.library.id}.{fmt}"
    return StreamingResponse(chunks, media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def dump_chunks(cat: LibraryCatalogue, fmt: str, mangler: MetadataMangler | None,
                cut: bool) -> Iterator[bytes]:
    """The dump in batches; a truncated dump stops half-way, mid-record."""
    live = [i for i in range(cat.count) if not cat.deleted[i]]
    damaged = len(live) // 2 if mangler else -1
    stop = len(live) // 2 if cut else len(live)
    if fmt == "xml":
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n{COLLECTION_OPEN}'.encode()
    for first in range(0, stop, DUMP_BATCH):
        batch = []
        for position in range(first, min(first + DUMP_BATCH, stop)):
            i = live[position]
            if fmt == "xml":
                data = cat.marcxml(i)
                batch.append(mangler.xml(data) if position == damaged and mangler else data)
            else:
                data = cat.render_iso2709(i, cat.versions[i], cat.datestamps[i])
                batch.append(mangler.iso(data) if position == damaged and mangler else data)
        yield b"".join(batch)
    if cut:
        yield b"<record><leader>00000" if fmt == "xml" else b"01234nam a22"
    elif fmt == "xml":
        yield b"</collection>\n"


async def http_fault(request: Request, state: SandboxState, library: str) -> Response | None:
    """Answer with the library's pending HTTP fault, or wait out a timeout; None: go on."""
    fault = state.faults.take(library, HTTP_FAULTS)
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


async def oai_arguments(request: Request) -> list[tuple[str, str]]:
    """Arguments from the query string, or from a form-encoded POST body (both allowed)."""
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        return parse_qsl(body, keep_blank_values=True)
    return list(request.query_params.multi_items())


def quirks(state: SandboxState, library: str, args: list[tuple[str, str]]) -> Quirks:
    """The token and record faults this request is exposed to."""
    faults, names = state.faults, {name for name, _ in args}
    token_fault = faults.take(library, TOKEN_FAULTS) if "resumptionToken" in names else None

    def mangle(records: list[bytes]) -> list[bytes]:
        # Taken only when a page really carries records, so no fault is spent on errors.
        fault = faults.take(library, RECORD_FAULTS)
        return MetadataMangler(fault)(records) if fault else records

    return Quirks(
        epoch=faults.epoch(library),
        bad_token=token_fault is not None and token_fault.kind is FaultKind.BAD_TOKEN,
        repeat_token=token_fault is not None and token_fault.kind is FaultKind.REPEAT_TOKEN,
        mangle=mangle,
    )


def truncated(state: SandboxState, library: str, body: bytes) -> bytes:
    fault = state.faults.take(library, [FaultKind.TRUNCATED])
    return body[: len(body) // 2] if fault else body
