"""What the gateway records is kept a limited time: raw usage events (reports older than
that are made before) and the vendors' API audit.

``purge_expired`` and ``purge_expired_audit`` are the scheduled jobs (the harvester service
runs both at ``[statistics] purge_schedule``); ``purge_usage`` and ``purge_audit`` delete
before any instant.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from catalogue_sync.config import StatisticsConfig
from catalogue_sync.errors import InvalidRequest
from catalogue_sync.offer import GatewaySettings
from catalogue_sync.store import Store
from catalogue_sync.store import vendors as _rows
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


def purge_audit(store: Store, before: datetime) -> int:
    """Delete the vendors' API audit rows of calls before ``before``; how many went."""
    if before.tzinfo is None:
        raise InvalidRequest(f"the purge cutoff {before.isoformat()} needs a timezone")
    with store.transaction(f"deleting the API audit before {before:%Y-%m-%d}",
                           writes=True) as connection:
        deleted = _rows.forget_audit(connection, before)
    log.info("vendors' API audit purged",
             extra={"before": before.isoformat(), "deleted": deleted})
    return deleted


def purge_expired_audit(store: Store, settings: GatewaySettings,
                        now: datetime | None = None) -> int:
    """Delete the audit rows older than ``settings.audit_days`` days; how many went.

    For the harvester service's scheduled job: ``purge_expired_audit(store, network.gateway)``.
    """
    return purge_audit(store, audit_cutoff(settings.audit_days, now))


def audit_cutoff(days: int, now: datetime | None = None) -> datetime:
    """The first instant of the audit kept: ``days`` days before ``now``."""
    if days < 1:
        raise InvalidRequest(f"the API audit is kept at least 1 day, not {days}")
    return (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=days)
