"""The dashboard's addresses. Every one answers 503 with how to turn the dashboard on while
it is off, and sends a browser without a session to the sign-in page (303).

    GET  /admin/connexion     the sign-in form (``?next=`` a dashboard address to go back to)
    POST /admin/connexion     name, password: a new session, or the form again with why
    POST /admin/deconnexion   the end of this session
    GET  /admin               the network at a glance: sources, their figures, the job queue
    POST /admin/file          queue a harvest, a full harvest or a check of a library
    GET  /admin/graphiques    the charts (``mois``, ``periode``, ``du``, ``au``)

A wrong name and a wrong password get the same answer (401); too many attempts 429 with
Retry-After; too many sign-ins at once for the password hashes 503 with Retry-After; a form
without its token 403, and one sent from another site's page (``CrossSiteRequest``, checked
by ``read_form``) a 403 page saying so. Problems in a request (an unknown library, a bad
date) are the core's errors, answered as a page with the status ``services.http`` gives.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from catalogue_sync import dashboard
from catalogue_sync.errors import (
    CatalogueError,
    CrossSiteRequest,
    InvalidRequest,
    NotFound,
    StoreError,
)
from services.clients import request_address
from services.forms import read_form
from services.http import status_of
from services.search.admin import graphs, pages
from services.search.admin.pages import PATH, AdminPage
from services.search.admin.sessions import AdminSession, AdminSessions
from services.search.admin.state import Dashboard
from services.search.admin.views import read_queue, source_row
from services.search.context import SearchContext, context_of

log = logging.getLogger(__name__)
router = APIRouter(prefix=PATH, include_in_schema=False)
Context = Annotated[SearchContext, Depends(context_of)]
ACTIONS = {"harvest": "queued_harvest", "full": "queued_full", "check": "queued_check"}
BUSY_RETRY = 5
"""Seconds a sign-in turned away for want of a turn to hash is asked to wait."""


class Answer(Exception):
    """An answer a dependency gives instead of the route's (``install_admin`` answers it)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def page_of(request: Request) -> AdminPage:
    return AdminPage(request, context_of(request).network)


def board_on(request: Request) -> Dashboard:
    """The dashboard, or the page saying it is off (503)."""
    board: Dashboard = request.app.state.admin
    if board.off is not None:
        raise Answer(off_page(request, board.off))
    return board


Board = Annotated[Dashboard, Depends(board_on)]


def current_admin(request: Request, board: Board) -> AdminSession | None:
    """The session the cookie stands for, if it is still open."""
    assert board.sessions is not None
    try:
        return board.sessions.find(request.cookies.get(pages.session_cookie(request)))
    except StoreError as error:
        log.error("dashboard: %s", error)
        raise Answer(off_page(request, "redis_down")) from None


MaybeAdmin = Annotated[AdminSession | None, Depends(current_admin)]


def signed_in(request: Request, admin: MaybeAdmin) -> AdminSession:
    """The session, or a redirect to the sign-in page that comes back here."""
    if admin is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        next_path = pages.safe_next(wanted) if request.method == "GET" else PATH
        raise Answer(RedirectResponse(root(request) + pages.login_address(next_path), 303))
    return admin


Admin = Annotated[AdminSession, Depends(signed_in)]


def root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/connexion", response_class=HTMLResponse)
def login_form(request: Request, admin: MaybeAdmin, next: str = PATH) -> Response:
    if admin is not None:
        return RedirectResponse(root(request) + pages.safe_next(next), status_code=303)
    notice = {"au-revoir": "signed_out", "expiree": "session_ended"}.get(
        request.query_params.get("fin", ""))
    return login_page(request, notice=notice, next_path=pages.safe_next(next))


@router.post("/connexion", response_class=HTMLResponse)
async def login(request: Request, board: Board, admin: MaybeAdmin) -> Response:
    form = await read_form(request, pages.site(request))
    next_path, name = pages.safe_next(form.get("next")), form.get("nom", "")[:64]
    if not pages.login_token_sent(request, login_key(request), form.get(pages.CSRF_FIELD)):
        return login_page(request, message="form_expired", status=403, next_path=next_path)
    address = request_address(request)
    try:
        outcome = await run_in_threadpool(check_login, board, name,
                                          form.get("mot_de_passe", ""), address)
    except StoreError as error:
        log.error("dashboard: %s", error)
        return off_page(request, "redis_down")
    if isinstance(outcome, int):
        page = login_page(request, message="locked", status=429, next_path=next_path,
                          minutes=max(1, -(-outcome // 60)), name=name)
        page.headers["Retry-After"] = str(outcome)
        return page
    if outcome == "busy":
        page = login_page(request, message="busy", status=503, next_path=next_path, name=name)
        page.headers["Retry-After"] = str(BUSY_RETRY)
        return page
    if outcome is None:
        return login_page(request, message="refused", status=401, next_path=next_path,
                          name=name)
    if admin is not None:  # a session from before never carries over (fixation)
        board_sessions(board).close(admin)
    response = RedirectResponse(root(request) + next_path, status_code=303)
    pages.set_session(response, request, outcome)
    return response


def check_login(board: Dashboard, name: str, password: str, address: str
                ) -> AdminSession | int | Literal["busy"] | None:
    """A new session; the seconds to wait when locked out; None when refused; "busy" when
    the password could not be checked for too many checks at once (not counted).

    The attempt is reserved before the hash is computed (``Throttle.reserve``), so that a
    burst on one name computes at most ``ATTEMPTS_PER_NAME`` hashes."""
    assert board.accounts is not None and board.throttle is not None
    subject = dashboard_subject(name)
    wait = board.throttle.reserve(subject, address)
    if wait:
        return wait
    checked = board.accounts.check(name, password)
    if checked is None:
        board.throttle.release(subject, address)
        log.warning("dashboard sign-in turned away: too many password checks at once")
        return "busy"
    if not checked:
        log.info("dashboard sign-in refused")  # never the name typed: it may be a password
        return None
    board.throttle.verified(subject, address)
    log.info("dashboard sign-in", extra={"admin": name})
    return board_sessions(board).open(name)


def dashboard_subject(name: str) -> str:
    """The throttle's key of a name typed (any text: kept short and plain)."""
    return hashlib.sha256(f"admin\x1f{name}".encode()).hexdigest()[:32]


def board_sessions(board: Dashboard) -> AdminSessions:
    assert board.sessions is not None
    return board.sessions


@router.post("/deconnexion")
async def logout(request: Request, board: Board, admin: MaybeAdmin) -> Response:
    form = await read_form(request, pages.site(request))
    if admin is None:
        return RedirectResponse(root(request) + pages.LOGIN, status_code=303)
    if not pages.same_token(form.get(pages.CSRF_FIELD), admin.csrf):
        return error_page(request, 403)
    board_sessions(board).close(admin)
    response = RedirectResponse(f"{root(request)}{pages.LOGIN}?fin=au-revoir", status_code=303)
    pages.clear_session(response, request)
    return response


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request, context: Context, board: Board, admin: Admin) -> Response:
    page = page_of(request)
    rows = dashboard.overview(context.store, context.network, datetime.now(UTC))
    queue = read_queue(board.queue())
    return page.render("overview.html", page.t("overview_title"), admin=admin,
                       current="overview", queue=queue,
                       flash=board_sessions(board).take_flash(admin),
                       rows=[source_row(page.t, row, queue) for row in rows])


@router.post("/file")
async def queue_job(request: Request, context: Context, board: Board, admin: Admin
                    ) -> Response:
    form = await read_form(request, pages.site(request))
    if not pages.same_token(form.get(pages.CSRF_FIELD), admin.csrf):
        return error_page(request, 403)
    try:
        library, action = job_of(context, form)
    except CatalogueError as error:
        return catalogue_error_page(request, error)
    page = page_of(request)
    name = context.network.libraries[library].name
    message = await run_in_threadpool(send_job, board, library, action)
    board_sessions(board).flash(admin, page.t(message, name=name))
    return RedirectResponse(root(request) + PATH, status_code=303)


def job_of(context: SearchContext, form: dict[str, str]) -> tuple[str, str]:
    """The library and the action a form asks for; NotFound or InvalidRequest otherwise."""
    library, action = form.get("bibliotheque", ""), form.get("action", "")
    if library not in context.network.libraries:
        raise NotFound(f"no member library {library[:64]!r} in the network file")
    if action not in ACTIONS:
        raise InvalidRequest(f"the action is harvest, full or check, not {action[:20]!r}")
    return library, action


def send_job(board: Dashboard, library: str, action: str) -> str:
    """Queue the job; the message's key (``queue_failed`` when Redis did not answer)."""
    queue = board.queue()
    try:
        if action == "check":
            queue.check(library, origin="dashboard")
        else:
            queue.harvest(library, full=action == "full", origin="dashboard")
    except StoreError as error:  # QueueUnavailable: Redis did not answer
        log.warning("dashboard: could not queue %s of %s: %s", action, library, error)
        return "queue_failed"
    log.info("dashboard queued a job", extra={"library": library, "job": action})
    return ACTIONS[action]


@router.get("/graphiques", response_class=HTMLResponse)
def charts_page(request: Request, context: Context, admin: Admin) -> Response:
    page = page_of(request)
    now = datetime.now(UTC)
    try:
        choices = read_choices(request, now.date())
        drawn = [graphs.records_chart(page.t, context.store, context.network, choices, now),
                 graphs.durations_chart(page.t, context.store, context.network),
                 graphs.duplicates_chart(page.t, context.store, context.network),
                 graphs.usage_chart(page.t, context.store, context.network, choices)]
    except CatalogueError as error:
        return catalogue_error_page(request, error)
    return page.render("charts.html", page.t("charts_title"), admin=admin, current="charts",
                       choices=choices, charts=drawn)


PERIODS: dict[str, dashboard.Period] = {"mois": "month", "jour": "day"}


def read_choices(request: Request, today: date) -> graphs.Choices:
    """The charts page's parameters, each checked (InvalidRequest naming the wrong one)."""
    query = request.query_params
    months_text = query.get("mois", "12")
    if not months_text.isdigit() or len(months_text) > 3:
        raise InvalidRequest(f"mois: a number of months, not {months_text[:20]!r}")
    months = int(months_text)
    period = PERIODS.get(query.get("periode", "mois"))
    if period is None:
        raise InvalidRequest("periode: mois or jour")
    start = (dashboard.parse_day(query["du"], "du") if query.get("du")
             else dashboard.months_before(today, 12))
    end = dashboard.parse_day(query["au"], "au") if query.get("au") else today
    dashboard.months_before(today, months)  # checks the range of mois
    if end < start:
        raise InvalidRequest(f"au ({end}) is before du ({start})")
    return graphs.Choices(months, period, start, end)


@router.get("/{rest:path}", response_class=HTMLResponse)
def elsewhere(request: Request, admin: Admin, rest: str) -> Response:
    """Any other dashboard address: signed in, it is not found."""
    return error_page(request, 404)


def login_page(request: Request, *, message: str | None = None, notice: str | None = None,
               status: int = 200, next_path: str = PATH, minutes: int = 0,
               name: str = "") -> HTMLResponse:
    page = page_of(request)
    token = pages.login_token(request, login_key(request))
    response = page.render(
        "login.html", page.t("login_title"), status=status, csrf=token, next=next_path,
        admin=None, name=name,
        message=page.t(message, minutes=minutes) if message else None,
        notice=page.t(notice) if notice else None)
    pages.set_login_token(response, request, token)
    return response


def login_key(request: Request) -> bytes:
    """The key of the sign-in form's tokens (the dashboard is on: it has accounts)."""
    board: Dashboard = request.app.state.admin
    assert board.accounts is not None
    return pages.form_key(board.accounts.fingerprint())


async def cross_site_page(request: Request, error: Exception) -> Response:
    """The page of a form sent from another site (``CrossSiteRequest``, 403)."""
    assert isinstance(error, CrossSiteRequest)
    log.warning("dashboard: refused a form: %s", error, extra={"path": request.url.path})
    return error_page(request, status_of(error), str(error))


def off_page(request: Request, reason: str) -> HTMLResponse:
    page = page_of(request)
    return page.render("off.html", page.t("off_title"), status=503, reason=reason, admin=None)


def error_page(request: Request, status: int, detail: str | None = None) -> HTMLResponse:
    page = page_of(request)
    title = page.t(f"error_{status}_title") if status in (400, 403, 404) else page.t(
        "error_title")
    message = page.t("error_403_text") if status == 403 else None
    return page.render("error.html", title, status=status, heading=title, message=message,
                       detail=detail, admin=None)


def catalogue_error_page(request: Request, error: CatalogueError) -> HTMLResponse:
    """The page of a core error, with the status ``services.http`` gives it."""
    status = status_of(error)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, error)
    return error_page(request, status, str(error))
