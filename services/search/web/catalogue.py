"""What the web catalogue's pages ask of the union catalogue.

    search(context, form)                 -> SearchResult, from the index (raises BadSearch,
                                             StoreError when there is no index)
    record(context, merged_id, lang)      -> RecordAnswer, the record API's own service
                                             (``services.search.records``): the same record,
                                             editions and redirects as /api/v1/records
    await availability(context, record)   -> RecordAvailability: each library's copies live
                                             from its ILS, or as harvested with the date
                                             (``catalogue_sync.availability``); None if even
                                             that failed, and the page shows the harvest
"""

from __future__ import annotations

import logging

from catalogue_sync.availability.service import RecordAvailability
from catalogue_sync.errors import InvalidRequest, StoreError
from catalogue_sync.index.query import SearchResult
from services.search import records
from services.search.api_models import RecordAnswer
from services.search.availability import availability_of
from services.search.context import SearchContext
from services.search.labels import Lang
from services.search.web.params import BadSearch, SearchForm

log = logging.getLogger(__name__)
Moved = records.Moved
"""A merged record merged into another since; its ``merged_id`` is where it lives on."""


def search(context: SearchContext, form: SearchForm) -> SearchResult:
    """The page of results the form asks for, with its facets."""
    if context.searcher is None:
        raise StoreError("this search service runs without a search index")
    try:
        return context.searcher.search(form.request())
    except BadSearch:
        raise
    except InvalidRequest as error:  # too many words, nesting: the core's own limits
        raise BadSearch(str(error), "bad_generic", detail=str(error)) from error


def record(context: SearchContext, merged_id: str, lang: Lang) -> RecordAnswer:
    """A live merged record as its page shows it; Moved, Gone or NotFound otherwise."""
    return records.record_page(context.store, context.network, merged_id, lang)


async def availability(context: SearchContext, found: RecordAnswer
                       ) -> RecordAvailability | None:
    """Where each copy of the record is now (see the module doc)."""
    display = {"holdings": [{"library": holding.library, "record": holding.record,
                             "items": [item.model_dump() for item in holding.items]}
                            for holding in found.holdings]}
    try:
        return await availability_of(context).for_record(display, found.id)
    except Exception:  # an ILS never fails the page: its harvested statuses are shown
        log.exception("live availability of %s failed; showing the harvested statuses",
                      found.id)
        return None
