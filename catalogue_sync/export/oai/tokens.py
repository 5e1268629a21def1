"""Stateless resumption tokens: the list asked for and where the last page stopped.

A token is URL-safe base64 of a compact JSON array:

    [1, verb, metadataPrefix, set, from, until, datestamp, id, completeListSize, cursor]

``from`` and ``until`` are the list's window as UTC microseconds (until excluded), and
(datestamp, id) the last record sent. Nothing is kept on the server, so a token stays valid
across restarts and never expires: the next page is every record after that position in
(datestamp, id) order. A token is only as trusted as a request: whatever it says is
checked, and anything malformed is a badResumptionToken.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from catalogue_sync.export.oai.arguments import METADATA_PREFIX, SET_SPEC, OaiError
from catalogue_sync.store.oai import Position, Window

VERSION = 1
MAX_TOKEN = 1_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROSECONDS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z
LIST_VERBS = ("ListIdentifiers", "ListRecords")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a list asks for; its resumption tokens carry it on."""

    verb: str
    prefix: str
    library: str | None
    window: Window


@dataclass(frozen=True, slots=True)
class Resumption:
    """A list, where its last page stopped, its size when it started, how many were sent."""

    query: ListQuery
    after: Position
    total: int
    cursor: int


def encode(resumption: Resumption) -> str:
    query, after = resumption.query, resumption.after
    data = [VERSION, query.verb, query.prefix, query.library,
            _microseconds(query.window.start), _microseconds(query.window.end),
            _microseconds(after.datestamp), after.id, resumption.total, resumption.cursor]
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode("ascii")).rstrip(b"=").decode("ascii")


def decode(token: str, verb: str) -> Resumption:
    """The token's list and position, checked; badResumptionToken if anything is amiss."""
    data = _data(token)
    if not (isinstance(data, list) and len(data) == 10 and data[0] == VERSION):
        raise _bad("it is not one of this repository's tokens")
    _, token_verb, prefix, library, start, end, stamp, last_id, total, cursor = data
    if token_verb != verb:
        raise _bad(f"it continues a {token_verb} list, not {verb}"
                   if token_verb in LIST_VERBS else "it names no list")
    if not (_is_text(prefix, METADATA_PREFIX.fullmatch)
            and (library is None or _is_text(library, SET_SPEC.fullmatch))
            and _is_text(last_id, lambda value: len(value) <= 40)
            and _counts(total, cursor)):
        raise _bad("its fields are not what a token holds")
    window = Window(_optional_instant(start), _optional_instant(end))
    after = Position(_instant(stamp), last_id)
    return Resumption(ListQuery(verb, prefix, library, window), after, total, cursor)


def _data(token: str) -> Any:
    if len(token) > MAX_TOKEN:
        raise _bad("it is far longer than any token this repository hands out")
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        return json.loads(text)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise _bad("it cannot be read") from exc


def _is_text(value: Any, check: Any) -> bool:
    return isinstance(value, str) and bool(value) and bool(check(value))


def _counts(total: Any, cursor: Any) -> bool:
    return all(type(value) is int and 0 <= value <= 10**12 for value in (total, cursor))


def _microseconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _optional_instant(value: Any) -> datetime | None:
    return None if value is None else _instant(value)


def _instant(value: Any) -> datetime:
    if type(value) is not int or not 0 <= value <= MAX_MICROSECONDS:
        raise _bad("its dates are not dates")
    return EPOCH + timedelta(microseconds=value)


def _bad(why: str) -> OaiError:
    return OaiError("badResumptionToken", f"this resumption token is not valid: {why}")
