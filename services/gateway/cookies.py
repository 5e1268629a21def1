"""The session cookie, and the CSRF token of forms shown before there is a session.

The session cookie is HttpOnly and SameSite=Lax, Secure unless [gateway] cookie_secure is
false (plain local HTTP); when Secure, it is named ``__Host-session``, which browsers only
accept from HTTPS, for the whole site and no other domain. The sign-in form carries a token
also set in a cookie (double submit): a page elsewhere cannot read the cookie to forge it.
Signed-in forms carry the session's own token.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from catalogue_sync.config import NetworkConfig
from catalogue_sync.gateway.sessions import Session

CSRF_COOKIE = "signin-csrf"
CSRF_FIELD = "csrf"


def session_cookie(network: NetworkConfig) -> str:
    return "__Host-session" if network.gateway.cookie_secure else "session"


def set_session(response: Response, network: NetworkConfig, session: Session) -> None:
    response.set_cookie(session_cookie(network), session.id, httponly=True, samesite="lax",
                        secure=network.gateway.cookie_secure, path="/",
                        max_age=network.gateway.session_max_hours * 3600)


def clear_session(response: Response, network: NetworkConfig) -> None:
    response.delete_cookie(session_cookie(network), path="/",
                           secure=network.gateway.cookie_secure, httponly=True,
                           samesite="lax")


def signin_token(request: Request) -> str:
    """The sign-in form's token: the browser's cookie if it has one, else a new one."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if 20 <= len(token) <= 64 else secrets.token_urlsafe(24)


def set_signin_token(response: Response, network: NetworkConfig, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=network.gateway.cookie_secure, path="/")


def same_token(sent: str | None, expected: str | None) -> bool:
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))
