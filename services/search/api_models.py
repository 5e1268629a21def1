"""The JSON API's parameters and answers, as pydantic models: what /openapi.json publishes.

The search answer is exactly ``{"total", "page", "page_size", "hits", "facets"}``; field
descriptions here are the API's reference documentation (docs/search.md has the examples).
An empty filter value (``library=``, as a form's "all" sends it) chooses nothing and is
left out, as on the web catalogue's pages; the formats are published as the list they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from catalogue_sync.index.query import Sort
from catalogue_sync.index.searcher import MAX_LIMIT
from catalogue_sync.models import Format

YEAR_BOUND = 9999
FORMAT_CHOICES: dict[str, JsonValue] = {
    "items": {"type": "string", "enum": [*(value.value for value in Format), ""]}}
"""The formats as the OpenAPI publishes them (the service names them when one is wrong)."""
LANGUAGE_CODES: dict[str, JsonValue] = {"items": {"type": "string", "pattern": "^([A-Za-z]{3})?$"}}


class SearchParams(BaseModel):
    """The query string of ``GET /api/v1/search``."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field("", description='The search box: words, "a phrase", hist* for a word\'s '
                   "beginning, -word to leave out, an ISBN or ISSN typed any way. Empty: the "
                   "whole catalogue. At most 1,000 characters.")
    page: int = Field(1, ge=1, description="Page of results, from 1. A page past the last "
                      "one, or past the 10,000th result, is a 404.")
    page_size: int = Field(20, ge=1, le=MAX_LIMIT, description="Hits per page, 1 to 100.")
    library: list[str] = Field(default_factory=list, description="Only records held by one "
                               "of these libraries (ids from network.toml; repeatable).")
    format: list[str] = Field(default_factory=list, description="Only these formats: book, "
                              "large-print, e-book, audiobook, dvd-bluray, music-cd, score, "
                              "periodical, map, board-game, video-game, online-periodical, "
                              "online-video, online-music, online-resource, other "
                              "(repeatable).", json_schema_extra=FORMAT_CHOICES)
    language: list[str] = Field(default_factory=list, description="Only these languages, "
                                "ISO 639-2 codes as catalogued: fre, eng... (repeatable). A "
                                "code no record is catalogued in finds nothing.",
                                json_schema_extra=LANGUAGE_CODES)
    year_from: int | None = Field(None, ge=0, le=YEAR_BOUND,
                                  description="Published this year or later; not after "
                                  "year_to.")
    year_to: int | None = Field(None, ge=0, le=YEAR_BOUND,
                                description="Published this year or earlier.")
    available: bool = Field(False, description="Only records with a copy on the shelf (as "
                            "last harvested) in one of the chosen libraries, or anywhere.")
    sort: Sort = Field("relevance", description="relevance (best first, newer editions "
                       "slightly favoured), year (newest first) or title.")
    lang: Literal["fr", "en"] | None = Field(None, description="Language of the facet labels; "
                                             "otherwise Accept-Language, then French.")

    @field_validator("library", "format", "language")
    @classmethod
    def _empty_chooses_nothing(cls, values: list[str]) -> list[str]:
        return [value for value in values if value]


class OnlineAccess(BaseModel):
    """A resource of the network's digital offer that opens an online record."""

    resource: str = Field(description="The resource's id in network.toml.")
    name: str = Field(description="The resource's name in network.toml.")
    url: str = Field(description="The resource's address at the network's gateway, which "
                     "signs the patron in and checks that they are entitled to it.")


class LibraryHolding(BaseModel):
    """One library holding a record found, and its copies; or a vendor's package offering
    it online."""

    id: str = Field(description="The library's id in network.toml; for a vendor's package, "
                    "VENDOR.PACKAGE.")
    name: str = Field(description="The library's name in network.toml; for a vendor's "
                      "package, the names of the resources that open it.")
    items: int = Field(description="Copies the library holds (0 for a record without "
                       "copies, such as an e-book).")
    available: int = Field(description="Of these, copies on the shelf as last harvested.")
    online: list[OnlineAccess] = Field(default_factory=list, description="For a vendor's "
                                       "package: the resources that open the record online "
                                       "(empty for a library).")


class SearchHit(BaseModel):
    """One merged record found."""

    id: str = Field(description="The merged record's id: GET /api/v1/records/{id}.")
    title: str | None = Field(description="Title, and subtitle after ' : '.")
    authors: list[str]
    year: int | None
    format: str = Field(description="Format code (see the format facet's labels).")
    isbns: list[str] = Field(description="Valid ISBNs as ISBN-13 first, then others as "
                             "catalogued.")
    libraries: list[LibraryHolding]


class FacetValue(BaseModel):
    value: str = Field(description="What to pass to the filter of the same name.")
    label: str = Field(description="What to show: a library's name, a format or language "
                       "in the answer's language, a year.")
    count: int = Field(description="Records found with this value, counted under the query "
                       "and every filter but this facet's own.")


class Facets(BaseModel):
    """Most frequent first; at most 500 libraries and 50 values of the others."""

    library: list[FacetValue]
    format: list[FacetValue]
    language: list[FacetValue]
    year: list[FacetValue]


class SearchAnswer(BaseModel):
    total: int = Field(description="Records found.")
    page: int
    page_size: int
    hits: list[SearchHit]
    facets: Facets


class Item(BaseModel):
    """One copy, as last harvested from its library."""

    call_number: str | None
    location: str | None
    branch: str | None
    barcode: str | None
    status: str = Field(description="available, on-loan, or the library's own status code.")
    on_shelf: bool = Field(description="Whether the copy was on the shelf.")
    due_date: str | None = Field(description="When a copy on loan is due back (YYYY-MM-DD).")


class LibraryRecord(BaseModel):
    """One library's record in a merged record, and its copies."""

    library: str
    library_name: str
    record: str = Field(description="The record's id in the library's own catalogue.")
    opac_url: str | None = Field(description="The record in the library's own catalogue "
                                 "(None when network.toml gives no opac_url).")
    items: list[Item]
    online: list[OnlineAccess] = Field(default_factory=list, description="For a vendor's "
                                       "package: the resources that open the record online, "
                                       "and where (empty for a library).")


class MemberOf(BaseModel):
    library: str
    record: str


class Member(BaseModel):
    """A library's record merged into this one, and why."""

    library: str
    library_name: str
    record: str
    rule: str = Field(description="The merge rule that joined it (e.g. shared-isbn); the "
                      "record the description is taken from has its own rule name.")
    reason: str
    linked_to: MemberOf | None = Field(description="The member it was matched with; None "
                                       "for the record the description is taken from.")
    opac_url: str | None


class Edition(BaseModel):
    """Another merged record of the same work: another edition, or another format."""

    id: str
    title: str | None
    authors: list[str]
    year: int | None
    format: str
    format_label: str
    language: str | None
    libraries: list[str] = Field(description="Ids of the libraries holding it.")


class RecordLinks(BaseModel):
    marcxml: str = Field(description="This record as MARCXML.")
    iso2709: str = Field(description="This record as ISO 2709 (MARC 21, UTF-8).")


class RecordAnswer(BaseModel):
    """A merged record of the union catalogue, as the record page shows it."""

    id: str
    work: str = Field(description="The work key its editions and formats share.")
    title: str | None
    subtitle: str | None
    authors: list[str]
    year: int | None
    format: str
    format_label: str
    language: str | None
    language_label: str | None
    publisher: str | None
    pages: int | None
    isbns: list[str]
    issns: list[str]
    ids: list[str] = Field(description='Other numbers, as "scheme:value".')
    subjects: list[str]
    updated_at: datetime = Field(description="When the merged record last changed.")
    members: list[Member]
    holdings: list[LibraryRecord] = Field(description="Every member library's record and "
                                          "copies, the displayed record's first.")
    editions: list[Edition] = Field(description="Other editions and formats of the work, "
                                    "newest first (at most 50).")
    links: RecordLinks


class ErrorAnswer(BaseModel):
    """Every refusal: what is wrong, and what to change."""

    detail: str
