"""Two e-resource vendors for the sandbox, so that the gateway can be tried end to end.

    python -m services.sandbox.vendors --port 8102 --gateway http://127.0.0.1:8001

``/kiosque/`` is an online press site that signs its readers in with CAS 3.0 at the gateway:
no ticket, it sends the reader to ``/cas/login``; with one, it validates it at
``/cas/p3/serviceValidate`` and greets the pseudonym it was given. ``/savoirs/entree`` is a
self-training site that takes signed links: it checks the signature with its key (from
``SANDBOX_VENDOR_KEY``), the link's age and that its nonce was never seen. ``/lirenligne/``
is an e-book site that receives the pseudonym and asks the gateway's entitlement API with its
key (from ``SANDBOX_LIRENLIGNE_API_KEY``) whether that reader may come in.
They do what a vendor does, written from the vendor's side, independently of the gateway's own code.
``offer_toml`` is their declaration for network.toml.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import threading
import time
from html import escape
from urllib.parse import parse_qsl, urlencode

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from lxml import etree

KEY_ENV = "SANDBOX_VENDOR_KEY"
API_KEY_ENV = "SANDBOX_LIRENLIGNE_API_KEY"
"""The e-book site's key to the gateway's API (``catalogue-sync vendor add-key lirenligne``)."""
CAS = "{http://www.yale.edu/tp/cas}"
LINK_SECONDS = 60


def offer_toml(vendors_url: str = "http://127.0.0.1:8102",
               gateway_url: str = "http://127.0.0.1:8001") -> str:
    """The [gateway], [vendors] and [resources] tables of the sandbox's vendors, their KBART
    packages named (``services.sandbox.kbart`` serves the lists)."""
    return f'''
[gateway]
base_url = "{gateway_url}"
cookie_secure = false   # the demo runs over plain HTTP on this machine

[vendors.kiosque]
name = "Kiosque (bac à sable)"
access = "cas"
services = ["{vendors_url}/kiosque/"]

[vendors.savoirs]
name = "Savoirs en ligne (bac à sable)"
access = "signed-url"
secret_env = "{KEY_ENV}"

[vendors.lirenligne]
name = "Lire en ligne (bac à sable)"
access = "api"

[resources.presse]
vendor = "kiosque"
name = "Presse en ligne"
kind = "press"
description = "Quotidiens et magazines, en accès illimité."
url = "{vendors_url}/kiosque/"
packages = ["presse"]

[resources.autoformation]
vendor = "savoirs"
name = "Autoformation"
kind = "training"
description = "Langues, bureautique, code de la route. Pour les adultes."
url = "{vendors_url}/savoirs/entree"
categories = ["adult"]

[resources.livres]
vendor = "lirenligne"
name = "Livres numériques"
kind = "e-book"
description = "Romans, essais et bandes dessinées à lire en ligne."
url = "{vendors_url}/lirenligne/"
packages = ["romans"]
'''


class Nonces:
    """Nonces seen in the last ``LINK_SECONDS``: a link is good once."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, nonce: str) -> bool:
        now = time.time()
        with self._lock:
            self._seen = {n: t for n, t in self._seen.items() if now - t <= 2 * LINK_SECONDS}
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def create_app(gateway_url: str) -> FastAPI:
    app = FastAPI(title="sandbox vendors", docs_url=None, redoc_url=None, openapi_url=None)
    nonces = Nonces()
    readers: dict[str, dict[str, str]] = {}

    @app.get("/kiosque/", response_class=HTMLResponse)
    async def kiosque(request: Request, ticket: str = "") -> Response:
        service = str(request.url.replace(query=""))
        reader = readers.get(request.cookies.get("kiosque", ""))
        if reader is not None:
            return _page("Kiosque", f"Bonjour, lecteur {reader['user']} "
                         f"({reader['library']}, {reader['category']}) : bonne lecture.")
        if not ticket:
            query = urlencode({"service": service})
            return RedirectResponse(f"{gateway_url}/cas/login?{query}", status_code=303)
        found = await validate(gateway_url, service, ticket)
        if found is None:
            return _page("Kiosque", "Ce ticket n'a pas été accepté.", status=403)
        session = secrets.token_urlsafe(24)
        readers[session] = found
        response = RedirectResponse(service, status_code=303)
        response.set_cookie("kiosque", session, httponly=True, samesite="lax")
        return response

    @app.get("/savoirs/entree", response_class=HTMLResponse)
    def savoirs(request: Request) -> Response:
        fields = dict(parse_qsl(request.url.query))
        if not link_is_good(request.url.query, os.environ.get(KEY_ENV, "").encode(), nonces):
            return _page("Savoirs en ligne", "Lien refusé : signature, âge ou nonce.",
                         status=403)
        return _page("Savoirs en ligne", f"Bienvenue, apprenant {fields['patron']} "
                     f"({fields['library']}, {fields['category']}).")

    @app.get("/lirenligne/", response_class=HTMLResponse)
    async def lirenligne(patron: str = "", resource: str = "") -> Response:
        key = os.environ.get(API_KEY_ENV, "")
        if not patron or not key:
            return _page("Lire en ligne", "Passez par le portail de votre bibliothèque.",
                         status=403)
        entitled = await check_entitlement(gateway_url, key, patron, resource)
        if entitled is None:
            return _page("Lire en ligne", "Le portail ne reconnaît pas ce lecteur.", status=403)
        return _page("Lire en ligne", f"Bonne lecture, lecteur {patron} ({entitled}).")

    @app.get("/_health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def validate(gateway_url: str, service: str, ticket: str) -> dict[str, str] | None:
    """The user and attributes of a service ticket, asked of the gateway; None: refused."""
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(f"{gateway_url}/cas/p3/serviceValidate",
                                  params={"service": service, "ticket": ticket})
    root = etree.fromstring(answer.content)
    success = root.find(f"{CAS}authenticationSuccess")
    if success is None:
        return None
    found = {"user": success.findtext(f"{CAS}user") or ""}
    for attribute in success.iterfind(f"{CAS}attributes/*"):
        found[etree.QName(attribute).localname] = attribute.text or ""
    found.setdefault("library", "?")
    found.setdefault("category", "?")
    return found


async def check_entitlement(gateway_url: str, key: str, patron: str, resource: str
                            ) -> str | None:
    """The patron's library when the gateway's API says the patron is entitled; else None."""
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(f"{gateway_url}/api/v1/entitlements/check",
                                  params={"patron": patron, "resource": resource},
                                  headers={"Authorization": f"Bearer {key}"})
    found = answer.json() if answer.status_code == 200 else {}
    return str(found.get("library")) if found.get("entitled") else None


def link_is_good(query: str, key: bytes, nonces: Nonces) -> bool:
    """A vendor's check of a signed link (docs/gateway.md shows the same in PHP)."""
    signed, separator, signature = query.rpartition("&sig=")
    start = signed.find("patron=")
    if not separator or start < 0 or len(key) < 32:
        return False
    expected = hmac.new(key, signed[start:].encode(), hashlib.sha256).hexdigest()
    fields = dict(parse_qsl(signed[start:]))
    stamp = fields.get("ts", "")
    fresh = stamp.isdigit() and -60 <= time.time() - int(stamp) <= LINK_SECONDS
    return (hmac.compare_digest(expected, signature) and fresh
            and nonces.first_time(fields.get("nonce", "")))


def _page(title: str, message: str, *, status: int = 200) -> HTMLResponse:
    html = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}'
            f' (bac à sable)</title></head><body><main><h1>{escape(title)}</h1>'
            f"<p>{escape(message)}</p></main></body></html>")
    return HTMLResponse(html, status_code=status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--gateway", default="http://127.0.0.1:8001")
    args = parser.parse_args()
    uvicorn.run(create_app(args.gateway.rstrip("/")), host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
