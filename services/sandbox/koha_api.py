"""The part of Koha's REST API a union catalogue reads, for each sandbox library with one.

    GET  /{library}/api/v1/biblios/{biblio_id}/items   the record's items, their status now
    POST /{library}/api/v1/oauth/token                 OAuth2 client credentials
    POST /{library}/api/v1/auth/password/validation    a card and PIN checked (Koha 23.11)
    GET  /{library}/api/v1/patrons/{patron_id}         a patron (``patrons``)

As in Koha: HTTP Basic (``API_USER``, ``API_PASSWORD``) or a Bearer token from
``/oauth/token`` (``OAUTH_CLIENT_ID``, ``OAUTH_CLIENT_SECRET``), 401 otherwise; pages with
``_page`` and ``_per_page`` (20 by default, -1 for all), ``X-Total-Count`` and a ``Link``
header; 404 for a record the library does not have (or deleted). Statuses move with time
(``circulation``); the HTTP faults of ``faults`` apply (``target="api"`` for these alone).
A library without a REST API (``SandboxLibrary.rest_api``) answers 404 everywhere here.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from services.sandbox.catalogue import LibraryCatalogue
from services.sandbox.circulation import koha_items
from services.sandbox.faults import FaultTarget
from services.sandbox.patrons import SandboxPatron, find_patron, patron_by_id
from services.sandbox.state import Catalogue, Sandbox, SandboxState, http_fault

API_USER = "catalogue-sync"
API_PASSWORD = "bac-a-sable"
"""The sandbox's API user (documented: the sandbox holds nothing worth protecting)."""
OAUTH_CLIENT_ID = "catalogue-sync-client"
OAUTH_CLIENT_SECRET = "bac-a-sable-oauth"
TOKEN_LIFETIME = 3600
DEFAULT_PER_PAGE = 20

router = APIRouter(prefix="/{library}/api/v1", tags=["Koha REST API"])


@router.get("/biblios/{biblio_id}/items")
async def biblio_items(
    request: Request, cat: Catalogue, state: Sandbox, biblio_id: str,
    page: Annotated[int, Query(alias="_page", ge=1)] = 1,
    per_page: Annotated[int, Query(alias="_per_page", ge=-1)] = DEFAULT_PER_PAGE,
) -> Response:
    """The items of a record, as Koha's ``getBiblioItems`` lists them."""
    refused = await http_fault(request, state, cat.library.id, FaultTarget.API)
    if refused is not None:
        return refused
    if not cat.library.rest_api:
        return _error(404, "Not found")
    if not signed_in(request, state):
        return _error(401, "Authentication failure.")
    index = cat.find(biblio_id)
    if index is None or cat.deleted[index]:
        return _error(404, "Biblio not found")
    items = koha_items(cat, index, biblio_id, datetime.now(UTC))
    size = len(items) if per_page in (-1, 0) else per_page
    shown = items[(page - 1) * size: page * size] if size else items
    headers = {"X-Total-Count": str(len(items))}
    if size and len(items) > page * size:
        headers["Link"] = f'<{request.url.include_query_params(_page=page + 1)}>; rel="next"'
    return JSONResponse(shown, headers=headers)


@router.post("/oauth/token")
async def oauth_token(request: Request, cat: Catalogue, state: Sandbox) -> Response:
    """An access token for the client credentials grant (a form-encoded body)."""
    refused = await http_fault(request, state, cat.library.id, FaultTarget.API)
    if refused is not None:
        return refused
    if not cat.library.rest_api:
        return _error(404, "Not found")
    form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
    if form.get("grant_type") != "client_credentials":
        return _error(400, "Unimplemented grant type")
    credentials = (form.get("client_id", ""), form.get("client_secret", ""))
    if credentials != (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET):
        return _error(403, "unauthorized_client")
    token = secrets.token_urlsafe(24)
    state.tokens.add(token)
    return JSONResponse({"access_token": token, "token_type": "Bearer",
                         "expires_in": TOKEN_LIFETIME})


@router.post("/auth/password/validation")
async def password_validation(request: Request, cat: Catalogue, state: Sandbox) -> Response:
    """201 and the patron's id when the identifier (card) and password (PIN) match, else
    400, as Koha says both (it does not tell a wrong card from a wrong password)."""
    refused = await guard(request, cat, state)
    if refused is not None:
        return refused
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "Malformed JSON")
    if not isinstance(body, dict):
        return _error(400, "Expected an object")
    patron = find_patron(cat.library.id, str(body.get("identifier", "")))
    password = str(body.get("password", ""))
    if patron is None or not secrets.compare_digest(password.encode(), patron.pin.encode()):
        return _error(400, "Validation failed")
    return JSONResponse({"cardnumber": patron.card, "patron_id": patron.patron_id,
                         "userid": patron.card.lower()}, status_code=201)


@router.get("/patrons/{patron_id}")
async def get_patron(request: Request, cat: Catalogue, state: Sandbox, patron_id: int) -> Response:
    """A patron as Koha's ``getPatron`` shows one (the fields a directory reads)."""
    refused = await guard(request, cat, state)
    if refused is not None:
        return refused
    patron = patron_by_id(cat.library.id, patron_id)
    if patron is None:
        return _error(404, "Patron not found")
    return JSONResponse(koha_patron(cat.library.id, patron))


def koha_patron(library_id: str, patron: SandboxPatron) -> dict[str, object]:
    """The fields under Koha's own API names (``patron_card_lost`` is the column ``lost``:
    the API has no field called ``lost``; ``expired`` is computed, as in Koha 24.05+)."""
    first, _, last = patron.name.partition(" ")
    return {"patron_id": patron.patron_id, "cardnumber": patron.card, "firstname": first,
            "surname": last, "category_id": patron.category, "library_id": library_id,
            "expiry_date": patron.expires.isoformat(), "expired": patron.expired,
            "patron_card_lost": patron.lost_card, "incorrect_address": False,
            "restricted": patron.restricted}


async def guard(request: Request, cat: LibraryCatalogue, state: SandboxState) -> Response | None:
    """The API's HTTP faults, its absence (404) and its sign-in (401), as for items."""
    refused = await http_fault(request, state, cat.library.id, FaultTarget.API)
    if refused is not None:
        return refused
    if not cat.library.rest_api:
        return _error(404, "Not found")
    if not signed_in(request, state):
        return _error(401, "Authentication failure.")
    return None


def signed_in(request: Request, state: SandboxState) -> bool:
    """HTTP Basic with the API user, or a Bearer token this sandbox issued."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value in state.tokens
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return secrets.compare_digest(f"{user}:{password}", f"{API_USER}:{API_PASSWORD}")


def api_url(base_url: str, library_id: str) -> str:
    """The REST API base of a library, as a koha-rest provider's ``url``."""
    return f"{base_url.rstrip('/')}/{library_id}/api/v1"


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
