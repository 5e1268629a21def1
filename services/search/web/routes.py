"""The web catalogue's pages: each route reads the request, asks ``catalogue``, renders.

    /                       home: the search box
    /recherche?q=...        results, facets, sort, pages (parameters: ``params``)
    /notice/{id}            a merged record: description, copies per library, other editions
    /accessibilite          the accessibility statement (RGAA), linked from every footer
    /search, /record/{id}, /accessibility
                            English aliases, redirected (301) to the French addresses

Every problem is a page in the patron's language, with its status: 400 for a search that
cannot run (``params.BadSearch``), 404 for an unknown record, 410 for one whose records were
all deleted, 503 when the index or the store cannot answer; an address no route answers is
a page too (``address_page``) when a browser asked for it. The index and the store block:
those calls run in FastAPI's thread pool (synchronous routes, or ``run_in_threadpool``).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from catalogue_sync.errors import CatalogueError
from services.http import status_of
from services.search.context import SearchContext, context_of
from services.search.web import catalogue
from services.search.web.pages import Page
from services.search.web.params import PATH, BadSearch, SearchForm
from services.search.web.record import record_view
from services.search.web.results import results_view

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
Context = Annotated[SearchContext, Depends(context_of)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, context: Context) -> HTMLResponse:
    """The home page: one search box, tips, the member libraries."""
    page = Page(request, context.network)
    names = sorted((library.name for library in context.network.libraries.values()
                    if library.enabled), key=str.casefold)
    return page.render("home.html", page.t("home_title"), libraries=names)


@router.get(PATH, response_class=HTMLResponse)
def results(request: Request, context: Context) -> HTMLResponse:
    """A page of results with its facets, or the page saying there are none."""
    page = Page(request, context.network)
    try:
        form = SearchForm.read(request.query_params)
        found = catalogue.search(context, form)
    except CatalogueError as error:
        return error_page(page, error, q=" ".join(request.query_params.get("q", "").split()))
    view = results_view(found, form, context.network, page.t)
    if form.page > view.last_page:
        past = BadSearch(f"page {form.page} past {view.last_page}", "bad_page_past_end",
                         count=view.last_page)
        return error_page(page, past, q=form.q, last_url=form.at_page(view.last_page).url())
    return page.render("results.html", results_title(page, form, found.total), q=form.q,
                       form=form, view=view)


def results_title(page: Page, form: SearchForm, total: int) -> str:
    """"Résultats pour « camus » — page 2"; the whole catalogue has its own."""
    t = page.t
    if total == 0:
        heading = t("no_results_for", query=form.q) if form.q else t("no_results_filters")
    else:
        heading = t("results_for", query=form.q) if form.q else t("browse_title")
    return heading if form.page == 1 else f"{heading} — {t('page_n', page=form.page)}"


@router.get("/notice/{merged_id}", response_class=HTMLResponse)
async def record(merged_id: str, request: Request, context: Context) -> Response:
    """A merged record, its copies' status live where the library's ILS says it; a record
    merged into another since redirects to it."""
    page = Page(request, context.network)
    try:
        found = await run_in_threadpool(catalogue.record, context, merged_id, page.lang)
    except catalogue.Moved as moved:
        return RedirectResponse(f"{page.root}/notice/{moved.merged_id}", status_code=301)
    except CatalogueError as error:
        return error_page(page, error, merged_id=merged_id)
    view = record_view(found, await catalogue.availability(context, found), page.t)
    return page.render("record.html", page.t("record_page_title", title=view.title),
                       record=view)


@router.get("/accessibilite", response_class=HTMLResponse)
def accessibility(request: Request, context: Context) -> HTMLResponse:
    """The accessibility statement French public services publish (RGAA)."""
    page = Page(request, context.network)
    return page.render("accessibility.html", page.t("a11y_title"),
                       contact=context.network.network.admin_email)


@router.get("/accessibility", response_class=RedirectResponse)
def accessibility_alias(request: Request) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse(f"/accessibilite?{query}" if query else "/accessibilite",
                            status_code=301)


@router.get("/search", response_class=RedirectResponse)
def search_alias(request: Request) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse(f"{PATH}?{query}" if query else PATH, status_code=301)


@router.get("/record/{merged_id}", response_class=RedirectResponse)
def record_alias(merged_id: str, request: Request) -> RedirectResponse:
    query = request.url.query
    path = f"/notice/{merged_id}"
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=301)


def address_page(request: Request, status: int) -> HTMLResponse:
    """What a browser is shown at an address no route answers (``services.http`` asks)."""
    page = Page(request, context_of(request).network)
    title = page.t("page_404_title")
    return page.render("error.html", title, status=status, heading=title,
                       message=page.t("page_404_text"), detail=None, last_url=None)


def error_page(page: Page, error: CatalogueError, *, q: str = "", merged_id: str = "",
               last_url: str | None = None) -> HTMLResponse:
    """The page of a problem, in the patron's words, with the status ``services.http``
    gives the error."""
    t = page.t
    status = status_of(error)
    detail = None
    if isinstance(error, BadSearch):
        title, detail = t("error_400_title"), error.detail
        message = (t(error.key, **error.values) if error.count is None
                   else t.plural(error.key, error.count, **error.values))
    elif status == 400:
        title, message, detail = t("error_400_title"), t("bad_generic"), str(error)
    elif status in (404, 410):
        title = t(f"error_{status}_title")
        message = t(f"error_{status}_text", id=merged_id[:80])
    else:
        log.error("%s %s failed: %s", page.request.method, page.request.url.path, error)
        status = 503
        title, message = t("error_503_title"), t("error_503_text")
    return page.render("error.html", title, status=status, q=q, heading=title, message=message,
                       detail=detail, last_url=last_url)
