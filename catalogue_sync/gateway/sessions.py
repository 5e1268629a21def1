"""Sign-in sessions in Redis: what a patron's cookie stands for, for a limited time.

A session holds the patron's library, category and subject (``pseudonyms``), never the card.
Its id is 32 random bytes, given to the browser once; Redis keeps it under the SHA-256 of
the id, so that reading Redis does not give anyone a live cookie. A session ends when it
was not used for ``idle`` (each use pushes that back), at ``absolute`` after sign-in
whatever happens, at logout, or when the patron logs out everywhere (every session of the
same subject, listed under it).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass

import redis

from catalogue_sync.errors import StoreError


@dataclass(frozen=True, slots=True)
class Patron:
    """Who a session is: what the vendors' rules and pseudonyms need, nothing more."""

    library: str
    category: str
    subject: str


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    patron: Patron
    started: float
    csrf: str
    """The token every form of the signed-in pages carries (``services/gateway``)."""


class Sessions:
    """Open, find, end sessions; ``idle`` and ``absolute`` in seconds."""

    def __init__(self, client: redis.Redis, *, prefix: str, idle: int, absolute: int) -> None:
        self.client = client
        self.prefix = prefix
        self.idle = idle
        self.absolute = absolute

    def open(self, patron: Patron) -> Session:
        """A new session with a new id (ids are never reused or chosen by the browser)."""
        session = Session(secrets.token_urlsafe(32), patron, time.time(),
                          secrets.token_urlsafe(24))
        value = json.dumps({"patron": asdict(patron), "started": session.started,
                            "csrf": session.csrf})
        with redis_failures("opening a session"):
            pipe = self.client.pipeline()
            pipe.set(self._key(session.id), value, ex=self.idle)
            pipe.sadd(self._subject_key(patron.subject), _digest(session.id))
            pipe.expire(self._subject_key(patron.subject), self.absolute)
            pipe.execute()
        return session

    def find(self, session_id: str | None) -> Session | None:
        """The live session of this id, its idle time pushed back; None when it ended."""
        if not session_id or len(session_id) > 100:
            return None
        with redis_failures("reading a session"):
            raw = self.client.get(self._key(session_id))
            if raw is None:
                return None
            data = json.loads(raw)
            left = data["started"] + self.absolute - time.time()
            if left <= 0:
                self.client.delete(self._key(session_id))
                return None
            self.client.expire(self._key(session_id), int(min(self.idle, left)) or 1)
        return Session(session_id, Patron(**data["patron"]), data["started"], data["csrf"])

    def close(self, session: Session) -> None:
        with redis_failures("ending a session"):
            self.client.delete(self._key(session.id))
            self.client.srem(self._subject_key(session.patron.subject), _digest(session.id))

    def close_everywhere(self, subject: str) -> int:
        """End every session of this patron (every browser); how many there were."""
        with redis_failures("ending sessions"):
            digests = self.client.smembers(self._subject_key(subject))
            keys = [f"{self.prefix}:session:{_text(d)}" for d in digests]
            ended = int(self.client.delete(*keys)) if keys else 0
            self.client.delete(self._subject_key(subject))
        return ended

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}:session:{_digest(session_id)}"

    def _subject_key(self, subject: str) -> str:
        return f"{self.prefix}:sessions-of:{subject}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class redis_failures:
    """Redis failures as the core's StoreError, naming what was being done."""

    def __init__(self, doing: str) -> None:
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: object) -> None:
        if isinstance(error, redis.RedisError):
            raise StoreError(f"Redis failed {self.doing}: {error}") from error
