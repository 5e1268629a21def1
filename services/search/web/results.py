"""What a result list shows: hits with where each is, facets, active filters, pages.

Templates only lay these out: every label, link and availability sentence is decided here,
in the page's language (``i18n.Texts``), so that the templates stay free of logic and the
tests can check the words. Availability is as harvested: the index keeps it so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from catalogue_sync.config import NetworkConfig
from catalogue_sync.index.documents import ON_SHELF
from catalogue_sync.index.query import FACETS, FacetValue, Hit, SearchResult
from catalogue_sync.online.sources import is_online
from services.search import labels
from services.search.online import accesses
from services.search.web.i18n import Texts
from services.search.web.params import MAX_PAGE, PAGE_SIZE, SORT_PARAMS, SearchForm

FACETS_SHOWN = 8
"""Values of a facet shown at first; the others are behind "show more" (a <details>)."""
PAGES_AROUND = 2
"""Page links on each side of the current page."""
ON_LOAN = "on-loan"


@dataclass(frozen=True, slots=True)
class Holding:
    """One library's copies of a record, summed up for a result list."""

    library: str
    state: str
    """available, on-loan, other, unknown or online: the CSS class (never the only cue)."""
    text: str
    url: str | None = None
    """online: the gateway's address of the resource, which ``text`` links to."""
    resource: str | None = None
    """online: the resource's name, said to screen readers after the link's text."""


@dataclass(frozen=True, slots=True)
class HitView:
    id: str
    title: str
    subtitle: str | None
    lang: str | None
    """The title's language tag when it is known (``lang`` attribute)."""
    authors: list[str]
    year: int | None
    format: str
    holdings: list[Holding]


@dataclass(frozen=True, slots=True)
class FacetLink:
    label: str
    count: int
    count_text: str
    url: str
    chosen: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    name: str
    heading: str
    shown: list[FacetLink]
    more: list[FacetLink]


@dataclass(frozen=True, slots=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True, slots=True)
class Pagination:
    previous: str | None
    next: str | None
    pages: list[PageLink | None]
    """None stands for a gap (an ellipsis)."""


@dataclass(frozen=True, slots=True)
class ResultsView:
    total: int
    first: int
    last: int
    hits: list[HitView]
    facets: list[FacetGroup]
    active: list[tuple[str, str]]
    """Each active filter's label and the URL without it."""
    pagination: Pagination | None
    last_page: int
    sorts: list[tuple[str, str, bool]]
    """Each sort's parameter value, label, and whether it is the current one."""


def results_view(result: SearchResult, form: SearchForm, network: NetworkConfig,
                 t: Texts) -> ResultsView:
    last_page = last_page_of(result.total)
    first = (form.page - 1) * PAGE_SIZE + 1
    return ResultsView(
        total=result.total, first=first, last=first + len(result.hits) - 1,
        hits=[hit_view(hit, network, t) for hit in result.hits],
        facets=[group for facet in FACETS
                if (group := facet_group(facet, result.facets.get(facet, []), form, network, t))],
        active=active_filters(form, network, t),
        pagination=pagination(form, last_page) if last_page > 1 else None,
        last_page=last_page,
        sorts=[(name, t(f"sort_{sort}"), sort == form.sort)
               for name, sort in SORT_PARAMS.items()])


def last_page_of(total: int) -> int:
    return max(1, min(math.ceil(total / PAGE_SIZE), MAX_PAGE))


def hit_view(hit: Hit, network: NetworkConfig, t: Texts) -> HitView:
    record: dict[str, Any] = hit.record
    year = record.get("year")
    return HitView(
        id=hit.id, title=_text(record.get("title")) or hit.id,
        subtitle=_text(record.get("subtitle")), lang=title_lang(record, t),
        authors=[str(name) for name in record.get("authors") or []],
        year=year if isinstance(year, int) else None,
        format=labels.format_label(str(record.get("format") or "other"), t.lang),
        holdings=hit_holdings(record, network, t))


def hit_holdings(record: dict[str, Any], network: NetworkConfig, t: Texts) -> list[Holding]:
    """Each library's copies summed up; each resource opening the record online, linked."""
    online = accesses(network)
    holdings: list[Holding] = []
    for library, items in _by_library(record):
        if library in online:
            holdings += [Holding(t("online_holder", name=access.name), "online",
                                 t("online_access"), access.url, access.name)
                         for access in online[library]]
        else:
            holdings.append(Holding(labels.library_name(network, library),
                                    *holding_summary(items, t)))
    return holdings


def holding_summary(items: list[dict[str, Any]], t: Texts) -> tuple[str, str]:
    """One library's copies in a few words, and their state (see ``Holding.state``)."""
    available = sum(item.get("status") in ON_SHELF for item in items)
    on_loan = [item for item in items if item.get("status") == ON_LOAN]
    if not items:
        return "unknown", t("held_no_items")
    if available:
        return "available", (t("held_single_available") if len(items) == 1 else
                             t.plural("held_available", available,
                                      total=t.number(len(items))))
    if len(on_loan) == len(items):
        due = min((str(item["due_date"]) for item in on_loan if item.get("due_date")),
                  default=None)
        if due is None:
            return ON_LOAN, t("held_on_loan_undated")
        key = "held_on_loan_one" if len(items) == 1 else "held_on_loan_other"
        return ON_LOAN, t(key, due=t.date(due))
    return "other", t("held_other")


def title_lang(record: dict[str, Any], t: Texts) -> str | None:
    """The title's language tag, when the record says it and it is not the page's."""
    return t.other_lang(_text(record.get("language")))


def _by_library(record: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each holding library's id and all its copies (a library may have two records)."""
    copies: dict[str, list[dict[str, Any]]] = {}
    for holding in record.get("holdings") or []:
        copies.setdefault(str(holding.get("library")), []).extend(holding.get("items") or [])
    return list(copies.items())


# Facets, filters, pages


def facet_group(facet: str, values: list[FacetValue], form: SearchForm,
                network: NetworkConfig, t: Texts) -> FacetGroup | None:
    """A facet's values as links that add or remove them (a chosen one even at 0)."""
    counted = {value.value: value.count for value in values}
    names = list(counted) + [value for value in _chosen(facet, form) if value not in counted]
    if facet == "year":
        names.sort(key=lambda year: -int(year) if year.lstrip("-").isdigit() else 0)
    links = [FacetLink(label=facet_label(facet, name, network, t), count=counted.get(name, 0),
                       count_text=t.plural("facet_count", counted.get(name, 0)),
                       url=form.toggled(facet, name).url(), chosen=form.is_chosen(facet, name))
             for name in names]
    if not links:
        return None
    shown = [link for n, link in enumerate(links) if n < FACETS_SHOWN or link.chosen]
    more = [link for n, link in enumerate(links) if n >= FACETS_SHOWN and not link.chosen]
    return FacetGroup(facet, t(f"facet_{facet}"), shown, more)


def _chosen(facet: str, form: SearchForm) -> list[str]:
    if facet != "year":
        return list(form.values_of(facet))
    year = form.year_from
    return [str(year)] if year is not None and year == form.year_to else []


def facet_label(facet: str, value: str, network: NetworkConfig, t: Texts) -> str:
    if facet == "library":
        name = labels.library_name(network, value)
        return t("online_holder", name=name) if is_online(value) else name
    if facet == "format":
        return labels.format_label(value, t.lang)
    if facet == "language":
        return labels.language_label(value, t.lang)
    return value


def active_filters(form: SearchForm, network: NetworkConfig, t: Texts) -> list[tuple[str, str]]:
    active = [(facet_label(facet, value, network, t), form.toggled(facet, value).url())
              for facet in ("library", "format", "language") for value in form.values_of(facet)]
    low, high = form.year_from, form.year_to
    if low is not None or high is not None:
        label = (t("year_between", low=low, high=high) if low is not None and high is not None
                 else t("year_since", low=low) if low is not None else t("year_until", high=high))
        active.append((label, form.without_years().url()))
    if form.available:
        active.append((t("available_filter"), form.without_available().url()))
    return active


def pagination(form: SearchForm, last_page: int) -> Pagination:
    """Links to the first and last pages, and to the pages around the current one."""
    current = min(form.page, last_page)
    numbers = sorted({1, last_page, *range(max(1, current - PAGES_AROUND),
                                           min(last_page, current + PAGES_AROUND) + 1)})
    pages: list[PageLink | None] = []
    for number in numbers:
        if pages and (previous := pages[-1]) is not None and number > previous.number + 1:
            pages.append(None)
        pages.append(PageLink(number, form.at_page(number).url(), number == form.page))
    return Pagination(
        previous=form.at_page(current - 1).url() if current > 1 else None,
        next=form.at_page(current + 1).url() if current < last_page else None,
        pages=pages)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
