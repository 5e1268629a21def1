"""The session cookie, and the CSRF token of forms shown before there is a session.

The session cookie is HttpOnly and SameSite=Lax, Secure unless [gateway] cookie_secure is
false (plain local HTTP); when Secure, it is named ``__Host-session``, which browsers only
accept from HTTPS, for the whole site and no other domain. The sign-in form carries a token
also set in a cookie (double submit): a page elsewhere cannot read the cookie to forge it.
Signed-in forms carry the session's own token.

Double submit alone trusts a cookie that someone else may have set: a sibling host of the
same domain, or anyone on the path of a plain-HTTP page, can plant ``signin-csrf=AAAA`` and
post the same value (login CSRF). So the sign-in token is the gateway's own, signed with a
key derived from the pseudonym keys and dated (``SIGNIN_TOKEN_HOURS``): a value the gateway
did not make is refused. Its cookie is named ``__Host-signin-csrf`` when Secure, which no
other host can set; and every form POST must come from the gateway's own pages
(``services.forms``), which is what protects plain HTTP.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response

from catalogue_sync.config import NetworkConfig
from catalogue_sync.gateway.pseudonyms import PseudonymKeys
from catalogue_sync.gateway.sessions import Session
from services import forms
from services.forms import Site
from services.forms import same_token as same_token  # the routes compare tokens here

CSRF_COOKIE = "signin-csrf"
CSRF_FIELD = "csrf"
SIGNIN_TOKEN_HOURS = 4
"""How long a sign-in form may stay open before its token expires (the form says so)."""


def csrf_cookie(network: NetworkConfig) -> str:
    """The sign-in token's cookie: ``__Host-signin-csrf`` when Secure."""
    return f"__Host-{CSRF_COOKIE}" if network.gateway.cookie_secure else CSRF_COOKIE


def site(network: NetworkConfig) -> Site:
    """Where the gateway's forms may be sent from: its own pages, at ``base_url`` or at the
    host the browser asked; over HTTPS when its cookies are Secure."""
    return Site(https=network.gateway.cookie_secure, origins=(network.gateway.base_url,))


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


def signin_token(request: Request, network: NetworkConfig, keys: PseudonymKeys) -> str:
    """The sign-in form's token: the browser's cookie if it is a live one of ours, else a
    new one."""
    token = request.cookies.get(csrf_cookie(network), "")
    return token if valid_signin_token(token, keys) else forms.new_token(_form_keys(keys)[0])


def valid_signin_token(token: str | None, keys: PseudonymKeys) -> bool:
    """A token the gateway made, under any of its keys, less than ``SIGNIN_TOKEN_HOURS`` ago."""
    return forms.valid_token(token, _form_keys(keys), SIGNIN_TOKEN_HOURS * 3600)


def _form_keys(keys: PseudonymKeys) -> list[bytes]:
    """The forms' keys, newest first, derived from the pseudonym keys (never those keys
    themselves: a token shown to anyone must not be a MAC under a subject's key)."""
    return [hmac.new(key, b"signin-csrf", hashlib.sha256).digest() for _, key in keys.keys]


def set_signin_token(response: Response, network: NetworkConfig, token: str) -> None:
    response.set_cookie(csrf_cookie(network), token, httponly=True, samesite="lax",
                        secure=network.gateway.cookie_secure, path="/")


def signin_token_sent(request: Request, network: NetworkConfig, keys: PseudonymKeys,
                      sent: str | None) -> bool:
    """Whether the form's token is the cookie's, and one the gateway made."""
    cookie = request.cookies.get(csrf_cookie(network))
    return same_token(sent, cookie) and valid_signin_token(str(sent), keys)

