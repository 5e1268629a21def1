"""The vendors' API tables: keys, who a pseudonym stands for, the audit, usage events.

Functions on a connection, called inside one of the Store's transactions by
``catalogue_sync.gateway.vendors``, which holds the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from catalogue_sync.store.schema import (
    dialect_insert,
    usage_events,
    vendor_api_audit,
    vendor_keys,
    vendor_patrons,
)


@dataclass(frozen=True, slots=True)
class StoredKey:
    """An API key as stored: its hash, never its secret."""

    id: str
    vendor: str
    label: str
    secret_sha256: str
    per_minute: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class KnownPatron:
    """What a vendor's pseudonym stands for: a home library, a category, a sign-in time."""

    library: str
    category: str
    verified_at: datetime


def add_key(connection: sa.Connection, key: StoredKey) -> None:
    connection.execute(sa.insert(vendor_keys).values(
        id=key.id, vendor=key.vendor, label=key.label, secret_sha256=key.secret_sha256,
        per_minute=key.per_minute, created_at=key.created_at))


def get_key(connection: sa.Connection, key_id: str) -> StoredKey | None:
    row = connection.execute(sa.select(vendor_keys).where(vendor_keys.c.id == key_id)).first()
    return StoredKey(**row._asdict()) if row is not None else None


def list_keys(connection: sa.Connection, vendor: str) -> list[StoredKey]:
    query = (sa.select(vendor_keys).where(vendor_keys.c.vendor == vendor)
             .order_by(vendor_keys.c.created_at, vendor_keys.c.id))
    return [StoredKey(**row._asdict()) for row in connection.execute(query)]


def revoke_key(connection: sa.Connection, key_id: str, now: datetime) -> bool:
    """Revoke a key not revoked yet; whether there was one."""
    result = connection.execute(
        sa.update(vendor_keys)
        .where(vendor_keys.c.id == key_id, vendor_keys.c.revoked_at.is_(None))
        .values(revoked_at=now))
    return bool(result.rowcount)


def touch_key(connection: sa.Connection, key_id: str, now: datetime) -> None:
    connection.execute(sa.update(vendor_keys).where(vendor_keys.c.id == key_id)
                       .values(last_used_at=now))


def remember_patron(connection: sa.Connection, vendor: str, pseudonym: str, patron: KnownPatron
                    ) -> None:
    """Record (or bring up to date) what the vendor's pseudonym stands for."""
    values = {"library": patron.library, "category": patron.category,
              "verified_at": patron.verified_at}
    insert = dialect_insert(connection, vendor_patrons).values(
        vendor=vendor, pseudonym=pseudonym, **values)
    connection.execute(insert.on_conflict_do_update(
        index_elements=["vendor", "pseudonym"], set_=values))


def forget_patrons(connection: sa.Connection, before: datetime) -> int:
    """Delete what pseudonyms stood for at sign-ins before ``before``: no longer of use."""
    done = connection.execute(sa.delete(vendor_patrons)
                              .where(vendor_patrons.c.verified_at < before))
    return int(done.rowcount or 0)


def known_patron(connection: sa.Connection, vendor: str, pseudonym: str) -> KnownPatron | None:
    row = connection.execute(
        sa.select(vendor_patrons.c.library, vendor_patrons.c.category,
                  vendor_patrons.c.verified_at)
        .where(vendor_patrons.c.vendor == vendor, vendor_patrons.c.pseudonym == pseudonym)
    ).first()
    return KnownPatron(row.library, row.category, row.verified_at) if row is not None else None


def add_audit(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Audit rows: vendor, key_id, endpoint, status, outcome, at."""
    connection.execute(sa.insert(vendor_api_audit), rows)


def forget_audit(connection: sa.Connection, before: datetime) -> int:
    """Delete the audit rows of calls before ``before``; how many went."""
    done = connection.execute(sa.delete(vendor_api_audit)
                              .where(vendor_api_audit.c.at < before))
    return int(done.rowcount or 0)


def add_usage(connection: sa.Connection, *, hour: datetime, resource: str, library: str,
              category: str, session_hash: str) -> None:
    connection.execute(sa.insert(usage_events).values(
        hour=hour, resource=resource, library=library, category=category,
        session_hash=session_hash))
