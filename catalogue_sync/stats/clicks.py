"""COUNTER's double-click filter: the same item opened twice by one session within 30 s
counts once.

Usage events keep the hour only, so the filter must run when the opening is recorded:
``catalogue_sync.gateway.vendors.record_opening`` asks ``first_click`` and adds the usage
event only when it says True (the pseudonym row is written either way).
"""

from __future__ import annotations

import redis

from catalogue_sync.gateway.sessions import redis_failures

DOUBLE_CLICK_SECONDS = 30


def first_click(client: redis.Redis, prefix: str, session_hash: str, resource: str,
                seconds: int = DOUBLE_CLICK_SECONDS) -> bool:
    """Whether this opening counts: False when the session opened ``resource`` less than
    ``seconds`` ago. Every click pushes the window back (SET EX GET, one atomic step, so two
    gateway processes serving a double click at once still count it once): as in COUNTER,
    clicks each within 30 s of the one before count once, however long the burst."""
    with redis_failures(f"checking a double click on {resource}"):
        before = client.set(f"{prefix}:click:{session_hash}:{resource}", b"1",
                            ex=seconds, get=True)
    return before is None
