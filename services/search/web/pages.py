"""Rendering a page: its template, its language, what every page shares (header, footer).

Templates live in ``templates/`` (Jinja2, autoescaped, undefined names an error); each
extends ``base.html``, which holds the skip link, the landmarks, the search box and the
language switch. The page's language comes from ``i18n.chosen_language``; when ``?lang=``
chose it, the answer remembers it in a cookie.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from catalogue_sync.config import NetworkConfig
from services.search.labels import LANGS, Lang
from services.search.web import i18n
from services.search.web.i18n import Texts
from services.search.web.translations import TEXTS

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_PATH = "/static/catalogue"
"""Where the app mounts ``STATIC_DIR``."""

HEADERS = {
    "Vary": "Accept-Language, Cookie",
    # No script, no inline style, nothing from elsewhere: what a hostile query string could
    # inject would not run even if it slipped past the escaping.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
TEMPLATES = HERE / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class Page:
    """One page being answered: its request, language and network; ``render`` it.

    The gateway's pages are this class with their own templates, words and headers.
    """

    environment = _ENV
    table: ClassVar[Mapping[Lang, Mapping[str, str]]] = TEXTS
    headers: ClassVar[dict[str, str]] = HEADERS

    def __init__(self, request: Request, network: NetworkConfig) -> None:
        self.request = request
        self.network = network
        self.lang, self.asked = i18n.chosen_language(request)
        self.t = Texts(self.lang, self.table)

    def render(self, template: str, title: str, *, status: int = 200, q: str = "",
               **values: object) -> HTMLResponse:
        """The page; ``title`` is its own part of <title> (the site's name follows)."""
        html = self.environment.get_template(template).render(
            t=self.t, lang=self.lang, title=title, q=q, root=self.root,
            static=f"{self.root}{STATIC_PATH}", network_name=self.network.network.name,
            switch=self.switch(), **values)
        response = HTMLResponse(html, status_code=status, headers=self.headers)
        if self.asked:
            response.set_cookie(i18n.COOKIE, self.lang, max_age=i18n.COOKIE_MAX_AGE,
                                path="/", samesite="lax", httponly=True)
        return response

    @property
    def root(self) -> str:
        """The path the app is mounted under (behind a proxy), for links."""
        return str(self.request.scope.get("root_path", "")).rstrip("/")

    def switch(self) -> dict[str, str]:
        """The language switch: this page in the other language (a link relative to it)."""
        other: Lang = next(lang for lang in LANGS if lang != self.lang)
        pairs = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        pairs.append(("lang", other))
        return {"lang": other, "name": i18n.NAMES[other], "url": f"?{urlencode(pairs)}"}
