"""What a record page shows: the description, each library's copies (live from its ILS
where it says so, as harvested otherwise, and which), the other editions.

Like ``results``, every word is decided here, in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue_sync.availability.service import HoldingStatus, RecordAvailability, Source
from catalogue_sync.index.documents import ON_SHELF
from catalogue_sync.models import Item as CopyItem
from services.search import labels
from services.search.api_models import Edition, Item, LibraryRecord, RecordAnswer
from services.search.web.i18n import Texts
from services.search.web.params import SearchForm

STATUSES = {"available": "status_available", "on-loan": "status_on_loan",
            "not-for-loan": "status_not_for_loan", "on-order": "status_on_order",
            "lost": "status_lost", "withdrawn": "status_withdrawn"}
"""The statuses said in words: harvested ones (available, on-loan) and those an ILS gives
live (``availability.provider.ItemStatus``); any other is a library's own code."""
REASONS = ("timeout", "unavailable", "refused", "misconfigured")
"""Reasons for harvested statuses worth telling the patron (``availability.Reason``); a
library without live status needs no excuse."""


@dataclass(frozen=True, slots=True)
class ItemRow:
    branch: str | None
    location: str | None
    call_number: str | None
    status: str
    state: str
    due_date: str | None


@dataclass(frozen=True, slots=True)
class AccessLink:
    """A resource that opens an online record, and its address at the gateway."""

    resource: str
    url: str


@dataclass(frozen=True, slots=True)
class LibraryHoldings:
    library: str
    name: str
    items: list[ItemRow]
    opac_url: str | None
    source: str
    """Where the statuses come from: the library's ILS now, or the harvest (and its date);
    for an online record, how access works."""
    access: list[AccessLink] = field(default_factory=list)
    """An online record's resources (a vendor's package holds no copies)."""


@dataclass(frozen=True, slots=True)
class EditionView:
    id: str
    title: str
    lang: str | None
    details: str


@dataclass(frozen=True, slots=True)
class RecordView:
    id: str
    title: str
    subtitle: str | None
    lang: str | None
    description: list[tuple[str, str]]
    identifiers: list[tuple[str, str]]
    subjects: list[tuple[str, str]]
    """Each subject and the search for it."""
    holdings: list[LibraryHoldings]
    editions: list[EditionView] = field(default_factory=list)


def record_view(found: RecordAnswer, live: RecordAvailability | None, t: Texts) -> RecordView:
    """The record page; copies and their status from ``live`` where it has them."""
    statuses = {(h.library, h.record): h for h in live.holdings} if live else {}
    return RecordView(
        id=found.id, title=found.title or found.id, subtitle=found.subtitle,
        lang=t.other_lang(found.language), description=description(found, t),
        identifiers=identifiers(found, t),
        subjects=[(subject, SearchForm(q=f'"{subject}"').url()) for subject in found.subjects],
        holdings=[library_holdings(holding, statuses.get((holding.library, holding.record)), t)
                  for holding in found.holdings],
        editions=[edition_view(edition, t) for edition in found.editions])


def library_holdings(holding: LibraryRecord, status: HoldingStatus | None, t: Texts
                     ) -> LibraryHoldings:
    """One library's copies: as its ILS says now, or as harvested, and which it is; or a
    vendor's package, with the resources that open the record online."""
    if holding.online:
        return online_holdings(holding, t)
    if status is None:
        items = [item_row(item, t) for item in holding.items]
        return LibraryHoldings(holding.library, holding.library_name, items,
                               holding.opac_url, t("source_harvested_undated"))
    return LibraryHoldings(holding.library, holding.library_name,
                           [item_row(item, t) for item in status.items],
                           holding.opac_url, source_note(status, t))


def online_holdings(holding: LibraryRecord, t: Texts) -> LibraryHoldings:
    """A vendor's package: "Online — <resources>", and a link to each resource."""
    return LibraryHoldings(holding.library, t("online_holder", name=holding.library_name), [],
                           None, t("online_note"),
                           [AccessLink(access.name, access.url) for access in holding.online])


def source_note(status: HoldingStatus, t: Texts) -> str:
    """Where the statuses shown come from, and why not live when they are not."""
    if status.source in (Source.LIVE, Source.CACHED):
        return t("source_live")
    when = status.harvested_at
    note = (t("source_harvested", date=t.date(when.date().isoformat())) if when
            else t("source_harvested_undated"))
    reason = status.reason.value if status.reason else None
    return f"{note} {t(f'reason_{reason}')}" if reason and reason in REASONS else note


def description(found: RecordAnswer, t: Texts) -> list[tuple[str, str]]:
    """The description list of a record page: what is known, labelled."""
    fields = [
        ("field_authors", "; ".join(found.authors)),
        ("field_publisher", found.publisher),
        ("field_year", str(found.year) if found.year is not None else None),
        ("field_pages", t("pages_count", n=found.pages) if found.pages else None),
        ("field_format", found.format_label),
        ("field_language", found.language_label),
    ]
    return [(t(key), value) for key, value in fields if value]


def identifiers(found: RecordAnswer, t: Texts) -> list[tuple[str, str]]:
    shown = [(labels.identifier_label("isbn", t.lang), isbn) for isbn in found.isbns]
    shown += [(labels.identifier_label("issn", t.lang), issn) for issn in found.issns]
    for other in found.ids:
        scheme, _, value = other.partition(":")
        shown.append((labels.identifier_label(scheme, t.lang), value) if value
                     else (labels.identifier_label("id", t.lang), scheme))
    return shown


def item_row(item: Item | CopyItem, t: Texts) -> ItemRow:
    """One copy's row, its status as harvested or as its ILS says it now."""
    status = item.status
    state = ("available" if status in ON_SHELF else "on-loan" if status == "on-loan"
             else "other")
    text = (t(STATUSES[status]) if status in STATUSES
            else t("status_other", code=status))
    return ItemRow(branch=item.branch or None, location=item.location or None,
                   call_number=item.call_number or None, status=text, state=state,
                   due_date=t.date(item.due_date) if item.due_date else None)


def edition_view(edition: Edition, t: Texts) -> EditionView:
    details = [edition.format_label, *([str(edition.year)] if edition.year else [])]
    return EditionView(edition.id, edition.title or edition.id,
                       t.other_lang(edition.language), ", ".join(details))
