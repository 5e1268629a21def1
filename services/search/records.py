"""The record API's service: one merged record, read fresh from the store, as the record
page shows it (members, copies, other editions, links to the libraries' own catalogues) or
as MARC 21 (MARCXML, ISO 2709).

A merged record that was replaced (its records went to another one, see merge.identity) is
``Moved`` to the live record its links lead to; one whose records were all deleted is
``Gone``; an id never handed out is ``NotFound``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import sqlalchemy as sa

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import Gone, NotFound
from catalogue_sync.export.marc import to_iso2709, to_marc, to_marcxml
from catalogue_sync.index.documents import ON_SHELF
from catalogue_sync.merge.catalogue import explain, get_merged
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import ClusterMember, MergedRecord, member_rows
from catalogue_sync.store.schema import merged_records
from services.search import labels
from services.search.api_models import (
    Edition,
    Item,
    LibraryRecord,
    Member,
    MemberOf,
    RecordAnswer,
    RecordLinks,
)
from services.search.online import Accesses, accesses
from services.search.searching import full_title, quoted

MAX_EDITIONS = 50
MERGED_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
"""What a merged id can look like ("m" and 12 hex digits, maybe "-2"); anything else is
answered as not found without asking the store."""
Export = Literal["xml", "mrc"]


class Moved(Exception):  # not an error: an answer (HTTP 301)
    """The merged record asked for was replaced; links to it lead to ``merged_id``."""

    def __init__(self, merged_id: str) -> None:
        super().__init__(merged_id)
        self.merged_id = merged_id


def live_record(store: Store, merged_id: str) -> MergedRecord:
    """The live merged record ``merged_id``; Moved, Gone or NotFound otherwise."""
    if not MERGED_ID.fullmatch(merged_id):
        raise NotFound(f"no merged record {quoted(merged_id)}: merged ids look like "
                       "m1a2b3c4d5e6")
    merged = get_merged(store, merged_id)
    if merged is None:
        raise NotFound(f"no merged record {merged_id!r}")
    if not merged.deleted:
        return merged
    successor = explain(store, merged_id).redirect
    if successor is not None:
        raise Moved(successor)
    raise Gone(f"merged record {merged_id!r} is gone: the records it held were deleted from "
               "their libraries' catalogues; search for the title again")


def record_page(store: Store, network: NetworkConfig, merged_id: str, lang: labels.Lang
                ) -> RecordAnswer:
    """The record page's content of a live merged record."""
    merged = live_record(store, merged_id)
    with store.transaction("reading a merged record's members and editions") as connection:
        members = member_rows(connection, merged.id)
        editions = other_editions(connection, merged)
    display = merged.display or {}
    return RecordAnswer(
        id=merged.id, work=merged.work, updated_at=merged.updated_at,
        **_description(display, lang),
        members=[_member(row, network) for row in _display_source_first(members)],
        holdings=_holdings(display, network),
        editions=[_edition(row_id, shown, lang) for row_id, shown in editions],
        links=RecordLinks(marcxml=f"/api/v1/records/{merged.id}.xml",
                          iso2709=f"/api/v1/records/{merged.id}.mrc"))


def record_export(store: Store, merged_id: str, kind: Export) -> bytes:
    """A live merged record as MARCXML (``xml``) or ISO 2709 (``mrc``)."""
    record = to_marc(live_record(store, merged_id))
    return to_marcxml(record) if kind == "xml" else to_iso2709(record)


def other_editions(connection: sa.Connection, merged: MergedRecord
                   ) -> list[tuple[str, dict[str, Any]]]:
    """The live merged records of the same work, newest first (ids and display records)."""
    if not merged.work.split("|", 1)[0]:
        return []  # no title, no work: records without one share nothing else
    table = merged_records.c
    query = (sa.select(table.id, table.display)
             .where(table.work == merged.work, sa.not_(table.deleted), table.id != merged.id)
             .order_by(table.id).limit(MAX_EDITIONS))
    found = [(row.id, row.display or {}) for row in connection.execute(query)]
    return sorted(found, key=lambda pair: (-(pair[1].get("year") or 0), pair[0]))


def _description(display: Mapping[str, Any], lang: labels.Lang) -> dict[str, Any]:
    """The record page's description fields, from the display record."""
    language, kind = display.get("language"), _format(display)
    return {
        "title": display.get("title"), "subtitle": display.get("subtitle"),
        "authors": _list(display, "authors"), "year": display.get("year"), "format": kind,
        "format_label": labels.format_label(kind, lang), "language": language,
        "language_label": labels.language_label(language, lang) if language else None,
        "publisher": display.get("publisher"), "pages": display.get("pages"),
        "isbns": _list(display, "isbns"), "issns": _list(display, "issns"),
        "ids": _list(display, "ids"), "subjects": _list(display, "subjects"),
    }


def _display_source_first(members: list[ClusterMember]) -> list[ClusterMember]:
    return sorted(members, key=lambda row: (row.linked_library is not None, row.library,
                                            row.local_id))


def _member(row: ClusterMember, network: NetworkConfig) -> Member:
    linked = (MemberOf(library=row.linked_library, record=row.linked_record or "")
              if row.linked_library else None)
    return Member(library=row.library, library_name=labels.library_name(network, row.library),
                  record=row.local_id, rule=row.rule, reason=row.reason, linked_to=linked,
                  opac_url=_opac(network, row.library, row.local_id))


def _holdings(display: Mapping[str, Any], network: NetworkConfig) -> list[LibraryRecord]:
    online = accesses(network)
    return [_holding(holding, network, online) for holding in display.get("holdings") or []]


def _holding(holding: Mapping[str, Any], network: NetworkConfig, online: Accesses
             ) -> LibraryRecord:
    library, record = str(holding.get("library")), str(holding.get("record"))
    return LibraryRecord(library=library, library_name=labels.library_name(network, library),
                         record=record, opac_url=_opac(network, library, record),
                         items=[_item(item) for item in holding.get("items") or []],
                         online=online.get(library, []))


def _item(item: Mapping[str, Any]) -> Item:
    status = str(item.get("status") or "")
    return Item(call_number=item.get("call_number"), location=item.get("location"),
                branch=item.get("branch"), barcode=item.get("barcode"), status=status,
                on_shelf=status in ON_SHELF, due_date=item.get("due_date"))


def _edition(merged_id: str, display: Mapping[str, Any], lang: labels.Lang) -> Edition:
    holders = dict.fromkeys(str(h.get("library")) for h in display.get("holdings") or [])
    return Edition(id=merged_id, title=full_title(display),
                   authors=list(display.get("authors") or []), year=display.get("year"),
                   format=_format(display), format_label=labels.format_label(_format(display),
                                                                             lang),
                   language=display.get("language"), libraries=list(holders))


def _opac(network: NetworkConfig, library_id: str, record: str) -> str | None:
    library = network.libraries.get(library_id)
    return library.opac_link(record) if library is not None else None


def _format(display: Mapping[str, Any]) -> str:
    return str(display.get("format") or "other")


def _list(display: Mapping[str, Any], name: str) -> list[str]:
    return [str(value) for value in display.get(name) or []]

