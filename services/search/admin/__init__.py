"""The librarians' dashboard, served by the search service under /admin behind a sign-in.

    routes.py        the addresses: sign-in and out, the network at a glance, the queue's
                     buttons, the charts; the answer when the dashboard is off
    state.py         what it needs: accounts, sessions and throttle in Redis, the job queue
    passwords.py     CATALOGUE_SYNC_ADMINS and its scrypt hashes
    sessions.py      sessions in Redis (ids kept hashed), one-time messages
    pages.py         rendering, cookies, forms, the safe ``next`` address
    views.py         the overview's rows in words
    graphs.py        the four charts, their summaries and tables (data: catalogue_sync.dashboard)
    charts.py        the SVG drawing
    translations.py  every word, French and English

docs/dashboard.md says how to turn it on and what each figure means.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from catalogue_sync.errors import CrossSiteRequest
from services.search.admin.pages import STATIC_DIR, STATIC_PATH
from services.search.admin.routes import Answer, cross_site_page, router
from services.search.admin.state import Dashboard
from services.search.context import SearchContext

__all__ = ["install_admin", "router"]


def install_admin(app: FastAPI, context: SearchContext) -> Dashboard:
    """Add the dashboard to the search service's app (``app.state.admin``); close it with
    the app."""
    board = Dashboard.open(context.network)
    app.state.admin = board
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="admin-static")

    async def answer(request: Request, error: Exception) -> Response:
        assert isinstance(error, Answer)
        return error.response

    app.add_exception_handler(Answer, answer)
    app.add_exception_handler(CrossSiteRequest, cross_site_page)
    return board
