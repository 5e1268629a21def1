"""Fencing tokens: the store's side of the harvester's per-library lock.

The lock (``catalogue_sync.locks``) keeps two workers from starting the same library's
harvest; it lives in Redis and expires, so on its own it cannot stop a worker that stalled
past the expiry from writing after its successor started. Each harvest therefore claims a
token here, a counter per library in the durable store, and every write of the harvest
checks, in its own transaction, that its token is still the latest (Kleppmann's fencing
tokens). Redis losing its keys cannot reset the counter.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalogue_sync.errors import LockLost
from catalogue_sync.store.schema import dialect_insert, harvest_fences


def claim(connection: sa.Connection, library: str) -> int:
    """A new token for the library, larger than any before."""
    insert = dialect_insert(connection, harvest_fences).values(library=library, token=0)
    connection.execute(insert.on_conflict_do_nothing(index_elements=["library"]))
    return int(connection.execute(
        sa.update(harvest_fences)
        .where(harvest_fences.c.library == library)
        .values(token=harvest_fences.c.token + 1)
        .returning(harvest_fences.c.token)
    ).scalar_one())


def check(connection: sa.Connection, library: str, token: int | None) -> None:
    """Refuse the write unless ``token`` is the library's latest (None: not fenced, as the
    command line's own harvests are not)."""
    if token is None:
        return
    latest = connection.execute(
        sa.select(harvest_fences.c.token)
        .where(harvest_fences.c.library == library)
        .with_for_update()
    ).scalar_one_or_none()
    if latest != token:
        raise LockLost(f"[{library}] a newer harvest (token {latest}) took over from this one "
                       f"(token {token}); this one stops, and what it stored is kept")
