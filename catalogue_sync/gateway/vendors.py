"""The vendors' side of the gateway: API keys, the entitlement check, the audit, usage events.

A vendor whose patrons arrive with a pseudonym (``services/gateway/access``) asks the gateway
whether that pseudonym may open one of its resources now. The gateway does not keep cards:
when a signed-in patron opens a resource, it records what the vendor's pseudonym stands for
(home library, category, the sign-in time: ``vendor_patrons``), and the check applies
``offer.entitled`` to that, provided the sign-in is at most ``[gateway] entitlement_days`` old. A
pseudonym never seen, another vendor's, or one not entitled all get the same answer: not
entitled, and nothing else.

API keys are ``cs_<id>_<secret>``: the id names the key (in the audit, in ``vendor keys``),
the secret is 32 random bytes shown once and stored as its SHA-256. A slow password hash
would add nothing: it protects guessable passwords, and 256 random bits cannot be guessed;
it would only cost milliseconds on every call. Errors::

    CatalogueError
    ├── KeyRefused      no key, a malformed, unknown or revoked one: HTTP 401
    └── RateLimited     the key spent its calls of this minute: HTTP 429, Retry-After
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import math
import re
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import redis

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import (
    InvalidRequest,
    NotFound,
    StoreError,
    TooManyRequests,
    Unauthorized,
)
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, pseudonym
from catalogue_sync.gateway.sessions import Session, redis_failures
from catalogue_sync.offer import OFFER_ID, ResourceConfig, entitled
from catalogue_sync.store import Store
from catalogue_sync.store import vendors as _rows
from catalogue_sync.store.vendors import KnownPatron, StoredKey

log = logging.getLogger(__name__)

DEFAULT_PER_MINUTE = 600
"""Calls a key may make per minute unless created with another limit."""
KEY_CACHE_SECONDS = 2.0
"""A key read from the store is trusted this long by a gateway process: a revocation made
elsewhere (the command line) is refused within this time. Reading the key on every call
cost a tenth of the check's time (bench/gateway.py)."""
TOUCH_EVERY = timedelta(minutes=1)
"""``last used`` is written at most this often per key, not on every call."""
AUDIT_SECONDS = 0.25
AUDIT_ROWS = 500
"""The audit is written at most this long after a call, or when this many rows wait."""
KEY_PATTERN = re.compile(r"^cs_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
PSEUDONYM_PATTERN = re.compile(r"^v[0-9]{1,4}\.[a-z2-7]{26}$")
MAX_RESOURCE_ID = 64


class KeyRefused(Unauthorized):
    """No API key, or one that is malformed, unknown or revoked (which is never said)."""


class RateLimited(TooManyRequests):
    def __init__(self, key_id: str, retry_after: int) -> None:
        super().__init__(f"key {key_id} made its calls of this minute; "
                         f"retry in {retry_after} s", retry_after)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: ``secret_text`` is shown this once and kept nowhere."""

    id: str
    vendor: str
    secret_text: str


@dataclass(frozen=True, slots=True)
class Caller:
    """The vendor a valid key belongs to."""

    vendor: str
    key_id: str
    per_minute: int


@dataclass(frozen=True, slots=True)
class Entitlement:
    """The check's answer: library and category only when entitled."""

    entitled: bool
    library: str | None = None
    category: str | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


# API keys


def create_key(store: Store, network: NetworkConfig, vendor: str, *, label: str = "",
               per_minute: int = DEFAULT_PER_MINUTE) -> NewKey:
    """A new key for a vendor of the network file; only its hash is stored."""
    if vendor not in network.vendors:
        known = ", ".join(sorted(network.vendors)) or "none"
        raise NotFound(f"no vendor {vendor!r} in the network file (vendors: {known})")
    if per_minute < 1:
        raise InvalidRequest(f"a key's limit is at least 1 call per minute, not {per_minute}")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    stored = StoredKey(key_id, vendor, label, _sha256(secret), per_minute, utcnow(), None, None)
    with store.transaction(f"adding an API key for {vendor}", writes=True) as connection:
        _rows.add_key(connection, stored)
    return NewKey(key_id, vendor, f"cs_{key_id}_{secret}")


def list_keys(store: Store, vendor: str) -> list[StoredKey]:
    with store.transaction(f"listing {vendor}'s API keys") as connection:
        return _rows.list_keys(connection, vendor)


def revoke_key(store: Store, key_id: str) -> None:
    """Revoke a key: refused at once by this process, within ``KEY_CACHE_SECONDS`` by the
    gateway processes that read it before."""
    with store.transaction(f"revoking API key {key_id}", writes=True) as connection:
        if not _rows.revoke_key(connection, key_id, utcnow()):
            raise NotFound(f"no API key {key_id!r} that is not revoked already "
                           "(see catalogue-sync vendor keys VENDOR)")
    _known_keys.get(store, {}).pop(key_id, None)


def authenticate(store: Store, presented: str | None) -> Caller:
    """The vendor whose live key this is; KeyRefused otherwise."""
    match = KEY_PATTERN.match(presented or "")
    key = _read_key(store, match[1]) if match else None
    # Hash and compare even when the id is unknown, so the time does not tell ids apart.
    expected = key.secret_sha256 if key else "0" * 64
    same = hmac.compare_digest(_sha256(match[2] if match else ""), expected)
    if key is None or not same or key.revoked_at is not None:
        raise KeyRefused("the API key is missing, unknown or revoked")
    _touch(store, key)
    return Caller(key.vendor, key.id, key.per_minute)


_known_keys: weakref.WeakKeyDictionary[Store, dict[str, tuple[float, StoredKey]]] = (
    weakref.WeakKeyDictionary())


def _read_key(store: Store, key_id: str) -> StoredKey | None:
    """The stored key, read again at most every ``KEY_CACHE_SECONDS``. Only keys that exist
    are kept: ids made up by a caller never fill the memory."""
    known = _known_keys.setdefault(store, {})
    cached = known.get(key_id)
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1]
    with store.transaction("reading an API key") as connection:
        key = _rows.get_key(connection, key_id)
    if key is not None:
        known[key_id] = (time.monotonic() + KEY_CACHE_SECONDS, key)
    return key


def _touch(store: Store, key: StoredKey) -> None:
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        with store.transaction("noting an API key's use", writes=True) as connection:
            _rows.touch_key(connection, key.id, now)
        known = _known_keys.setdefault(store, {})
        if key.id in known:
            known[key.id] = (known[key.id][0], replace(key, last_used_at=now))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RateLimit:
    """Calls per key and minute, counted in Redis (a fixed window: one INCR per call)."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def spend(self, caller: Caller, now: float) -> None:
        """Count one call; RateLimited when the key has none left this minute."""
        window = int(now // 60)
        key = f"{self.prefix}:api-calls:{caller.key_id}:{window}"
        with redis_failures("counting an API call"):
            pipe = self.client.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, 61, nx=True)
            count, _ = pipe.execute()
        if int(count) > caller.per_minute:
            raise RateLimited(caller.key_id, max(1, math.ceil((window + 1) * 60 - now)))


# The entitlement check


def check(store: Store, network: NetworkConfig, caller: Caller, patron: str,
          resource_id: str, now: datetime) -> Entitlement:
    """Whether the caller's ``patron`` pseudonym may open ``resource_id`` at ``now``."""
    resource = own_resource(network, caller, resource_id)
    if not PSEUDONYM_PATTERN.match(patron):
        raise InvalidRequest("patron is a pseudonym as the gateway sent it, e.g. "
                             "v1.abcdefghijklmnopqrstuvwxyz")
    with store.transaction("reading an entitlement") as connection:
        known = _rows.known_patron(connection, caller.vendor, patron)
    if (known is None or now - known.verified_at > timedelta(days=network.gateway.entitlement_days)
            or not entitled(resource, known.library, known.category, now.date())):
        return Entitlement(False)
    return Entitlement(True, known.library, known.category)


def own_resource(network: NetworkConfig, caller: Caller, resource_id: str) -> ResourceConfig:
    """The caller's resource of this id; another vendor's is as unknown as none."""
    if len(resource_id) > MAX_RESOURCE_ID or not OFFER_ID.match(resource_id):
        raise InvalidRequest("resource is a resource id of the network, e.g. presse")
    resource = network.resources.get(resource_id)
    if resource is None or resource.vendor != caller.vendor:
        raise NotFound(f"vendor {caller.vendor} has no resource {resource_id!r}")
    return resource


def resources_of(network: NetworkConfig, caller: Caller) -> list[ResourceConfig]:
    return [resource for resource in network.resources.values()
            if resource.vendor == caller.vendor]


def libraries_entitled(network: NetworkConfig, resource: ResourceConfig) -> list[str]:
    """The member libraries whose patrons may open the resource (all when none listed)."""
    return list(resource.libraries) or [library.id for library in network.libraries.values()
                                        if library.enabled and library.patrons is not None]


def open_on(resource: ResourceConfig, today: date) -> bool:
    return ((resource.starts is None or resource.starts <= today)
            and (resource.ends is None or today <= resource.ends))


# What is recorded: the audit of every call, a usage event for every resource opened


class AuditTrail:
    """One row per API call (vendor, key, endpoint, outcome; never the patron asked about),
    written in batches: within ``seconds`` of the call, or as soon as ``rows`` wait.

    One insert per call cost more than the check itself (a commit each: an fsync on
    PostgreSQL). The price is that a crash loses the last ``seconds`` of rows, and that a
    store that cannot be written no longer fails the calls: the batch is logged as lost.
    """

    def __init__(self, store: Store, *, seconds: float = AUDIT_SECONDS,
                 rows: int = AUDIT_ROWS) -> None:
        self._store = weakref.ref(store)  # the trail must not keep its store alive
        self.seconds = seconds
        self.rows = rows
        self._waiting: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()

    def record(self, caller: Caller | None, endpoint: str, status: int, outcome: str) -> None:
        row = {"vendor": caller.vendor if caller else None,
               "key_id": caller.key_id if caller else None, "endpoint": endpoint,
               "status": status, "outcome": outcome, "at": utcnow()}
        with self._lock:
            self._waiting.append(row)
            waiting = len(self._waiting)
        if waiting >= self.rows:
            self.flush()
        elif waiting == 1:
            timer = threading.Timer(self.seconds, self.flush)
            timer.daemon = True
            timer.start()

    def flush(self) -> None:
        """Write every row waiting now, once a write under way (a timer's) has ended."""
        with self._writing:
            with self._lock:
                rows, self._waiting = self._waiting, []
            store = self._store()
            if rows and store is not None:
                self._write(store, rows)

    def _write(self, store: Store, rows: list[dict[str, Any]]) -> None:
        try:
            with store.transaction("writing the API audit", writes=True) as connection:
                _rows.add_audit(connection, rows)
        except StoreError as error:
            log.error("%d audit rows of the vendors' API are lost: %s", len(rows), error)


_trails: weakref.WeakKeyDictionary[Store, AuditTrail] = weakref.WeakKeyDictionary()
_trails_lock = threading.Lock()


@atexit.register
def _flush_trails() -> None:
    # A gateway stopped by SIGTERM exits normally: its last rows are written.
    for trail in list(_trails.values()):
        trail.flush()


def audit_trail(store: Store) -> AuditTrail:
    """The store's one audit trail (one batch per store, whoever records)."""
    with _trails_lock:
        trail = _trails.get(store)
        if trail is None:
            trail = _trails[store] = AuditTrail(store)
        return trail


PURGE_EVERY = 3600.0
"""Seconds between two purges of stale pseudonym rows by one process."""
_purged: list[float | None] = [None]
"""When this process last purged (time.monotonic); None: not yet, so the first opening does.
(Not 0.0: the monotonic clock starts at boot, and a machine up for less than an hour would
then wait for its first purge.)"""


def record_opening(store: Store, keys: PseudonymKeys, session: Session,
                   resource: ResourceConfig, *, keep_days: int,
                   counts: Callable[[str, str], bool] = lambda session, resource: True,
                   ) -> None:
    """A signed-in patron opens ``resource``: what its vendor's pseudonym stands for now,
    and a usage event (hour, resource, library, category, salted session hash). Once an
    hour, rows of sign-ins older than ``keep_days`` ([gateway] entitlement_days) go: they
    answer "not entitled" anyway, and what is of no use is not kept. ``counts(session hash,
    resource)`` says whether the opening is a usage event (the gateway's is COUNTER's
    double-click filter, ``catalogue_sync.stats.clicks``); the pseudonym row is kept anyway."""
    patron, now = session.patron, utcnow()
    hashed = session_hash(keys, session)
    counted = counts(hashed, resource.id)
    known = KnownPatron(patron.library, patron.category,
                        datetime.fromtimestamp(session.started, UTC))
    with store.transaction(f"recording the opening of {resource.id}", writes=True) as connection:
        _rows.remember_patron(connection, resource.vendor,
                              pseudonym(patron.subject, resource.vendor), known)
        if counted:
            _rows.add_usage(connection, hour=now.replace(minute=0, second=0, microsecond=0),
                            resource=resource.id, library=patron.library,
                            category=patron.category, session_hash=hashed)
        last = _purged[0]
        if last is None or time.monotonic() - last > PURGE_EVERY:
            _purged[0] = time.monotonic()
            forgotten = _rows.forget_patrons(connection, now - timedelta(days=keep_days))
            log.info("gateway: forgot %d pseudonyms of sign-ins older than %d days",
                     forgotten, keep_days)


def session_hash(keys: PseudonymKeys, session: Session) -> str:
    """The session's id under a keyed hash of its own: visits of one session count together,
    and the hash is neither the id nor the SHA-256 Redis keeps the session under."""
    return hmac.new(keys.current[1], f"usage\x1f{session.id}".encode(),
                    hashlib.sha256).hexdigest()
