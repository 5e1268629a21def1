"""Looking fields up by tag once per record instead of scanning the record for each tag."""

from __future__ import annotations

from pymarc import Field, Record

FieldIndex = dict[str, list[Field]]


def index_fields(record: Record) -> FieldIndex:
    """The record's fields grouped by tag, in record order."""
    index: FieldIndex = {}
    for field in record.fields:
        index.setdefault(field.tag, []).append(field)
    return index


def fields_of(index: FieldIndex, *tags: str) -> list[Field]:
    """Fields with these tags, tag by tag in the order given."""
    if len(tags) == 1:
        return index.get(tags[0], [])
    return [field for tag in tags for field in index.get(tag, ())]


def first_field(index: FieldIndex, tag: str) -> Field | None:
    """The first field with this tag."""
    found = index.get(tag)
    return found[0] if found else None


def control(index: FieldIndex, tag: str) -> str:
    """The first control field's data, '' when absent."""
    for field in index.get(tag, ()):
        return field.data or ""
    return ""


def values(index: FieldIndex, tags: tuple[str, ...], codes: str) -> list[str]:
    """Every value of these subfield codes in these fields."""
    return [
        sub.value for field in fields_of(index, *tags) for sub in field.subfields
        if sub.code in codes
    ]


def first_value(index: FieldIndex, tag: str, code: str) -> str:
    """The first value of tag$code, '' when absent."""
    for field in index.get(tag, ()):
        for sub in field.subfields:
            if sub.code == code:
                return sub.value
    return ""
