"""Raw usage events are kept a limited time: reports older than that are made before.

``purge_expired`` is the scheduled job (the harvester service runs it at
``[statistics] purge_schedule``); ``purge_usage`` deletes before any instant.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa

from catalogue_sync.config import StatisticsConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events

log = logging.getLogger(__name__)

DEFAULT_MONTHS = 13
"""Thirteen months: a full year can still be compared with the same month a year before."""


def purge_usage(store: Store, before: datetime) -> int:
    """Delete the usage events of hours before ``before``; how many went."""
    if before.tzinfo is None:
        raise InvalidRequest(f"the purge cutoff {before.isoformat()} needs a timezone")
    with store.transaction(f"deleting usage events before {before:%Y-%m-%d}",
                           writes=True) as connection:
        done = connection.execute(sa.delete(usage_events).where(usage_events.c.hour < before))
    deleted = int(done.rowcount or 0)
    log.info("usage events purged", extra={"before": before.isoformat(), "deleted": deleted})
    return deleted


def purge_expired(store: Store, settings: StatisticsConfig,
                  now: datetime | None = None) -> int:
    """Delete the events older than ``settings.retention_months`` whole months; how many went.

    For the harvester service's scheduled job: ``purge_expired(store, network.statistics)``.
    """
    return purge_usage(store, cutoff(settings.retention_months, now))


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """The first instant kept: midnight UTC on the first day of the month ``months`` back,
    so that whole months are kept (13 on 25 November 2026: from 1 October 2025)."""
    if months < 1:
        raise InvalidRequest(f"usage events are kept at least 1 month, not {months}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
