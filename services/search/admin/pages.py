"""Rendering the dashboard's pages, its cookies, its forms.

The pages are the web catalogue's ``Page`` with the dashboard's templates and words (French
first; English by ``?lang=``, the language cookie or Accept-Language, as in the catalogue),
never kept by a browser or a proxy. The session cookie is HttpOnly and SameSite=Strict;
it is Secure unless the request is plain HTTP to a loopback address, where a browser would
drop a Secure cookie. Secure, it is named ``__Host-admin``: browsers take such a cookie only
from this very host over HTTPS, for the whole site (``Path=/``), so that no sibling host of
the domain can plant or overwrite it; on loopback it is ``admin-session``, for /admin. The
sign-in form carries a token also set in a cookie (``__Host-admin-csrf``, or ``admin-csrf``
on loopback), signed and dated with a key of the accounts' own, so that a planted value is
not taken for one; signed-in forms carry the session's. Every form POST must come from the
dashboard's own pages (``services.forms``).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import jinja2
from fastapi import Request, Response

from services import forms
from services.forms import Site
from services.forms import same_token as same_token  # the routes compare tokens here
from services.search.admin.sessions import AdminSession
from services.search.admin.translations import TEXTS
from services.search.web.pages import HEADERS, TEMPLATES
from services.search.web.pages import Page as CataloguePage

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/admin"
PATH = "/admin"
LOGIN = f"{PATH}/connexion"
CSRF_COOKIE = "admin-csrf"
CSRF_FIELD = "csrf"
LOOPBACK = ("127.", "::1", "localhost")
MAX_NEXT = 2000
LOGIN_TOKEN_HOURS = 4


class AdminPage(CataloguePage):
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(HERE / "templates"),
            jinja2.PrefixLoader({"catalogue": jinja2.FileSystemLoader(TEMPLATES)})]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    table = TEXTS
    headers: ClassVar[dict[str, str]] = {**HEADERS, "Cache-Control": "no-store"}


def secure(request: Request) -> bool:
    """Whether cookies must be Secure: always, but for plain HTTP to this very machine."""
    host = request.url.hostname or ""
    return not (request.url.scheme == "http" and host.startswith(LOOPBACK))


def site(request: Request) -> Site:
    """Where the dashboard's forms may be sent from: its own pages, at the host asked."""
    return Site(https=secure(request))


def session_cookie(request: Request) -> str:
    return "__Host-admin" if secure(request) else "admin-session"


def csrf_cookie(request: Request) -> str:
    return f"__Host-{CSRF_COOKIE}" if secure(request) else CSRF_COOKIE


def cookie_path(request: Request) -> str:
    """``/`` for a ``__Host-`` cookie (browsers require it), /admin on loopback."""
    return "/" if secure(request) else PATH


def set_session(response: Response, request: Request, session: AdminSession) -> None:
    response.set_cookie(session_cookie(request), session.id, httponly=True, samesite="strict",
                        secure=secure(request), path=cookie_path(request))


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(session_cookie(request), path=cookie_path(request),
                           secure=secure(request), httponly=True, samesite="strict")


def login_token(request: Request, key: bytes) -> str:
    """The sign-in form's token: the browser's cookie if it is a live one signed with
    ``key``, else a new one."""
    token = request.cookies.get(csrf_cookie(request), "")
    return token if valid_login_token(token, key) else forms.new_token(key)


def valid_login_token(token: str | None, key: bytes) -> bool:
    return forms.valid_token(token, [key], LOGIN_TOKEN_HOURS * 3600)


def login_token_sent(request: Request, key: bytes, sent: str | None) -> bool:
    """Whether the form's token is the cookie's, and one signed with ``key``."""
    cookie = request.cookies.get(csrf_cookie(request))
    return same_token(sent, cookie) and valid_login_token(sent, key)


def form_key(fingerprint: bytes) -> bytes:
    """The sign-in tokens' key, from the accounts' own (``Accounts.fingerprint``)."""
    return hmac.new(fingerprint, b"admin-csrf", hashlib.sha256).digest()


def set_login_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(csrf_cookie(request), token, httponly=True, samesite="strict",
                        secure=secure(request), path=cookie_path(request))



def safe_next(path: str | None) -> str:
    """A dashboard address to go back to after sign-in; anything else is the dashboard
    itself (no open redirect: another host, a scheme, '//' or '\\' never leave it)."""
    path = path or ""
    inside = path == PATH or path.startswith((f"{PATH}/", f"{PATH}?"))
    where = path.split("?", 1)[0].lower()
    if (not inside or "//" in path or "\\" in path or len(path) > MAX_NEXT
            or ".." in where or "%2e" in where or "%2f" in where or "%5c" in where
            or any(ord(c) < 32 or ord(c) == 127 for c in path) or path.startswith(LOGIN)):
        return PATH
    return path


def login_address(next_path: str) -> str:
    return f"{LOGIN}?next={quote(next_path, safe='/')}" if next_path != PATH else LOGIN
