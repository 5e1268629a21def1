"""The id of a record that cannot be read, so that its quarantine entry names it.

A record is quarantined because it does not parse; its id must then be found without the
parser. ISO 2709: the directory entry of the id field, read entry by entry while entries look
sound. MARCXML: the first control field or subfield of that tag, found by a pattern. Both
give up quietly (None) rather than guess from bytes that do not look like the field.
"""

from __future__ import annotations

import re

from catalogue_sync.models import RawFormat

LEADER_LEN = 24
ENTRY_LEN = 12
MAX_ID_LEN = 200
_FIELD_END = b"\x1e"
_SUBFIELD = b"\x1f"
_TAG = rb"""\btag\s*=\s*["']%s["']"""
_CODE = rb"""<(?:[\w.-]+:)?subfield\b[^>]*\bcode\s*=\s*["']%s["'][^>]*>([^<]*)<"""
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def readable_id(data: bytes, raw_format: RawFormat, id_field: str = "001") -> str | None:
    """The record's id in ``id_field`` ("001" or "999$c"), if it can be read; else None."""
    tag, _, code = id_field.partition("$")
    if raw_format is RawFormat.ISO2709:
        found = _iso2709_field(data, tag.encode())
        value = found if found is None or not code else _iso2709_subfield(found, code.encode())
    else:
        value = _marcxml_value(data, tag.encode(), code.encode())
    return _clean(value)


def _iso2709_field(data: bytes, tag: bytes) -> bytes | None:
    base = data[12:17]
    at = LEADER_LEN
    while at + ENTRY_LEN <= len(data) and data[at:at + 1] != _FIELD_END:
        entry = data[at:at + ENTRY_LEN]
        if not entry[3:].isdigit():
            return None  # the directory is damaged from here on
        if entry[:3] == tag:
            # A damaged leader may lie about the base: the directory's end is the next guess.
            start = int(base) if base.isdigit() else data.find(_FIELD_END, at) + 1
            offset = start + int(entry[7:12])
            return data[offset:offset + int(entry[3:7])].split(_FIELD_END, 1)[0]
        at += ENTRY_LEN
    return None


def _iso2709_subfield(field: bytes, code: bytes) -> bytes | None:
    for part in field.split(_SUBFIELD)[1:]:
        if part[:1] == code:
            return part[1:]
    return None


def _marcxml_value(data: bytes, tag: bytes, code: bytes) -> bytes | None:
    tagged = _TAG % re.escape(tag)
    if not code:
        pattern = rb"<(?:[\w.-]+:)?controlfield\b[^>]*" + tagged + rb"[^>]*>([^<]*)<"
        found = re.search(pattern, data)
        return found.group(1) if found else None
    for field in re.finditer(rb"<(?:[\w.-]+:)?datafield\b[^>]*" + tagged + rb"[^>]*>", data):
        end = data.find(b"datafield>", field.end())
        body = data[field.end():end if end != -1 else len(data)]
        sub = re.search(_CODE % re.escape(code), body)
        if sub:
            return sub.group(1)
    return None


def _clean(value: bytes | None) -> str | None:
    if value is None:
        return None
    text = value.decode("utf-8", errors="replace").strip()
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    if not text or len(text) > MAX_ID_LEN or not text.isprintable() or "\ufffd" in text:
        return None
    return text
