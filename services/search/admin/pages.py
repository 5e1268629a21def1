"""Rendering the dashboard's pages, its cookies, its forms.

The pages are the web catalogue's ``Page`` with the dashboard's templates and words (French
first; English by ``?lang=``, the language cookie or Accept-Language, as in the catalogue),
never kept by a browser or a proxy. The session cookie is HttpOnly and SameSite=Strict,
for /admin only; it is Secure (and named ``__Secure-admin``) unless the request is plain
HTTP to a loopback address, where a browser would drop a Secure cookie. The sign-in form
carries a token also set in a cookie (double submit); signed-in forms carry the session's.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import jinja2
from fastapi import Request, Response

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


def session_cookie(request: Request) -> str:
    return "__Secure-admin" if secure(request) else "admin-session"


def set_session(response: Response, request: Request, session: AdminSession) -> None:
    response.set_cookie(session_cookie(request), session.id, httponly=True, samesite="strict",
                        secure=secure(request), path=PATH)


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(session_cookie(request), path=PATH, secure=secure(request),
                           httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """The sign-in form's token: the browser's cookie if it has one, else a new one."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if 20 <= len(token) <= 64 else secrets.token_urlsafe(24)


def set_login_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure(request), path=PATH)


def same_token(sent: str | None, expected: str | None) -> bool:
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


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
