"""The patron's pages: sign in, the resources one may open, opening one, signing out.

    GET  /connexion            the sign-in form (``?next=`` a path of this site to go back to)
    POST /connexion            card, PIN, library: a new session, or the form again with why
    GET  /connexion/suite      after a sign-in, on to ``?next=`` (which may lead to a vendor)
    POST /deconnexion          this session, or every session of the patron (``portee``)
    GET  /ressources           "Mes ressources numériques": what the patron is entitled to
    GET  /ressources/{id}      open one: to the vendor by its access method

A refusal is 401, a lockout 429 with Retry-After, an ILS that does not answer 503, a form
without its token 400; the form is shown again in each case, with the reason in words. A right
PIN on a card that may not sign in (expired, lost, blocked, a category the network does not
admit) is 403, saying which and how to reach the library (``[libraries.ID] contact``).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalogue_sync.errors import CrossSiteRequest, InvalidRequest
from catalogue_sync.gateway.sessions import Session
from catalogue_sync.gateway.signin import (
    ChooseLibrary,
    Locked,
    NotAdmitted,
    Refused,
    SignedIn,
    Unavailable,
)
from catalogue_sync.gateway.vendors import record_opening
from catalogue_sync.offer import entitled
from services.clients import request_address
from services.forms import read_form
from services.gateway import cookies
from services.gateway.access import open_resource
from services.gateway.context import GatewayContext, context_of
from services.gateway.pages import Page
from services.http import status_of

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
Context = Annotated[GatewayContext, Depends(context_of)]


def current_session(request: Request) -> Session | None:
    """The session the request's cookie stands for, if it is still open."""
    context = context_of(request)
    return context.sessions.find(request.cookies.get(cookies.session_cookie(context.network)))


CurrentSession = Annotated[Session | None, Depends(current_session)]


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ressources", status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
def signin_form(request: Request, context: Context, session: CurrentSession,
                next: str = "/ressources") -> Response:
    if session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = {"au-revoir": "signed_out", "partout": "signed_out_everywhere"}.get(
        request.query_params.get("fin", ""))
    return signin_page(request, context, notice=notice, next_path=safe_next(next))


@router.post("/connexion", response_class=HTMLResponse)
async def signin(request: Request, context: Context, session: CurrentSession) -> Response:
    form = await read_form(request, cookies.site(context.network))
    next_path = safe_next(form.get("next", ""))
    chosen = form.get("bibliotheque") or None
    if not cookies.signin_token_sent(request, context.network, context.keys, form.get("csrf")):
        return signin_page(request, context, message="form_expired", status=400,
                           next_path=next_path, chosen=chosen)
    address = request_address(request)
    outcome = await context.sign_in(form.get("carte", ""), form.get("code", ""), chosen,
                                    address)
    count_sign_in(request, outcome)
    if isinstance(outcome, SignedIn):
        if session is not None:  # a session from before never carries over (fixation)
            context.sessions.close(session)
        response = RedirectResponse(onward(next_path), status_code=303)
        cookies.set_session(response, context.network, outcome.session)
        return response
    if isinstance(outcome, Locked):
        minutes = max(1, -(-outcome.seconds // 60))
        page = signin_page(request, context, message="locked", status=429, minutes=minutes,
                           next_path=next_path, chosen=chosen)
        page.headers["Retry-After"] = str(outcome.seconds)
        return page
    if isinstance(outcome, NotAdmitted):
        return not_admitted_page(request, context, outcome, next_path)
    key, status = {Refused: ("refused", 401), Unavailable: ("unavailable", 503),
                   ChooseLibrary: ("choose_library", 400)}[type(outcome)]
    return signin_page(request, context, message=key, status=status, next_path=next_path,
                       chosen=chosen)


def onward(next_path: str) -> str:
    """Where a sign-in sends the browser: the list of resources at once, any other page
    through /connexion/suite. A browser checks the sign-in page's ``form-action 'self'``
    against every redirect that follows the form, and opening a resource or CAS login
    redirects to a vendor; the page's own navigation is no form's (docs/gateway.md)."""
    if urlsplit(next_path).path == "/ressources":
        return next_path
    return f"/connexion/suite?next={quote(next_path, safe='/')}"


@router.get("/connexion/suite", response_class=HTMLResponse)
def onward_page(request: Request, context: Context, next: str = "/ressources") -> Response:
    page = Page(request, context.network)
    return page.render("onward.html", page.t("onward_title"), next=safe_next(next))


SIGN_IN_OUTCOMES = {SignedIn: "signed-in", Refused: "refused", Locked: "locked",
                    Unavailable: "unavailable", NotAdmitted: "not-admitted"}
"""The metrics' names of sign-in outcomes (choosing a library is not one: the patron goes on)."""


def count_sign_in(request: Request, outcome: object) -> None:
    """Count the attempt in the app's ``gateway_sign_ins_total`` by outcome."""
    name = SIGN_IN_OUTCOMES.get(type(outcome))
    if name is not None:
        request.app.state.sign_ins.labels(outcome=name).inc()


@router.post("/deconnexion")
async def signout(request: Request, context: Context, session: CurrentSession) -> Response:
    form = await read_form(request, cookies.site(context.network))
    if session is None:
        return RedirectResponse("/connexion", status_code=303)
    if not cookies.same_token(form.get("csrf"), session.csrf):
        raise InvalidRequest("the sign-out form's token is missing or wrong")
    everywhere = form.get("portee") == "partout"
    if everywhere:
        context.sessions.close_everywhere(session.patron.subject)
    else:
        context.sessions.close(session)
    response = RedirectResponse(f"/connexion?fin={'partout' if everywhere else 'au-revoir'}",
                                status_code=303)
    cookies.clear_session(response, context.network)
    return response


@router.get("/ressources", response_class=HTMLResponse)
def resources(request: Request, context: Context, session: CurrentSession) -> Response:
    if session is None:
        return to_signin("/ressources")
    patron = session.patron
    open_to = [resource for resource in context.network.resources.values()
               if entitled(resource, patron.library, patron.category, date.today())]
    page = Page(request, context.network)
    library = context.network.libraries.get(patron.library)
    return page.render("resources.html", page.t("resources_title"), resources=open_to,
                       library_name=library.name if library else patron.library,
                       category=patron.category, csrf=session.csrf)


@router.get("/ressources/{resource_id}")
def open_one(resource_id: str, request: Request, context: Context,
             session: CurrentSession) -> Response:
    resource = context.network.resources.get(resource_id)
    if resource is None:
        return error_page(request, context, 404)
    if session is None:
        return to_signin(f"/ressources/{quote(resource_id)}")
    if not entitled(resource, session.patron.library, session.patron.category, date.today()):
        return error_page(request, context, 403)
    if context.network.vendors[resource.vendor].access != "cas":
        # A CAS vendor sends the patron to /cas/login, which records the opening there.
        record_opening(context.store, context.keys, session, resource,
                       keep_days=context.network.gateway.entitlement_days,
                       counts=context.first_click)
    return RedirectResponse(open_resource(context, session, resource), status_code=303)


def signin_page(request: Request, context: Context, *, message: str | None = None,
                notice: str | None = None, status: int = 200, next_path: str = "/ressources",
                chosen: str | None = None, minutes: int = 0, text: str | None = None
                ) -> HTMLResponse:
    """The sign-in form; ``message`` names the words of a problem, ``text`` is them."""
    page = Page(request, context.network)
    token = cookies.signin_token(request, context.network, context.keys)
    response = page.render(
        "signin.html", page.t("signin_title"), status=status, csrf=token, next=next_path,
        libraries=context.sign_in.libraries(), chosen=chosen or "",
        message=text or (page.t(message, minutes=minutes) if message == "locked" else (
            page.t(message) if message else None)),
        notice=page.t(notice) if notice else None)
    cookies.set_signin_token(response, context.network, token)
    return response


async def cross_site_page(request: Request, error: Exception) -> Response:
    """The page of a form sent from another site (``CrossSiteRequest``, 403)."""
    assert isinstance(error, CrossSiteRequest)
    log.warning("refused a form: %s", error, extra={"path": request.url.path})
    page = Page(request, context_of(request).network)
    title = page.t("error_cross_site_title")
    return page.render("error.html", title, status=status_of(error), heading=title,
                       message=page.t("error_cross_site_text"))


def not_admitted_page(request: Request, context: Context, outcome: NotAdmitted,
                      next_path: str) -> HTMLResponse:
    """The form again, saying why this card cannot sign in and whom to ask (403)."""
    page = Page(request, context.network)
    library = context.network.libraries[outcome.library]
    reason = "expired_undated" if (outcome.reason == "expired"
                                   and outcome.expired_on is None) else outcome.reason
    said = page.t(f"not_admitted_{reason}", library=library.name,
                  date=page.t.date(outcome.expired_on.isoformat() if outcome.expired_on
                                   else None))
    contact = (page.t("library_contact", library=library.name, contact=library.contact)
               if library.contact else page.t("library_desk", library=library.name))
    return signin_page(request, context, status=403, next_path=next_path,
                       chosen=outcome.library, text=f"{said} {contact}")


def error_page(request: Request, context: Context, status: int) -> HTMLResponse:
    page = Page(request, context.network)
    title = page.t(f"error_{status}_title")
    return page.render("error.html", title, status=status, heading=title,
                       message=page.t(f"error_{status}_text"))


def to_signin(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/connexion?next={quote(next_path, safe='/')}", status_code=303)


def safe_next(path: str) -> str:
    """A path of this site to go back to after sign-in; anything else goes to the list (no
    open redirect: another host, a scheme, '//' or '\\' never leave the site)."""
    if (not path.startswith("/") or path.startswith("//") or "\\" in path
            or any(ord(c) < 32 for c in path) or len(path) > 2000):
        return "/ressources"
    return path
