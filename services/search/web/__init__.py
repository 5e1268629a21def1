"""The web catalogue: server-rendered pages for patrons, French first, English too.

``routes.router`` holds the pages (``/``, ``/recherche``, ``/notice/{id}``); the app also
mounts ``pages.STATIC_DIR`` (one stylesheet) at ``pages.STATIC_PATH``. docs/search.md, "Web
catalogue", describes the addresses, the languages and the accessibility choices.

    routes.py     the routes: read the request, ask ``catalogue``, render
    params.py     /recherche's parameters, read (any bad value a ``BadSearch``) and written
    catalogue.py  the search and the record a page needs (index, store)
    results.py    what a result list shows: hits and where they are, facets, filters, pages
    record.py     what a record page shows: description, copies (live or harvested), editions
    pages.py      rendering: templates, language, cookie
    i18n.py       the page's language (parameter, cookie, Accept-Language), plurals, numbers
    translations.py  every word of the interface, one table per language
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.search.web.pages import STATIC_DIR, STATIC_PATH
from services.search.web.routes import address_page, router

__all__ = ["address_page", "install_web", "router"]


def install_web(app: FastAPI) -> None:
    """Add the web catalogue's pages and its stylesheet to the search service's app."""
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="web-static")
