"""CAS 3.0 for the vendors: the patron's sign-in becomes a ticket for the vendor's service.

    GET /cas/login                 service, renew, gateway: a ticket back to the service, or
                                   the sign-in first (and back), or a page saying why not
    GET /cas/serviceValidate       ticket, service (renew, format=JSON): the patron's
    GET /cas/p3/serviceValidate    pseudonym and attributes, or a CAS failure code
    GET /cas/logout                ends the gateway session; back to ``service`` only when a
                                   vendor registered it
    GET /cas/proxyValidate, /cas/p3/proxyValidate, /cas/proxy
                                   INVALID_REQUEST: this server issues no proxy tickets

Validations always answer HTTP 200 with CAS XML (or JSON), whatever is wrong, as CAS clients
expect. Login and logout answer browsers: an unknown service is a page, never a redirect.
The protocol itself is ``catalogue_sync.gateway.cas``.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from catalogue_sync.errors import StoreError
from catalogue_sync.gateway import cas
from catalogue_sync.gateway.sessions import Session
from catalogue_sync.gateway.vendors import record_opening
from services.gateway import cookies
from services.gateway.context import GatewayContext, context_of
from services.gateway.pages import Page
from services.gateway.web import CurrentSession, safe_next, to_signin
from services.params import RepeatedParameter, one

log = logging.getLogger(__name__)
router = APIRouter(prefix="/cas", include_in_schema=False)
Context = Annotated[GatewayContext, Depends(context_of)]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
XML = "text/xml; charset=utf-8"
MARK = "signin"
"""The parameter /cas/login adds to its own address on the way to the sign-in page."""


def is_set(value: str | None) -> bool:
    """renew and gateway are set when present, unless they say false."""
    return value is not None and value.lower() not in ("false", "0")


# ---------------------------------------------------------------------------------------
# /cas/login


@router.get("/login")
def login(request: Request, context: Context, session: CurrentSession) -> Response:
    try:
        value, renew, gateway, mark = (one(request, name)
                                       for name in ("service", "renew", "gateway", MARK))
    except RepeatedParameter:
        return message_page(request, context, 400, "cas_bad_request")
    if value is None:
        return RedirectResponse("/ressources", status_code=303)
    try:
        service, vendor = cas.registered_service(context.network, value)
    except cas.UnknownService as error:
        log.info("cas login refused: %s", error)
        return message_page(request, context, 400, "cas_unknown_service")
    marks = cas.SignInMarks(context.redis, prefix=context.sessions.prefix)
    fresh = marks.signed_in_since(mark, session)
    if is_set(renew) and not fresh:
        return to_fresh_signin(request, context, session, service, renew=True)
    if session is None:
        if is_set(gateway):
            return no_ticket(service)
        return to_fresh_signin(request, context, None, service, renew=False)
    resource = cas.resource_for(context.network, vendor, service, session.patron, date.today())
    if resource is None:
        if is_set(gateway):
            return no_ticket(service)
        return message_page(request, context, 403, "cas_not_entitled", vendor=vendor.name)
    grant = cas.grant_for(vendor, resource, session.patron, service, fresh=fresh)
    ticket = tickets_of(context).issue(grant)
    record_opening(context.store, context.keys, session, resource,
                       keep_days=context.network.gateway.entitlement_days,
                       counts=context.first_click)
    log.info("cas ticket issued for %s, resource %s", vendor.id, resource.id)
    return RedirectResponse(with_ticket(service, ticket), status_code=303, headers=NO_STORE)


def to_fresh_signin(request: Request, context: GatewayContext, session: Session | None,
                    service: cas.ServiceUrl, *, renew: bool) -> Response:
    """To the sign-in page, and back here with a mark that tells a new sign-in happened.
    For renew the session ends first: the sign-in page would otherwise skip the form."""
    mark = cas.SignInMarks(context.redis, prefix=context.sessions.prefix).make()
    query = [("service", service.url), *([("renew", "true")] if renew else []), (MARK, mark)]
    back = f"/cas/login?{urlencode(query)}"
    if safe_next(back) != back:
        return message_page(request, context, 400, "cas_bad_request")
    response = to_signin(back)
    if session is not None:
        context.sessions.close(session)
        cookies.clear_session(response, context.network)
    response.headers.update(NO_STORE)
    return response


def no_ticket(service: cas.ServiceUrl) -> RedirectResponse:
    """gateway: back to the service without a ticket, which tells it nobody signed in."""
    return RedirectResponse(service.url, status_code=303, headers=NO_STORE)


def with_ticket(service: cas.ServiceUrl, ticket: str) -> str:
    """The service URL with ``ticket=`` added to its query (tickets need no escaping)."""
    return f"{service.url}{'&' if service.query else '?'}ticket={ticket}"


def tickets_of(context: GatewayContext) -> cas.Tickets:
    return cas.Tickets(context.redis, prefix=context.sessions.prefix,
                       seconds=context.network.gateway.ticket_seconds)


def message_page(request: Request, context: GatewayContext, status: int, key: str,
                 **values: str) -> HTMLResponse:
    """A page in the patron's language: ``key``_title and ``key``_text."""
    page = Page(request, context.network)
    title = page.t(f"{key}_title")
    return page.render("error.html", title, status=status, heading=title,
                       message=page.t(f"{key}_text", **values))


# ---------------------------------------------------------------------------------------
# Validation


@router.get("/serviceValidate")
@router.get("/p3/serviceValidate")
def service_validate(request: Request, context: Context) -> Response:
    as_json = (request.query_params.get("format") or "").upper() == "JSON"
    try:
        grant = cas.validate(context.network, tickets_of(context), validation_of(request))
    except cas.ValidationRefused as refusal:
        log.info("cas validation refused: %s %s", refusal.code, refusal)
        return failure(refusal.code, str(refusal), as_json=as_json)
    except StoreError as error:
        log.error("cas validation failed: %s", error)
        return failure(cas.INTERNAL_ERROR, "the ticket store cannot be reached; try again",
                       as_json=as_json)
    if as_json:
        return JSONResponse(cas.success_json(grant), headers=NO_STORE)
    return Response(cas.success_xml(grant), media_type=XML, headers=NO_STORE)


def validation_of(request: Request) -> cas.Validation:
    try:
        ticket, service, renew, pgt_url = (one(request, name) for name in
                                           ("ticket", "service", "renew", "pgtUrl"))
    except RepeatedParameter as error:
        raise cas.ValidationRefused(cas.INVALID_REQUEST, str(error)) from None
    return cas.Validation(ticket or "", service or "", is_set(renew), pgt_url)


def failure(code: str, message: str, *, as_json: bool) -> Response:
    if as_json:
        return JSONResponse(cas.failure_json(code, message), headers=NO_STORE)
    return Response(cas.failure_xml(code, message), media_type=XML, headers=NO_STORE)


@router.get("/proxyValidate")
@router.get("/p3/proxyValidate")
def proxy_validate(request: Request) -> Response:
    """No proxy tickets here: service tickets are validated at /serviceValidate."""
    return failure(cas.INVALID_REQUEST, "this CAS server issues no proxy tickets; validate "
                   "service tickets at /cas/p3/serviceValidate",
                   as_json=(request.query_params.get("format") or "").upper() == "JSON")


@router.get("/proxy")
def proxy() -> Response:
    return Response(cas.proxy_failure_xml("this CAS server issues no proxy tickets"),
                    media_type=XML, headers=NO_STORE)


# ---------------------------------------------------------------------------------------
# /cas/logout


@router.get("/logout")
def logout(request: Request, context: Context, session: CurrentSession) -> Response:
    if session is not None:
        context.sessions.close(session)
    response = signed_out_page(request, context)
    try:
        value = one(request, "service")
        if value is not None:
            service, _ = cas.registered_service(context.network, value)
            response = RedirectResponse(service.url, status_code=303, headers=NO_STORE)
    except (RepeatedParameter, cas.UnknownService) as error:
        log.info("cas logout: not going back to the service: %s", error)
    cookies.clear_session(response, context.network)
    return response


def signed_out_page(request: Request, context: GatewayContext) -> Response:
    page = Page(request, context.network)
    title = page.t("cas_signed_out_title")
    return page.render("cas_signed_out.html", title, heading=title,
                       message=page.t("cas_signed_out_text"))
