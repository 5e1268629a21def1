"""Stateless OAI-PMH resumption tokens.

A token carries everything needed to continue a list: verb, library, metadata prefix, set,
date range, the sort key of the last record sent and the cursor, plus the library's token
epoch. No server state is kept, so a harvester killed mid-list can resume with its saved
token after a server restart, until the epoch is bumped (the ``expire-tokens`` fault).

Pages continue *after a sort key* (datestamp, record number) rather than at an offset: a
record changed during the harvest moves to the end of the list and is sent again, while an
offset would make the harvester skip the record that slid into its place.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass

VERSION = "1"


class InvalidToken(ValueError):
    """The token was not issued by this server, was altered, or has expired."""


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a ListRecords/ListIdentifiers list stands."""

    verb: str
    library: str
    prefix: str
    set_spec: str | None
    start: int
    end: int
    after: int | None
    cursor: int
    epoch: int


def encode(state: ListState) -> str:
    """The opaque token of a list state (URL-safe, checksummed)."""
    fields = [
        VERSION, state.verb, state.library, state.prefix, state.set_spec or "",
        str(state.start), str(state.end), "" if state.after is None else str(state.after),
        str(state.cursor), str(state.epoch),
    ]
    payload = "\x1f".join(fields).encode("utf-8")
    check = zlib.crc32(payload).to_bytes(4, "big")
    return base64.urlsafe_b64encode(check + payload).decode("ascii").rstrip("=")


def decode(token: str) -> ListState:
    """The list state of a token; :class:`InvalidToken` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        check, payload = raw[:4], raw[4:]
        if len(raw) < 5 or zlib.crc32(payload).to_bytes(4, "big") != check:
            raise InvalidToken("checksum mismatch")
        fields = payload.decode("utf-8").split("\x1f")
        if len(fields) != 10 or fields[0] != VERSION:
            raise InvalidToken("unknown token version")
        _, verb, library, prefix, set_spec, start, end, after, cursor, epoch = fields
        return ListState(
            verb=verb, library=library, prefix=prefix, set_spec=set_spec or None,
            start=int(start), end=int(end), after=int(after) if after else None,
            cursor=int(cursor), epoch=int(epoch),
        )
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, InvalidToken):
            raise
        raise InvalidToken(str(exc)) from exc
