"""The display record of a merged record: the best member's description, everyone's copies.

The best member is the most complete record (filled fields, then copies); between equally
complete ones, the libraries of ``[merge] library_priority`` come first, in its order, then
library and record ids, so the choice never depends on processing order. Identifiers and
subjects are the union of all members'; holdings list every member library's copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from catalogue_sync.merge.keys import isbn13
from catalogue_sync.models import Format, Item, NormalizedRecord
from catalogue_sync.store.matching import RecordKey

_SCALARS = ("title", "subtitle", "year", "language", "publisher", "pages")
_LISTS = ("authors", "isbns", "issns", "other_ids", "subjects")
_ITEM_FIELDS = tuple(f.name for f in fields(Item))


def completeness(record: NormalizedRecord) -> int:
    """How many descriptive fields the record fills (a known format counts as one)."""
    filled = sum(getattr(record, name) not in (None, "") for name in _SCALARS)
    filled += sum(bool(getattr(record, name)) for name in _LISTS)
    return filled + (record.format is not Format.OTHER)


def best_member(members: Mapping[RecordKey, NormalizedRecord], priority: Sequence[str]
                ) -> RecordKey:
    """The member whose description the merged record shows."""
    rank = {library: position for position, library in enumerate(priority)}

    def order(key: RecordKey) -> tuple[int, int, int, RecordKey]:
        record = members[key]
        return (-completeness(record), -len(record.items), rank.get(key[0], len(rank)), key)

    return min(members, key=order)


def display_record(members: Mapping[RecordKey, NormalizedRecord], best: RecordKey
                   ) -> dict[str, Any]:
    """The merged record as the catalogue shows it (JSON)."""
    ordered = [best, *sorted(key for key in members if key != best)]
    records = [members[key] for key in ordered]
    shown = members[best]
    return {
        "title": shown.title, "subtitle": shown.subtitle, "authors": list(shown.authors),
        "year": shown.year, "format": Format(shown.format).value, "language": shown.language,
        "publisher": shown.publisher, "pages": shown.pages,
        "isbns": isbns(records),
        "issns": _union(record.issns for record in records),
        "ids": _union(record.other_ids for record in records),
        "subjects": _union(record.subjects for record in records),
        "holdings": [{"library": key[0], "record": key[1],
                      "items": [_item(item) for item in members[key].items]}
                     for key in ordered],
    }


def isbns(records: Iterable[NormalizedRecord]) -> list[str]:
    """Valid ISBNs as ISBN-13 first, then the others as catalogued, each once."""
    valid: list[str] = []
    other: list[str] = []
    for record in records:
        for raw in record.isbns:
            found = isbn13(raw)
            if found is not None:
                valid.append(found)
            else:
                other.append(raw)
    return list(dict.fromkeys(valid)) + [raw for raw in dict.fromkeys(other)
                                         if raw not in valid]


def _union(lists: Iterable[list[str]]) -> list[str]:
    return list(dict.fromkeys(value for values in lists for value in values))


def _item(item: Item) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _ITEM_FIELDS}
