"""The result list's address: ``/recherche`` and its parameters, read and written back.

    /recherche?q=camus&bibliotheque=mediatheque-fm&format=book&langue=fre
               &annee_de=1990&annee_a=1999&disponible=1&tri=annee&page=2

| parameter | what it holds | repeatable |
|---|---|---|
| ``q`` | the search box, in its syntax (``index.simple``); empty: the whole catalogue | no |
| ``bibliotheque``, ``format``, ``langue`` | a library id, a format code, a language code | yes |
| ``annee_de``, ``annee_a`` | years, bounds included | no |
| ``disponible`` | ``1``: a copy on the shelf (in one of the chosen libraries) | no |
| ``tri`` | ``pertinence`` (default), ``annee`` (newest first), ``titre`` | no |
| ``page`` | from 1, ``PAGE_SIZE`` hits a page | no |

Parameters are read by hand from strings, not by FastAPI's validation, so that any bad value
becomes ``BadSearch``: a 400 page saying what is wrong in the patron's language, never a 500
nor a JSON answer. Unknown parameters are ignored; an unknown library or format is no error,
it just finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from catalogue_sync.errors import InvalidRequest
from catalogue_sync.index import simple
from catalogue_sync.index.query import Filters, SearchRequest, Sort
from catalogue_sync.index.searcher import MAX_FILTER_VALUES, MAX_OFFSET

PATH = "/recherche"
PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
"""The deepest page the index serves (offset ``MAX_OFFSET``)."""
SORT_PARAMS: dict[str, Sort] = {"pertinence": "relevance", "annee": "year", "titre": "title"}
SORT_NAMES: dict[Sort, str] = {sort: name for name, sort in SORT_PARAMS.items()}
FACET_PARAMS = {"library": "bibliotheque", "format": "format", "language": "langue"}
"""The parameter of each facet chosen by value (the year facet sets ``annee_de``/``annee_a``)."""
_FIELDS = {"library": "libraries", "format": "formats", "language": "languages"}
_YEAR = re.compile(r"-?[0-9]{1,4}")
_PAGE = re.compile(r"[0-9]{1,9}")


class BadSearch(InvalidRequest):
    """A search the catalogue cannot run; ``key`` names the sentence that says why (in
    ``translations.TEXTS``), ``values`` fill it in; with ``count``, the sentence is a plural. A
    ``detail`` is the core's own explanation (English), shown beside the sentence."""

    def __init__(self, message: str, key: str, *, count: int | None = None,
                 detail: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.count = count
        self.detail = detail
        self.values = values


@dataclass(frozen=True, slots=True)
class SearchForm:
    """A result list's parameters, as the patron gave them."""

    q: str = ""
    libraries: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    available: bool = False
    sort: Sort = "relevance"
    page: int = 1

    @classmethod
    def read(cls, params: QueryParams) -> SearchForm:
        """The form of a request's query string; ``BadSearch`` names the first bad value."""
        q = " ".join(params.get("q", "").split())
        if len(q) > simple.MAX_LENGTH:
            raise BadSearch(f"query of {len(q)} characters", "bad_query_length",
                            length=len(q), max=simple.MAX_LENGTH)
        low, high = _year(params.get("annee_de")), _year(params.get("annee_a"))
        if low is not None and high is not None and low > high:
            low, high = high, low
        return cls(q=q, libraries=_values(params, "bibliotheque"),
                   formats=_values(params, "format"), languages=_values(params, "langue"),
                   year_from=low, year_to=high,
                   available=params.get("disponible", "") in ("1", "oui", "on", "true"),
                   sort=_sort(params.get("tri")), page=_page(params.get("page")))

    def request(self) -> SearchRequest:
        """What the index is asked for this page."""
        filters = Filters(libraries=self.libraries, formats=self.formats,
                          languages=self.languages, year_from=self.year_from,
                          year_to=self.year_to, available=self.available)
        return SearchRequest(simple.parse(self.q), filters, self.sort,
                             offset=(self.page - 1) * PAGE_SIZE, limit=PAGE_SIZE)

    @property
    def filtered(self) -> bool:
        return bool(self.libraries or self.formats or self.languages or self.available
                    or self.year_from is not None or self.year_to is not None)

    def pairs(self) -> list[tuple[str, str]]:
        """The query string's parameters, defaults left out (hidden fields of forms too)."""
        pairs = [("q", self.q)] if self.q else []
        for facet, name in FACET_PARAMS.items():
            pairs += [(name, value) for value in self.values_of(facet)]
        pairs += [(name, str(year)) for name, year in (("annee_de", self.year_from),
                                                       ("annee_a", self.year_to))
                  if year is not None]
        pairs += [("disponible", "1")] if self.available else []
        pairs += [("tri", SORT_NAMES[self.sort])] if self.sort != "relevance" else []
        pairs += [("page", str(self.page))] if self.page > 1 else []
        return pairs

    def hidden(self, *left_out: str) -> list[tuple[str, str]]:
        """The parameters a form carries along, without those it asks for and the page."""
        return [(name, value) for name, value in self.pairs()
                if name not in left_out and name != "page"]

    def url(self) -> str:
        """The address of this form (path and query string), defaults left out."""
        pairs = self.pairs()
        return f"{PATH}?{urlencode(pairs)}" if pairs else PATH

    def at_page(self, page: int) -> SearchForm:
        return replace(self, page=page)

    def toggled(self, facet: str, value: str) -> SearchForm:
        """This search with ``value`` of ``facet`` chosen, or no longer chosen; page 1."""
        if facet == "year":
            year = int(value)
            chosen = self.year_from == year == self.year_to
            return replace(self, year_from=None if chosen else year,
                           year_to=None if chosen else year, page=1)
        values = self.values_of(facet)
        kept = (tuple(v for v in values if v != value) if value in values
                else (*values, value))
        if facet == "library":
            return replace(self, libraries=kept, page=1)
        if facet == "format":
            return replace(self, formats=kept, page=1)
        return replace(self, languages=kept, page=1)

    def values_of(self, facet: str) -> tuple[str, ...]:
        """The values chosen of a facet chosen by value (library, format, language)."""
        found: tuple[str, ...] = getattr(self, _FIELDS[facet])
        return found

    def is_chosen(self, facet: str, value: str) -> bool:
        if facet == "year":
            return str(self.year_from) == value and self.year_from == self.year_to
        return value in self.values_of(facet)

    def without_years(self) -> SearchForm:
        return replace(self, year_from=None, year_to=None, page=1)

    def without_available(self) -> SearchForm:
        return replace(self, available=False, page=1)

    def toggled_available(self) -> SearchForm:
        return replace(self, available=not self.available, page=1)

    def without_filters(self) -> SearchForm:
        return SearchForm(q=self.q, sort=self.sort)


def _values(params: QueryParams, name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in params.getlist(name) if v.strip()))
    if len(values) > MAX_FILTER_VALUES:
        raise BadSearch(f"{len(values)} values of {name}", "bad_too_many",
                        max=MAX_FILTER_VALUES)
    return values


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not _YEAR.fullmatch(text):
        raise BadSearch(f"year {text!r}", "bad_year", value=text[:40])
    return int(text)


def _sort(text: str | None) -> Sort:
    text = (text or "pertinence").strip()
    if text not in SORT_PARAMS:
        raise BadSearch(f"sort {text!r}", "bad_sort", value=text[:40])
    return SORT_PARAMS[text]


def _page(text: str | None) -> int:
    text = (text or "1").strip()
    if not _PAGE.fullmatch(text) or int(text) < 1:
        raise BadSearch(f"page {text!r}", "bad_page", value=text[:40])
    if int(text) > MAX_PAGE:
        raise BadSearch(f"page {text} beyond {MAX_PAGE}", "bad_page_too_far", max=MAX_PAGE)
    return int(text)
