"""Match profiles: a record's MatchKeys as stored (JSON) and read back.

The profile is what the matcher saw of a record when it last decided; ``explain`` shows it,
and records outside the region being merged are compared through it without reading their
source again.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from catalogue_sync.merge.keys import MatchKeys
from catalogue_sync.models import Format

_FIELDS = tuple(f.name for f in fields(MatchKeys))
_SETS = ("isbns", "issns", "ids")


def to_json(keys: MatchKeys) -> dict[str, Any]:
    """The keys as JSON: sets as sorted lists, the format as its value."""
    data: dict[str, Any] = {name: getattr(keys, name) for name in _FIELDS}
    for name in _SETS:
        data[name] = sorted(data[name])
    data["format"] = Format(keys.format).value
    return data


def from_json(data: dict[str, Any]) -> MatchKeys:
    """The keys stored by ``to_json``."""
    values: dict[str, Any] = {name: data.get(name) for name in _FIELDS}
    for name in _SETS:
        values[name] = frozenset(values[name] or ())
    values["format"] = Format(values["format"] or Format.OTHER.value)
    return MatchKeys(**values)
