"""The search API's service: parameters checked, the cache asked, the index searched, the
answer shaped (labels in the asked language) and kept for the next identical request.

An answer is cached under the request (its parsed query, filters, sort, page, language),
the network's library names and the index version it was computed on (generation and
watermark, see ``index.indexer``): an index update or rebuild changes the version, so the
answers of the old index are never served again and expire on their own.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from weakref import WeakKeyDictionary

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import InvalidRequest, NotFound, StoreError
from catalogue_sync.index import simple
from catalogue_sync.index.documents import ON_SHELF
from catalogue_sync.index.indexer import IndexState
from catalogue_sync.index.query import (
    FACETS,
    Filters,
    SearchRequest,
    SearchResult,
)
from catalogue_sync.index.searcher import MAX_FILTER_VALUES, MAX_OFFSET, Searcher
from catalogue_sync.models import Format
from services.search import labels
from services.search.api_models import (
    Facets,
    FacetValue,
    LibraryHolding,
    SearchAnswer,
    SearchHit,
    SearchParams,
)
from services.search.context import SearchContext
from services.search.online import Accesses, accesses, holder_names

FORMATS = tuple(value.value for value in Format)
CacheOutcome = Literal["hit", "miss", "off"]
"""hit: read from Redis; miss: computed and kept; off: computed, no Redis to keep it in."""
API_VERSION = "v1"
"""In every cache key: a change of the answer's shape must change it."""



class NoSuchPage(NotFound):
    """A page past the last of a search, or past the results the index shows (404: the
    request is well formed, and the page it names does not exist)."""


_seen: WeakKeyDictionary[Searcher, IndexState] = WeakKeyDictionary()
_seen_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SearchReply:
    body: bytes
    """The answer, JSON (``SearchAnswer``)."""
    cache: CacheOutcome


def search(context: SearchContext, params: SearchParams, lang: labels.Lang) -> SearchReply:
    """The answer to one search of the API, from the cache when it has it."""
    request = search_request(params, context.network)
    searcher = _searcher_of(context)
    key = context.cache.key("search", API_VERSION, index_version(searcher),
                            f"{lang}|{_names(context.network)}|{request!r}")
    cached = context.cache.get(key)
    if cached is not None:
        return SearchReply(cached, "hit")
    result = searcher.search(request)
    _check_page(params, result.total)
    body = answer(result, params, context.network, lang).model_dump_json().encode()
    context.cache.put(key, body)
    return SearchReply(body, "miss" if context.cache.state == "up" else "off")


def search_request(params: SearchParams, network: NetworkConfig) -> SearchRequest:
    """The index's request for the API's parameters; InvalidRequest names what is wrong."""
    libraries = _chosen("library", params.library, holder_names(network))
    formats = _chosen("format", params.format, FORMATS)
    languages = _languages(params.language)
    if (params.year_from is not None and params.year_to is not None
            and params.year_from > params.year_to):
        raise InvalidRequest(f"year_from {params.year_from} is after year_to {params.year_to}")
    offset = (params.page - 1) * params.page_size
    if offset > MAX_OFFSET:
        raise NoSuchPage(f"page {params.page}: results past the {MAX_OFFSET:,}th are not "
                             "shown; narrow the search (whole-catalogue harvests have "
                             "OAI-PMH at /oai)")
    filters = Filters(libraries, formats, languages, params.year_from, params.year_to,
                      params.available)
    return SearchRequest(simple.parse(params.q), filters, params.sort, offset,
                         params.page_size)


def index_version(searcher: Searcher) -> str:
    """The generation and watermark of the index in use, e.g. "gen-000003.1234".

    The watermark is written after the commit it describes; when it moves, the searcher is
    refreshed at once (it would otherwise follow within a second), so that an answer kept
    under a version was computed on at least that version.
    """
    state = searcher.catalogue_index.state()
    if state is None:
        raise StoreError(f"no search index in {searcher.catalogue_index.path} yet: build it "
                         "with `catalogue-sync index`")
    if _seen.get(searcher) != state:
        searcher.refresh()
        with _seen_lock:
            _seen[searcher] = state
    return f"{state.generation}.{state.watermark}"


def answer(result: SearchResult, params: SearchParams, network: NetworkConfig,
           lang: labels.Lang) -> SearchAnswer:
    """The JSON answer of a search result, labelled in ``lang``."""
    names, online = holder_names(network), accesses(network)
    facets = {facet: [FacetValue(value=value.value, count=value.count,
                                 label=_label(facet, value.value, names, lang))
                      for value in result.facets.get(facet, [])]
              for facet in FACETS}
    return SearchAnswer(total=result.total, page=params.page, page_size=params.page_size,
                        hits=[hit(found.id, found.record, names, online)
                              for found in result.hits],
                        facets=Facets(**facets))


def hit(merged_id: str, record: Mapping[str, Any], names: Mapping[str, str],
        online: Accesses) -> SearchHit:
    """One hit of the answer, from the display record the index keeps."""
    return SearchHit(id=merged_id, title=full_title(record),
                     authors=list(record.get("authors") or []), year=record.get("year"),
                     format=str(record.get("format") or "other"),
                     isbns=list(record.get("isbns") or []),
                     libraries=holding_libraries(record, names, online))


def full_title(record: Mapping[str, Any]) -> str | None:
    """Title, then " : subtitle"."""
    title, subtitle = record.get("title"), record.get("subtitle")
    if title and subtitle:
        return f"{title} : {subtitle}"
    return title or subtitle or None


def holding_libraries(record: Mapping[str, Any], names: Mapping[str, str], online: Accesses
                      ) -> list[LibraryHolding]:
    """Each library holding the record once, in the record's order, with its copies; a
    vendor's package with the resources that open it online."""
    copies: dict[str, list[int]] = {}
    for holding in record.get("holdings") or []:
        items = holding.get("items") or []
        counts = copies.setdefault(str(holding.get("library")), [0, 0])
        counts[0] += len(items)
        counts[1] += sum(item.get("status") in ON_SHELF for item in items)
    return [LibraryHolding(id=library, name=names.get(library, library), items=held,
                           available=on_shelf, online=online.get(library, []))
            for library, (held, on_shelf) in copies.items()]


def _label(facet: str, value: str, names: Mapping[str, str], lang: labels.Lang) -> str:
    if facet == "library":
        return names.get(value, value)
    if facet == "format":
        return labels.format_label(value, lang)
    if facet == "language":
        return labels.language_label(value, lang)
    return value


def _searcher_of(context: SearchContext) -> Searcher:
    if context.searcher is None:
        raise StoreError("this search service runs without a search index")
    return context.searcher


def _names(network: NetworkConfig) -> str:
    """What of network.toml an answer shows: holders' names, and the resources' addresses."""
    online = [f"{key}={access.url}" for key, found in accesses(network).items()
              for access in found]
    return "|".join([f"{key}={name}" for key, name in holder_names(network).items()] + online)


def _chosen(name: str, values: Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    """The distinct values, sorted (one cache key per choice), each one of ``known``."""
    chosen = tuple(sorted(set(values)))
    _at_most(name, chosen)
    allowed = set(known)
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise InvalidRequest(f"{name} {quoted(unknown[0])} is unknown; the {name} values "
                             f"are: {', '.join(sorted(allowed))}")
    return chosen


def _languages(values: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(sorted({value.strip().lower() for value in values}))
    _at_most("language", chosen)
    for value in chosen:
        if not (len(value) == 3 and value.isascii() and value.isalpha()):
            raise InvalidRequest(f"language {quoted(value)} is not a language code: "
                                 "three letters of ISO 639-2, as catalogued (fre, eng...)")
    return chosen


def _check_page(params: SearchParams, total: int) -> None:
    if params.page > 1 and (params.page - 1) * params.page_size >= total:
        last = max(1, math.ceil(total / params.page_size))
        raise NoSuchPage(f"page {params.page} is past the last page of this search "
                             f"({last}: {total} results, {params.page_size} a page)")


def _at_most(name: str, values: tuple[str, ...]) -> None:
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidRequest(f"{name}: at most {MAX_FILTER_VALUES} values")


def quoted(value: str) -> str:
    """A value quoted for a message, cut when long (it came from anyone)."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
