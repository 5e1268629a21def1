"""Where each copy of a merged record is, now: asked of the home ILSs, or as last harvested.

    availability = Availability(network, store, registry.build_provider, response_cache)
    answer = await availability.for_record(merged.display, merged.id)
    answer.as_dict()   # {"id", "checked_at", "holdings": [{"library", "source", "items"...}]}

Every holding library with a live provider is asked at once, each within its own
``timeout`` and all within ``[availability] deadline``. A library's answer is kept in the
cache for ``cache_ttl`` seconds. A library that is slow, down, refuses the credentials, is
misconfigured or has no provider shows its harvested items instead, with the date they were
harvested: the page never fails because an ILS did. A library that failed is left alone for
``retry_after`` seconds (its harvested items shown meanwhile), so an ILS that is down costs
one warning in the log and no waiting, rather than a slow page each time.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import certifi
import httpx

from catalogue_sync.availability.cache import AvailabilityCache, LiveAnswer, RecordKey, item_of
from catalogue_sync.availability.provider import AvailabilityProvider, ItemStatus
from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.errors import ConfigError, SourceError, SourceUnavailable
from catalogue_sync.models import Item
from catalogue_sync.store import Store

log = logging.getLogger(__name__)

ProviderFactory = Callable[[LibraryConfig, httpx.AsyncClient], AvailabilityProvider]
"""Builds a library's provider (``connectors.registry.build_provider`` in the services)."""


class Source(StrEnum):
    """Where the statuses of a holding come from."""

    LIVE = "live"
    """Asked of the ILS for this answer (``checked_at``)."""
    CACHED = "cached"
    """Asked of the ILS a short while ago (``checked_at``), kept in the cache."""
    HARVESTED = "harvested"
    """As harvested (``harvested_at``); ``reason`` says why not live."""


class Reason(StrEnum):
    """Why a holding shows its harvested statuses."""

    NO_LIVE_STATUS = "no-live-status"
    """The library has no live availability provider."""
    TIMEOUT = "timeout"
    """The ILS did not answer within its timeout or the deadline."""
    UNAVAILABLE = "unavailable"
    """The ILS is down, or failed a moment ago and is left alone for a while."""
    REFUSED = "refused"
    """The ILS answered, but refused the credentials or sent something unreadable."""
    MISCONFIGURED = "misconfigured"
    """The provider cannot be built (a secret's environment variable is not set...)."""


@dataclass(frozen=True, slots=True)
class HoldingStatus:
    """One member record's copies, with where their statuses come from."""

    library: str
    name: str
    record: str
    source: Source
    items: list[Item]
    checked_at: datetime | None = None
    harvested_at: datetime | None = None
    reason: Reason | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "library": self.library, "name": self.name, "record": self.record,
            "source": self.source.value,
            "available": any(item.status == ItemStatus.AVAILABLE for item in self.items),
            "checked_at": _iso(self.checked_at), "harvested_at": _iso(self.harvested_at),
            "reason": self.reason.value if self.reason else None,
            "items": [asdict(item) for item in self.items],
        }


@dataclass(frozen=True, slots=True)
class RecordAvailability:
    """Every holding of a merged record, in the display record's order."""

    id: str | None
    checked_at: datetime
    holdings: list[HoldingStatus]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "checked_at": _iso(self.checked_at),
                "holdings": [holding.as_dict() for holding in self.holdings]}


@dataclass(frozen=True, slots=True)
class _Holding:
    library: str
    record: str
    items: list[Item]

    @property
    def key(self) -> RecordKey:
        return (self.library, self.record)


@dataclass(slots=True)
class _Outcome:
    """What asking one library gave: answers by record, or why there are none."""

    answers: dict[RecordKey, LiveAnswer]
    reason: Reason | None = None


class Availability:
    """Live item status for the record page (see the module docstring)."""

    def __init__(self, network: NetworkConfig, store: Store, build: ProviderFactory,
                 cache: ResponseCache | None = None) -> None:
        """``build`` makes a library's provider; ``cache`` keeps the live answers (the
        service's Redis cache, ``cache_ttl`` seconds each; None: nothing kept)."""
        self.network = network
        self.settings = network.availability
        self.store = store
        self.build = build
        self.cache = AvailabilityCache(cache, self.settings.cache_ttl) if cache else None
        self._paused: dict[str, float] = {}
        # Loading the CA bundle takes 20 ms; a client per answer (no connection outlives
        # the event loop that opened it) reuses this context instead.
        self._tls = ssl.create_default_context(cafile=certifi.where())

    async def for_record(self, display: Mapping[str, Any],
                         merged_id: str | None = None) -> RecordAvailability:
        """The availability of the copies a display record lists, within the deadline."""
        started = time.monotonic()
        holdings = [_Holding(entry["library"], entry["record"],
                             [item_of(item) for item in entry.get("items", [])])
                    for entry in display.get("holdings", [])]
        dates = asyncio.create_task(asyncio.to_thread(self._harvest_dates, holdings))
        asking = self._askable(holdings)
        cached = await self.cache.get_many(asking) if self.cache else {}
        outcomes = await self._ask(
            [key for key in asking if key not in cached], started + self.settings.deadline)
        fresh = {key: answer for outcome in outcomes.values()
                 for key, answer in outcome.answers.items()}
        if self.cache:
            await self.cache.put_many(fresh)
        harvested = await dates
        shown = [self._status(holding, fresh, cached, outcomes, harvested)
                 for holding in holdings]
        return RecordAvailability(merged_id, datetime.now(UTC), shown)

    # -- who is asked ----------------------------------------------------------------------

    def _askable(self, holdings: Sequence[_Holding]) -> list[RecordKey]:
        """The holdings whose library has a provider and is not left alone just now."""
        now = time.monotonic()
        found = []
        for holding in holdings:
            library = self.network.libraries.get(holding.library)
            if (library is not None and library.availability is not None
                    and self._paused.get(library.id, 0.0) <= now):
                found.append(holding.key)
        return found

    async def _ask(self, keys: Sequence[RecordKey], deadline: float
                   ) -> dict[str, _Outcome]:
        """Ask each library for its records at once; whatever is late is abandoned."""
        by_library: dict[str, list[str]] = {}
        for library, record in keys:
            by_library.setdefault(library, []).append(record)
        if not by_library:
            return {}
        async with httpx.AsyncClient(verify=self._tls) as client:
            tasks = {library: asyncio.create_task(self._ask_library(library, records, client,
                                                                    deadline))
                     for library, records in by_library.items()}
            await asyncio.wait(tasks.values(), timeout=max(deadline - time.monotonic(), 0))
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
        return {library: self._outcome(library, task) for library, task in tasks.items()}

    async def _ask_library(self, library_id: str, records: list[str],
                           client: httpx.AsyncClient, deadline: float) -> _Outcome:
        """One library's live answers, or the reason there are none (logged once, and the
        library left alone for ``retry_after`` seconds)."""
        limit = max(deadline - time.monotonic(), 0)
        try:
            provider = self.build(self.network.libraries[library_id], client)
            limit = min(provider.timeout, limit)
            found = await asyncio.wait_for(provider.items(records), timeout=limit)
        except TimeoutError:
            return self._failed(library_id, Reason.TIMEOUT, f"no answer within {limit:.2g} s")
        except ConfigError as exc:
            return self._failed(library_id, Reason.MISCONFIGURED, str(exc))
        except SourceUnavailable as exc:
            slow = isinstance(exc.__cause__, httpx.TimeoutException)
            return self._failed(library_id, Reason.TIMEOUT if slow else Reason.UNAVAILABLE,
                                str(exc))
        except SourceError as exc:
            return self._failed(library_id, Reason.REFUSED, str(exc))
        except Exception:  # a provider's bug must not fail the record page
            log.exception("live availability of %s failed", library_id,
                          extra={"library": library_id})
            return self._failed(library_id, Reason.UNAVAILABLE, "unexpected error")
        checked_at = datetime.now(UTC)
        return _Outcome({(library_id, record): LiveAnswer(found.get(record, []), checked_at)
                         for record in records})

    def _outcome(self, library: str, task: asyncio.Task[_Outcome]) -> _Outcome:
        """The task's outcome; a task still running at the deadline was cancelled."""
        if task.cancelled():
            return self._failed(library, Reason.TIMEOUT, "no answer before the deadline")
        return task.result()

    def _failed(self, library: str, reason: Reason, detail: str) -> _Outcome:
        pause = self.settings.retry_after
        self._paused[library] = time.monotonic() + pause
        log.warning("live availability of %s: %s (%s); harvested statuses shown for %g s",
                    library, reason.value, detail, pause,
                    extra={"library": library, "reason": reason.value})
        return _Outcome({}, reason)

    # -- what is shown ---------------------------------------------------------------------

    def _status(self, holding: _Holding, fresh: Mapping[RecordKey, LiveAnswer],
                cached: Mapping[RecordKey, LiveAnswer], outcomes: Mapping[str, _Outcome],
                harvested: Mapping[RecordKey, datetime | None]) -> HoldingStatus:
        library = self.network.libraries.get(holding.library)
        name = library.name if library is not None else holding.library
        for source, answers in ((Source.LIVE, fresh), (Source.CACHED, cached)):
            answer = answers.get(holding.key)
            if answer is not None:
                return HoldingStatus(holding.library, name, holding.record, source,
                                     answer.items, checked_at=answer.checked_at)
        return HoldingStatus(holding.library, name, holding.record, Source.HARVESTED,
                             holding.items, harvested_at=harvested.get(holding.key),
                             reason=self._reason(library, outcomes))

    def _reason(self, library: LibraryConfig | None, outcomes: Mapping[str, _Outcome]
                ) -> Reason:
        if library is None or library.availability is None:
            return Reason.NO_LIVE_STATUS
        outcome = outcomes.get(library.id)
        return outcome.reason if outcome and outcome.reason else Reason.UNAVAILABLE

    def _harvest_dates(self, holdings: Sequence[_Holding]) -> dict[RecordKey, datetime | None]:
        """When each holding's record (and so its item statuses) was last harvested."""
        found: dict[RecordKey, datetime | None] = {}
        for holding in holdings:
            stored = self.store.get_record(holding.library, holding.record)
            found[holding.key] = stored.harvested_at if stored is not None else None
        return found


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
