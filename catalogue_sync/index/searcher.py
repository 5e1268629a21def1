"""Searching the index: a ``SearchRequest`` in, a ``SearchResult`` out.

    searcher = Searcher(CatalogueIndex.of(network))
    result = searcher.search(SearchRequest(simple.parse("l'étranger camus"),
                                           Filters(libraries=("niort",), available=True)))

Filters never change scores. Facets are counted under the query and every filter but their
own, so a patron who picked one library still sees how many records the other libraries have
(with ``available``, the library facet counts records on the shelf in each library). Facet
counts are kept for the index view they were counted on (``FacetPasses``): browsing a
library counts its other facets once, and the whole catalogue's library counts once for every
library, until the index changes. Results
sort by relevance (newer editions slightly first among equals, see documents.recency), by
year (newest first, records without a year last) or by title (articles ignored).

A request out of bounds (more than ``MAX_LIMIT`` hits, an offset past ``MAX_OFFSET``, an
unknown sort, a query too long or too deep) raises ``InvalidRequest``; deep paging is what
crawlers do, and the OAI-PMH provider is there for whole-catalogue harvests.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any

import tantivy

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest, StoreError
from catalogue_sync.index.indexer import CatalogueIndex, IndexState
from catalogue_sync.index.query import (
    FACETS,
    SORTS,
    Everything,
    FacetValue,
    Filters,
    Hit,
    SearchRequest,
    SearchResult,
)
from catalogue_sync.index.translate import Translator

MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FILTER_VALUES = 100
FACET_SIZES = {"library": 500, "format": 50, "language": 50, "year": 50}
"""How many values each facet returns at most, most frequent first."""
CHECK_EVERY = 1.0
"""Seconds between two looks at the index's state: a rebuild swaps generations, an update
moves the watermark; either opens a new view of the index."""
FACET_PASSES_KEPT = 512
"""Facet passes remembered per searcher (a few hundred values each at most)."""
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search")
"""Counts the facets of searches while their pages are found (shared by every searcher)."""
_SORT_FIELDS: dict[str, tuple[str, tantivy.Order]] = {
    "year": ("year", tantivy.Order.Desc), "title": ("title_sort", tantivy.Order.Asc)}


class Searcher:
    """Answers searches from the current generation of an index; follows rebuilds."""

    def __init__(self, index: CatalogueIndex) -> None:
        self.catalogue_index = index
        self._state: IndexState | None = None
        self._index: tantivy.Index | None = None
        self._view = 0
        """Counts the views opened: a facet pass is kept for the view it was counted on."""
        self._checked = 0.0
        self._lock = threading.Lock()
        self.facet_passes = FacetPasses(FACET_PASSES_KEPT)

    @classmethod
    def of(cls, network: NetworkConfig) -> Searcher:
        return cls(CatalogueIndex.of(network))

    def refresh(self) -> None:
        """See the latest commit and generation now (otherwise within a second or so)."""
        with self._lock:
            self._look(force=True)

    def search(self, request: SearchRequest) -> SearchResult:
        """The hits of one page, the total and the facets (see the module doc)."""
        check(request)
        view, index, searcher = self._snapshot()
        translator = Translator(index.schema)
        query = translator.query(request.query)
        bonus = translator.bonus(request.query) if request.sort == "relevance" else []
        filters = filter_queries(index.schema, request.filters)
        browsing = isinstance(request.query, Everything)
        with _translated(self.catalogue_index):
            # tantivy lets go of the GIL: the facets are counted in the pool meanwhile.
            counting = (self._count_facets(view, searcher, query, filters, request)
                        if request.facets else [])
            total, hits = _hits(searcher, _scored(query, bonus, list(filters.values())),
                                request, browsing)
            facets = _gathered(counting) if request.facets else {}
        return SearchResult(total, hits, facets)

    def _snapshot(self) -> tuple[int, tantivy.Index, tantivy.Searcher]:
        """The current view's number, index and searcher, taken together (a reload between
        them would file one view's counts under another's number)."""
        with self._lock:
            if self._index is None or time.monotonic() - self._checked > CHECK_EVERY:
                self._look(force=False)
            assert self._index is not None
            return self._view, self._index, self._index.searcher()

    def _look(self, *, force: bool) -> None:
        """Open the current generation, or reload for a new commit, as the state says."""
        state = self.catalogue_index.state()
        if self._index is None or (state and self._state
                                   and state.generation != self._state.generation):
            self._index = self.catalogue_index.open()[1]
            # Reloaded here only, so that a view number stands for one set of segments.
            self._index.config_reader("Manual")
            self._view += 1
        elif force or state != self._state:
            self._index.reload()
            self._view += 1
        self._state = state
        self._checked = time.monotonic()

    def _count_facets(self, view: int, searcher: tantivy.Searcher, query: tantivy.Query,
                      filters: dict[str, tantivy.Query], request: SearchRequest
                      ) -> list[Future[Counted]]:
        """Count each facet under the query and the other facets' filters, in the pool.

        Facets counted under the same filters share one pass over the matching records (with
        no filter, all four do); passes under different filters run at once; a pass counted
        on this view before is not counted again.
        """
        chosen = request.filters
        passes: dict[tuple[frozenset[str], bool], dict[str, str]] = {}
        for facet in FACETS:
            left_out, field = _facet_plan(facet, chosen)
            kept = frozenset(name for name in filters if name not in left_out)
            on_shelf = "available" in left_out and chosen.available
            passes.setdefault((kept, on_shelf), {})[facet] = field
        counting = []
        for (kept, on_shelf), fields in passes.items():
            key = (view, repr(request.query), _only(chosen, kept), on_shelf,
                   tuple(sorted(fields.items())))
            under = [filters[name] for name in sorted(kept)] + (
                [_on_shelf_anywhere()] if on_shelf else [])
            counting.append(_POOL.submit(self.facet_passes.get_or_count, key,
                                         partial(_count, searcher, query, under, fields)))
        return counting


def _gathered(counting: list[Future[Counted]]) -> Counted:
    counted: Counted = {}
    for job in counting:
        counted.update(job.result())
    return {facet: counted[facet] for facet in FACETS}

def check(request: SearchRequest) -> None:
    """Refuse what no page of results can answer, with the reason."""
    if not isinstance(request.limit, int) or not 0 <= request.limit <= MAX_LIMIT:
        raise InvalidRequest(f"page size {request.limit!r}: between 0 and {MAX_LIMIT}")
    if not isinstance(request.offset, int) or not 0 <= request.offset <= MAX_OFFSET:
        raise InvalidRequest(f"offset {request.offset!r}: between 0 and {MAX_OFFSET}; "
                             "narrow the search to see further")
    if request.sort not in SORTS:
        raise InvalidRequest(f"sort {request.sort!r}: one of {', '.join(SORTS)}")
    filters = request.filters
    for name in ("libraries", "formats", "languages"):
        values = getattr(filters, name)
        if len(values) > MAX_FILTER_VALUES or not all(isinstance(v, str) for v in values):
            raise InvalidRequest(f"{name}: at most {MAX_FILTER_VALUES} values, each a text")
    for year in (filters.year_from, filters.year_to):
        if year is not None and (not isinstance(year, int) or abs(year) > 10**6):
            raise InvalidRequest(f"year {year!r}: a year is a whole number")


def filter_queries(schema: tantivy.Schema, filters: Filters) -> dict[str, tantivy.Query]:
    """One query per active filter, by name: library, format, language, year, available."""
    found: dict[str, tantivy.Query] = {}
    for name, field, values in (("library", "library", filters.libraries),
                                ("format", "format", filters.formats),
                                ("language", "language", filters.languages)):
        if values:
            found[name] = tantivy.Query.term_set_query(schema, field, list(values))
    if filters.year_from is not None or filters.year_to is not None:
        found["year"] = tantivy.Query.range_query(
            schema, "year", tantivy.FieldType.Integer, filters.year_from, filters.year_to)
    if filters.available:
        found["available"] = (
            tantivy.Query.term_set_query(schema, "available_in", list(filters.libraries))
            if filters.libraries else _on_shelf_anywhere())
    return found


def _on_shelf_anywhere() -> tantivy.Query:
    return tantivy.Query.exists_query("available_in")


def _scored(query: tantivy.Query, bonus: list[tantivy.Query],
            filters: list[tantivy.Query]) -> tantivy.Query:
    """The query, its bonus clauses (score only), its filters (match only, score 0)."""
    if not bonus and not filters:
        return query
    clauses = [(tantivy.Occur.Must, query)]
    clauses += [(tantivy.Occur.Should, extra) for extra in bonus]
    clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    return tantivy.Query.boolean_query(clauses)


def _hits(searcher: tantivy.Searcher, query: tantivy.Query, request: SearchRequest,
          browsing: bool) -> tuple[int, list[Hit]]:
    options: dict[str, Any] = {"weight_by_field": "recency"}
    if request.sort in _SORT_FIELDS:
        field, order = _SORT_FIELDS[request.sort]
        options = {"order_by_field": field, "order": order}
    elif browsing:  # every score is the same: the weight alone orders, read as a sort
        options = {"order_by_field": "recency", "order": tantivy.Order.Desc}
    # tantivy panics on a limit of 0: a page of none still asks for one, and drops it.
    found = searcher.search(query, max(request.limit, 1), count=True, offset=request.offset,
                            **options)
    hits = [_hit(searcher, key, address, request.sort, browsing)
            for key, address in found.hits[:request.limit]]
    # ``count`` is there (count=True) but missing from tantivy's type stubs.
    return int(getattr(found, "count", 0) or 0), hits


def _hit(searcher: tantivy.Searcher, key: Any, address: tantivy.DocAddress, sort: str,
         browsing: bool) -> Hit:
    document = searcher.doc(address)
    record = json.loads(document.get_first("display") or b"{}")
    score = 0.0
    if sort == "relevance":
        score = math.log2(2 + float(key)) if browsing else float(key)
    return Hit(str(document.get_first("id")), score, record)


def _count(searcher: tantivy.Searcher, query: tantivy.Query, kept: list[tantivy.Query],
           fields: dict[str, str]) -> dict[str, list[FacetValue]]:
    """The facets ``fields`` names (facet: field counted) in one pass under ``kept``."""
    spec = {facet: {"terms": {"field": field, "size": FACET_SIZES[facet]}}
            for facet, field in fields.items()}
    answer = searcher.aggregate(_scored(query, [], kept), spec)
    return {facet: _buckets(answer.get(facet)) for facet in fields}


_FILTER_FIELDS = {"library": ("libraries",), "format": ("formats",),
                  "language": ("languages",), "year": ("year_from", "year_to"),
                  "available": ("available",)}
"""The fields of ``Filters`` each filter query is made of."""


def _only(chosen: Filters, kept: frozenset[str]) -> Filters:
    """The choices a facet pass under the ``kept`` filters depends on, the others blank."""
    blank = Filters()
    return replace(chosen, **{attribute: getattr(blank, attribute)
                              for name, attributes in _FILTER_FIELDS.items()
                              if name not in kept for attribute in attributes})


Counted = dict[str, list[FacetValue]]


class FacetPasses:
    """Facet passes already counted, by view, query and filters; the most recent ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], Counted] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_count(self, key: tuple[Any, ...], count: Callable[[], Counted]) -> Counted:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        counted = count()  # outside the lock: two threads may count the same pass once each
        with self._lock:
            self._kept[key] = counted
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return counted

    def __len__(self) -> int:
        return len(self._kept)


def _facet_plan(facet: str, chosen: Filters) -> tuple[frozenset[str], str]:
    """The filters a facet is counted without, and the field it counts."""
    if facet != "library":
        return frozenset({facet}), facet
    if chosen.available:
        # On the shelf in each library: counted on available_in, with "on the shelf
        # somewhere" standing for the available filter the chosen libraries narrowed.
        return frozenset({"library", "available"}), "available_in"
    return frozenset({"library"}), "library"


def _buckets(answer: Any) -> list[FacetValue]:
    buckets = answer.get("buckets", []) if isinstance(answer, dict) else []
    values = [FacetValue(_key(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets]
    return sorted(values, key=lambda value: (-value.count, value.value))


def _key(key: Any) -> str:
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


@contextmanager
def _translated(index: CatalogueIndex) -> Iterator[None]:
    try:
        yield
    except (ValueError, OSError) as exc:
        raise StoreError(f"search index {index.path}: searching failed: {exc}") from exc
