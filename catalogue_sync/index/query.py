"""What a search asks for, whoever asks: the patron's search box, the API, SRU's CQL.

Each front end parses its own syntax into this small tree (``simple.parse`` for the search
box, ``catalogue_sync.cql`` for SRU); the index turns the tree into its own query. Keeping
the tree here, free of any engine, is what lets the protocols share one search.

    Term("title", "misérables")                  a word, in one index or in all ("any")
    Term("any", "le petit prince", phrase=True)  an exact phrase
    Term("title", "hist", truncated=True)        a word's beginning (CQL "hist*")
    Range("year", 1990, 1999)                    bounds included; None is open
    AllOf((a, b)), AnyOf((a, b)), Without(a, b)  and, or, "a but not b"
    Everything()                                 the whole catalogue (an empty search box)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SearchField = Literal["any", "title", "author", "subject", "isbn", "issn", "publisher", "year",
                      "id"]
"""The indexes a term can be looked for in; "any" is every text index at once."""
SEARCH_FIELDS: tuple[SearchField, ...] = ("any", "title", "author", "subject", "isbn", "issn",
                                          "publisher", "year", "id")
Sort = Literal["relevance", "year", "title"]
SORTS: tuple[Sort, ...] = ("relevance", "year", "title")
FACETS = ("library", "format", "language", "year")
"""The facets every search returns, in the order the catalogue shows them."""


@dataclass(frozen=True, slots=True)
class Term:
    field: SearchField
    text: str
    phrase: bool = False
    """The words in this order, next to each other."""
    truncated: bool = False
    """The last word may continue ("hist" finds "histoire")."""


@dataclass(frozen=True, slots=True)
class Range:
    field: Literal["year"]
    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Without:
    """Records matching ``kept`` and not ``dropped`` (CQL's binary NOT)."""

    kept: Query
    dropped: Query


@dataclass(frozen=True, slots=True)
class Everything:
    pass


Query = Term | Range | AllOf | AnyOf | Without | Everything


@dataclass(frozen=True, slots=True)
class Filters:
    """Facet choices: records must match every filter given (values of one filter: any)."""

    libraries: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    available: bool = False
    """Only records with a copy on the shelf (as last harvested) in one of ``libraries``, or
    in any library when none is chosen."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: Query = field(default_factory=Everything)
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "relevance"
    offset: int = 0
    limit: int = 20
    facets: bool = True


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Hit:
    """One merged record found; ``record`` is its display record (see merge.display)."""

    id: str
    score: float
    record: dict[str, object]


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    """By facet name (``FACETS``), most frequent first; empty when not asked for."""
