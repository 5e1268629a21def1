"""The dashboard's sessions in Redis, and the one-time messages a redirect carries.

A session id is 32 random bytes given to the browser once; Redis keeps the session under the
SHA-256 of the id, so reading Redis gives nobody a live cookie. A session ends when it was
not used for ``idle`` seconds (each use pushes that back), ``absolute`` seconds after
sign-in whatever happens, or at sign-out. Each sign-in opens a new session: an id a browser
had before is never carried over.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

import redis

from catalogue_sync.gateway.sessions import redis_failures

MAX_ID = 100
FLASH_SECONDS = 120


@dataclass(frozen=True, slots=True)
class AdminSession:
    id: str
    name: str
    """The account's name."""
    started: float
    csrf: str
    """The token every form of the dashboard carries."""


class AdminSessions:
    """Open, find and end the dashboard's sessions; ``idle`` and ``absolute`` in seconds."""

    def __init__(self, client: redis.Redis, *, prefix: str, idle: int, absolute: int) -> None:
        self.client = client
        self.prefix = prefix
        self.idle = idle
        self.absolute = absolute

    def open(self, name: str) -> AdminSession:
        """A new session with a new id."""
        session = AdminSession(secrets.token_urlsafe(32), name, time.time(),
                               secrets.token_urlsafe(24))
        value = json.dumps({"name": name, "started": session.started, "csrf": session.csrf})
        with redis_failures("opening a dashboard session"):
            self.client.set(self._key(session.id), value, ex=self.idle)
        return session

    def find(self, session_id: str | None) -> AdminSession | None:
        """The live session of this id, its idle time pushed back; None when it ended."""
        if not session_id or len(session_id) > MAX_ID:
            return None
        key = self._key(session_id)
        with redis_failures("reading a dashboard session"):
            raw = self.client.get(key)
            if raw is None:
                return None
            data = json.loads(raw)
            left = data["started"] + self.absolute - time.time()
            if left <= 0:
                self.client.delete(key)
                return None
            self.client.expire(key, int(min(self.idle, left)) or 1)
        return AdminSession(session_id, data["name"], data["started"], data["csrf"])

    def close(self, session: AdminSession) -> None:
        with redis_failures("ending a dashboard session"):
            self.client.delete(self._key(session.id), self._flash_key(session))

    def flash(self, session: AdminSession, message: str) -> None:
        """A message for the next page this session is shown (after a redirect)."""
        with redis_failures("keeping a message"):
            self.client.set(self._flash_key(session), message, ex=FLASH_SECONDS)

    def take_flash(self, session: AdminSession) -> str | None:
        """The message kept for this page, once."""
        with redis_failures("reading a message"):
            raw = self.client.getdel(self._flash_key(session))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}:session:{_digest(session_id)}"

    def _flash_key(self, session: AdminSession) -> str:
        return f"{self.prefix}:flash:{_digest(session.id)}"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
