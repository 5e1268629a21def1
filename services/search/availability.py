"""``GET /api/v1/records/{id}/availability``: where each copy of a merged record is, now.

The route reads the live merged record (``records.live_record``: a replaced one is a 301 to
its successor's availability, a deleted one 410, an unknown id 404) and asks
``catalogue_sync.availability`` for its copies: live from the libraries' ILSs, or as
harvested, with the date, when an ILS cannot answer within ``[availability] deadline``. An
ILS failing is never an HTTP error. docs/search.md describes the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from catalogue_sync.availability.service import Availability
from connectors import registry
from services.search import records
from services.search.api import PREFIX, RECORD_ANSWERS, only
from services.search.context import SearchContext, context_of

router = APIRouter(prefix=PREFIX, tags=["search API"])
Context = Annotated[SearchContext, Depends(context_of)]


def availability_of(context: Context) -> Availability:
    """The context's Availability, made on first use where the context was built without."""
    if context.availability is None:
        context.availability = Availability(context.network, context.store,
                                            registry.build_provider, context.cache)
    return context.availability


Live = Annotated[Availability, Depends(availability_of)]


class CopyStatus(BaseModel):
    """One copy and its status."""

    barcode: str | None
    call_number: str | None
    location: str | None
    branch: str | None
    doc_type: str | None
    status: str = Field(description="available, on-loan, not-for-loan, on-order, lost, "
                                    "withdrawn; harvested statuses may also be a library's "
                                    "own code")
    due_date: str | None = Field(description="When a copy on loan is due back (YYYY-MM-DD)")


class HoldingAvailability(BaseModel):
    """One member record's copies, and where their statuses come from."""

    library: str
    name: str
    record: str = Field(description="The record's id in the library's own catalogue")
    source: Literal["live", "cached", "harvested"]
    available: bool = Field(description="At least one copy is on the shelf")
    checked_at: datetime | None = Field(description="When the ILS answered (live, cached)")
    harvested_at: datetime | None = Field(description="When the statuses shown were "
                                                      "harvested (harvested)")
    reason: Literal["no-live-status", "timeout", "unavailable", "refused",
                    "misconfigured"] | None = Field(description="Why not live (harvested)")
    items: list[CopyStatus]


class AvailabilityAnswer(BaseModel):
    """Every holding of a merged record, in the record page's order."""

    id: str
    checked_at: datetime
    holdings: list[HoldingAvailability]


@router.get("/records/{record_id}/availability", response_model=AvailabilityAnswer,
            responses=RECORD_ANSWERS, dependencies=[Depends(only())])
async def record_availability(record_id: str, context: Context, live: Live) -> Response:
    """Each copy's status: live from its library's ILS, else as harvested, with the date."""
    try:
        merged = await run_in_threadpool(records.live_record, context.store, record_id)
    except records.Moved as moved:
        return RedirectResponse(f"{PREFIX}/records/{moved.merged_id}/availability",
                                status_code=301)
    answer = await live.for_record(merged.display or {}, merged.id)
    return JSONResponse(answer.as_dict())
