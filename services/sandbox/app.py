"""The sandbox's HTTP layer: OAI-PMH, dumps, faults and ticks over FastAPI.

    GET|POST /{library}/oai?verb=...   OAI-PMH 2.0 (see ``oai``)
    GET  /{library}/dump.mrc           ISO 2709 of every live record, streamed
    GET  /{library}/dump.xml           MARCXML collection of every live record, streamed
    GET  /{library}/api/v1/...         Koha's REST API, the items of a record (``koha_api``)
    GET  /_health                      libraries, record counts and URLs
    GET  /_requests                    requests received, by library and kind (oai, dump, api)
    GET|POST|DELETE /_faults           list, inject (JSON body, see ``faults``), clear
    POST /_tick                        {"library": ..., "changed": n, "deleted": n}

Routes parse the request, apply the HTTP-level faults, and call the provider or the network;
the protocol itself lives in ``oai``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.sandbox import kbart, koha_api, oaixml
from services.sandbox.catalogue import LibraryCatalogue
from services.sandbox.faults import (
    ANY_LIBRARY,
    RECORD_FAULTS,
    TOKEN_FAULTS,
    FaultInjector,
    FaultKind,
    FaultTarget,
    MetadataMangler,
)
from services.sandbox.generator import SandboxNetwork
from services.sandbox.marcio import COLLECTION_OPEN
from services.sandbox.oai import OaiProvider, Quirks
from services.sandbox.state import (
    Catalogue,
    RequestCounter,
    Sandbox,
    SandboxState,
    http_fault,
)

XML = "text/xml; charset=utf-8"
DUMP_BATCH = 200
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
    target: FaultTarget = FaultTarget.ANY


class TickRequest(BaseModel):
    """The JSON body of ``POST /_tick``."""

    model_config = ConfigDict(extra="forbid")

    library: str
    changed: int = Field(default=0, ge=0)
    deleted: int = Field(default=0, ge=0)


def create_app(
    network: SandboxNetwork, *, page_size: int = 100, faults: FaultInjector | None = None,
    requests: RequestCounter | None = None,
) -> FastAPI:
    """The sandbox application for a network (one OAI-PMH provider per library)."""
    app = FastAPI(title="catalogue-sync sandbox network", version="1")
    app.state.sandbox = SandboxState(network, OaiProvider(network, page_size=page_size),
                                     faults or FaultInjector(), requests or RequestCounter())
    app.include_router(router)
    app.include_router(koha_api.router)
    app.include_router(kbart.router)
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


@router.get("/_requests")
async def list_requests(state: Sandbox) -> dict[str, dict[str, int]]:
    return state.requests.as_dict()


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
    refused = await http_fault(request, state, library, FaultTarget.OAI)
    if refused is not None:
        return refused
    args = await oai_arguments(request)
    base_url = str(request.url.replace(query=""))
    error = state.faults.take(library, [FaultKind.OAI_ERROR], FaultTarget.OAI)
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
    refused = await http_fault(request, state, cat.library.id, FaultTarget.DUMP)
    if refused is not None:
        return refused
    kinds = [FaultKind.BROKEN_RECORD] + ([FaultKind.INVALID_CHARS] if fmt == "xml" else [])
    fault = state.faults.take(cat.library.id, kinds, FaultTarget.DUMP)
    cut = state.faults.take(cat.library.id, [FaultKind.TRUNCATED], FaultTarget.DUMP) is not None
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


async def oai_arguments(request: Request) -> list[tuple[str, str]]:
    """Arguments from the query string, or from a form-encoded POST body (both allowed)."""
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        return parse_qsl(body, keep_blank_values=True)
    return list(request.query_params.multi_items())


def quirks(state: SandboxState, library: str, args: list[tuple[str, str]]) -> Quirks:
    """The token and record faults this request is exposed to."""
    faults, names = state.faults, {name for name, _ in args}
    token_fault = (faults.take(library, TOKEN_FAULTS, FaultTarget.OAI)
                   if "resumptionToken" in names else None)

    def mangle(records: list[bytes]) -> list[bytes]:
        # Taken only when a page really carries records, so no fault is spent on errors.
        fault = faults.take(library, RECORD_FAULTS, FaultTarget.OAI)
        return MetadataMangler(fault)(records) if fault else records

    return Quirks(
        epoch=faults.epoch(library),
        bad_token=token_fault is not None and token_fault.kind is FaultKind.BAD_TOKEN,
        repeat_token=token_fault is not None and token_fault.kind is FaultKind.REPEAT_TOKEN,
        mangle=mangle,
    )


def truncated(state: SandboxState, library: str, body: bytes) -> bytes:
    fault = state.faults.take(library, [FaultKind.TRUNCATED], FaultTarget.OAI)
    return body[: len(body) // 2] if fault else body
