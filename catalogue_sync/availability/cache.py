"""Live answers kept in Redis for a short time, so a popular record does not ask the ILS at
every page view.

One entry per library and record (``<key_prefix>:availability:<library>:<hash of the local
id>``) holds the items the ILS returned and when; it expires after ``[availability]
cache_ttl`` seconds. The entries live in the service's ``ResponseCache`` (``[cache]`` in
network.toml), which is silent when Redis is away: every answer is then asked of the ILSs.
Its synchronous client runs in a worker thread, so the event loop never waits on Redis.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from catalogue_sync.cache import ResponseCache
from catalogue_sync.models import Item

log = logging.getLogger(__name__)

_ITEM_FIELDS = frozenset(f.name for f in fields(Item))

RecordKey = tuple[str, str]
"""(library id, local record id)."""


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    """What an ILS said about one record's items, and when."""

    items: list[Item]
    checked_at: datetime

    def dumps(self) -> bytes:
        return json.dumps({"checked_at": self.checked_at.isoformat(),
                           "items": [asdict(item) for item in self.items]}).encode()

    @classmethod
    def loads(cls, data: bytes) -> LiveAnswer:
        body = json.loads(data)
        return cls(items=[item_of(entry) for entry in body["items"]],
                   checked_at=datetime.fromisoformat(body["checked_at"]))


def item_of(entry: Mapping[str, Any]) -> Item:
    """An item from its JSON form (fields a newer version added are ignored)."""
    return Item(**{name: value for name, value in entry.items() if name in _ITEM_FIELDS})


class AvailabilityCache:
    """Live answers by library and record, each kept ``ttl`` seconds (0: none kept)."""

    def __init__(self, cache: ResponseCache, ttl: int) -> None:
        self.cache = cache
        self.ttl = ttl

    def key(self, record: RecordKey) -> str:
        return self.cache.key("availability", *record)

    async def get_many(self, records: Sequence[RecordKey]) -> dict[RecordKey, LiveAnswer]:
        """The answers still kept; none when the cache is off or Redis is away."""
        if not records or self.ttl == 0 or self.cache.state == "off":
            return {}
        values = await asyncio.to_thread(
            lambda: [(record, self.cache.get(self.key(record))) for record in records])
        found: dict[RecordKey, LiveAnswer] = {}
        for record, value in values:
            if value is None:
                continue
            try:
                found[record] = LiveAnswer.loads(value)
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable availability cache entry for %s:%s, ignored", *record)
        return found

    async def put_many(self, answers: Mapping[RecordKey, LiveAnswer]) -> None:
        """Keep these answers ``ttl`` seconds."""
        if not answers or self.ttl == 0 or self.cache.state == "off":
            return

        def write() -> None:
            for record, answer in answers.items():
                self.cache.put(self.key(record), answer.dumps(), ttl=self.ttl)

        await asyncio.to_thread(write)
