"""The vendors' entitlement API, under /api/v1 (docs/gateway.md, "Vendors' API").

    GET /api/v1/entitlements/check?patron=PSEUDONYM&resource=ID   entitled now, and where from
    GET /api/v1/resources                                         the vendor's resources

A vendor sends ``Authorization: Bearer cs_<id>_<secret>`` (``catalogue-sync vendor add-key``).
A missing, wrong or revoked key is 401 with WWW-Authenticate; a key past its calls of the
minute is 429 with Retry-After, and so is a client address past ``[gateway]
refused_keys_per_address`` calls without a valid key this minute; another vendor's resource
is 404, like an unknown one; a parameter given twice is 400, as CAS refuses it
(``services.params``). Every call that reaches a route is audited (vendor, key, endpoint,
outcome) once its answer is known, errors included, except an address's calls refused past
its limit: only the first of them each minute, so that nobody fills the audit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from catalogue_sync.errors import CatalogueError
from catalogue_sync.gateway import vendors
from catalogue_sync.gateway.address_limit import AddressLimit, AddressLimited
from catalogue_sync.gateway.vendors import PSEUDONYM_PATTERN, Caller, KeyRefused
from catalogue_sync.offer import OFFER_ID
from services.clients import request_address
from services.gateway.context import GatewayContext, context_of
from services.http import status_of
from services.params import single_values


async def api_context(request: Request) -> GatewayContext:
    return context_of(request)


# Every dependency and route here is async and calls the core directly: each call blocks the
# event loop for well under a millisecond (a primary-key read, one insert, one Redis round
# trip), which costs less than the threadpool's hand-offs FastAPI makes for sync functions
# (measured with bench/gateway.py: see docs/benchmarks.md, "Gateway").
Context = Annotated[GatewayContext, Depends(api_context)]
bearer = HTTPBearer(auto_error=False, description="An API key: cs_<id>_<secret>.")
CHALLENGE = 'Bearer realm="catalogue-sync vendors"'
OUTCOMES = {400: "bad-request", 401: "refused-key", 404: "not-found", 429: "rate-limited"}
ADDRESS_LIMITED = "address-limited"
"""The outcome of a call refused because its address made too many without a valid key."""


class AuditedRoute(APIRoute):
    """A route whose every call leaves an audit row, whatever its answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        endpoint = self.path

        async def audited(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as error:
                _audit(request, endpoint, _status(error))
                raise
            _audit(request, endpoint, response.status_code)
            return response

        return audited


def _audit(request: Request, endpoint: str, status: int) -> None:
    if not getattr(request.state, "audited", True):
        return
    outcome = getattr(request.state, "outcome", None) or OUTCOMES.get(
        status, "ok" if status < 400 else "failed")
    vendors.audit_trail(context_of(request).store).record(
        getattr(request.state, "caller", None), endpoint, status, outcome)


def _status(error: Exception) -> int:
    if isinstance(error, HTTPException):
        return error.status_code
    if isinstance(error, RequestValidationError):
        return 400
    return status_of(error) if isinstance(error, CatalogueError) else 500


router = APIRouter(prefix="/api/v1", tags=["vendors"], route_class=AuditedRoute)


def client_address(request: Request) -> str:
    """Where the call comes from, as the limits count it (trusted proxies included)."""
    return request_address(request)


async def current_vendor(request: Request, context: Context,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                   ) -> Caller:
    """The vendor of the request's API key, which has calls left this minute."""
    try:
        caller = vendors.authenticate(context.store,
                                      credentials.credentials if credentials else None)
    except KeyRefused as error:
        error.challenge = f'{CHALLENGE}, error="invalid_token"' if credentials else CHALLENGE
        count_refusal(request, context)
        raise
    request.state.caller = caller
    limit = vendors.RateLimit(context.redis, prefix=f"{context.network.cache.key_prefix}:gateway")
    limit.spend(caller, time.time())
    return caller


def count_refusal(request: Request, context: GatewayContext) -> None:
    """Count a call without a valid key against its address; AddressLimited past the limit
    (audited for the first call past it only)."""
    limit = AddressLimit(context.redis, prefix=f"{context.network.cache.key_prefix}:gateway",
                         name="refused-keys", key=context.keys.current[1],
                         per_minute=context.network.gateway.refused_keys_per_address)
    try:
        limit.spend(client_address(request), time.time())
    except AddressLimited as limited:
        request.state.outcome = ADDRESS_LIMITED
        request.state.audited = limited.first
        raise


Vendor = Annotated[Caller, Depends(current_vendor)]
SingleValues = Depends(single_values)
"""After the key (so that the audit names the vendor): no parameter given twice."""


class Problem(BaseModel):
    detail: str = Field(description="What is wrong, in words.")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A parameter is missing or malformed."},
    401: {"model": Problem, "description": "No API key, or a wrong or revoked one."},
    429: {"model": Problem, "description": "The key made its calls of this minute, or the "
                                           "address too many calls without a valid key; "
                                           "see Retry-After."},
}


class EntitlementAnswer(BaseModel):
    patron: str = Field(description="The pseudonym asked about, as sent.")
    resource: str
    entitled: bool = Field(description="Whether the patron may open the resource now. An "
                                       "unknown pseudonym is simply not entitled.")
    library: str | None = Field(description="The patron's home library, when entitled.")
    category: str | None = Field(description="adult or youth, when entitled.")
    checked_at: datetime


class ResourceAnswer(BaseModel):
    id: str
    name: str
    kind: str
    url: str
    libraries: list[str] = Field(description="The member libraries whose patrons are "
                                             "entitled.")
    whole_network: bool = Field(description="Every member library is (none listed).")
    categories: list[str] = Field(description="The patron categories entitled; empty: all.")
    starts: date | None
    ends: date | None
    open_now: bool = Field(description="Today is within starts and ends.")


class ResourcesAnswer(BaseModel):
    vendor: str
    resources: list[ResourceAnswer]


@router.get("/entitlements/check", response_model=EntitlementAnswer,
            responses={**ERRORS, 404: {"model": Problem,
                                       "description": "Not a resource of this vendor."}},
            dependencies=[Depends(current_vendor), SingleValues])
async def check_entitlement(
    request: Request, context: Context, caller: Vendor,
    patron: Annotated[str, Query(pattern=PSEUDONYM_PATTERN.pattern, description="The "
                                 "pseudonym the gateway sent with the patron (patron=...).")],
    resource: Annotated[str, Query(max_length=vendors.MAX_RESOURCE_ID,
                                   pattern=OFFER_ID.pattern, description="The resource's id.")],
) -> EntitlementAnswer:
    """Whether the patron this pseudonym stands for may open the resource now."""
    now = vendors.utcnow()
    answer = vendors.check(context.store, context.network, caller, patron, resource, now)
    request.state.outcome = "entitled" if answer.entitled else "not-entitled"
    return EntitlementAnswer(patron=patron, resource=resource, entitled=answer.entitled,
                             library=answer.library, category=answer.category,
                             checked_at=now)


@router.get("/resources", response_model=ResourcesAnswer, responses=ERRORS,
            dependencies=[Depends(current_vendor), SingleValues])
async def list_resources(context: Context, caller: Vendor) -> ResourcesAnswer:
    """The vendor's resources and which member libraries' patrons are entitled to each."""
    today = date.today()
    return ResourcesAnswer(vendor=caller.vendor, resources=[
        ResourceAnswer(id=resource.id, name=resource.name, kind=resource.kind.value,
                       url=resource.url,
                       libraries=vendors.libraries_entitled(context.network, resource),
                       whole_network=not resource.libraries,
                       categories=list(resource.categories), starts=resource.starts,
                       ends=resource.ends, open_now=vendors.open_on(resource, today))
        for resource in vendors.resources_of(context.network, caller)])
