"""The dashboard's accounts: ``CATALOGUE_SYNC_ADMINS``, scrypt hashes, checking a password.

The variable holds ``name:hash`` pairs separated by commas; ``catalogue-sync admin
hash-password`` prints one. A hash is ``scrypt$n$r$p$salt$key`` (salt and key in unpadded
URL-safe base64), so its cost can be raised later without breaking the ones written
before. A name that is not an account is checked against a hash of its own all the same, at
the cost of the dearest account's: a wrong name and a wrong password take the same time and
get the same answer.

Each check holds ``256 * r * n * p`` bytes (32 MiB at the default cost) while it runs, in the
search service's thread pool: at most ``HASHES_AT_ONCE`` run at once in a process, whatever
the number of sign-ins arriving; one that gets no turn within ``HASH_WAIT`` seconds is not
checked at all (``Accounts.check`` answers None), so a burst of unauthenticated requests
costs a bounded amount of memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache

from catalogue_sync.errors import ConfigError

VARIABLE = "CATALOGUE_SYNC_ADMINS"
N, R, P = 2**15, 8, 1
"""scrypt's cost: 32 MiB and about 50 ms a check on a current server."""
KEY_BYTES = 32
MAX_PASSWORD = 1024
HASHES_AT_ONCE = 2
"""scrypt checks running at once in a process (each holds 32 MiB at the default cost)."""
HASH_WAIT = 3.0
"""Seconds a sign-in waits for its turn to be checked before being asked to come back."""
_TURNS = threading.BoundedSemaphore(HASHES_AT_ONCE)
NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * r * n * p)


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """A new hash of ``password`` with a random salt."""
    salt = secrets.token_bytes(16)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(_scrypt(password, salt, n, r, p))}"


def check_hash(text: str) -> tuple[int, int, int, bytes, bytes]:
    """The parts of a hash; ConfigError when it is not one this module wrote."""
    parts = text.split("$")
    try:
        kind, n, r, p, salt, key = parts
        cost = int(n), int(r), int(p)
        salt_bytes, key_bytes = _unb64(salt), _unb64(key)
    except ValueError:
        raise ConfigError(f"{VARIABLE}: a password hash is scrypt$n$r$p$salt$key, as "
                          "`catalogue-sync admin hash-password` prints it") from None
    if kind != "scrypt" or not (2**10 <= cost[0] <= 2**20 and cost[0] & (cost[0] - 1) == 0
                                and 1 <= cost[1] <= 32 and 1 <= cost[2] <= 16):
        raise ConfigError(f"{VARIABLE}: not an scrypt hash of sane cost (n a power of two "
                          "from 1024 to 1048576, r up to 32, p up to 16)")
    return (*cost, salt_bytes, key_bytes)


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from."""
    n, r, p, salt, key = check_hash(stored)
    if len(password) > MAX_PASSWORD:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), key)


@dataclass(frozen=True, slots=True)
class Accounts:
    """The dashboard's accounts, name to hash."""

    hashes: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> Accounts:
        """``name:hash,name:hash``; ConfigError naming the wrong entry (never its hash)."""
        hashes: dict[str, str] = {}
        for number, entry in enumerate(part.strip() for part in text.split(",")):
            name, _, stored = entry.partition(":")
            if not NAME.match(name) or not stored:
                raise ConfigError(f"{VARIABLE}: entry {number + 1} is not name:hash (a name is "
                                  "letters, digits, '.', '_', '@' or '-')")
            check_hash(stored)
            hashes[name] = stored
        return cls(hashes)

    @classmethod
    def from_environment(cls) -> Accounts | None:
        """The accounts of ``CATALOGUE_SYNC_ADMINS``; None when it is unset or empty."""
        text = os.environ.get(VARIABLE, "").strip()
        return cls.parse(text) if text else None

    def check(self, name: str, password: str, *, wait: float | None = None) -> bool | None:
        """Whether this name and password open the dashboard (same time either way); None
        when no turn to compute the hash came within ``wait`` seconds (``HASH_WAIT``)."""
        if not _TURNS.acquire(timeout=HASH_WAIT if wait is None else wait):
            return None
        try:
            stored = self.hashes.get(name)
            if stored is None:
                verify_password(password, _unknown(*self.dearest()))
                return False
            return verify_password(password, stored)
        finally:
            _TURNS.release()

    def dearest(self) -> tuple[int, int, int]:
        """The cost (n, r, p) of the account whose hash is dearest to check."""
        return max((check_hash(stored)[:3] for stored in self.hashes.values()),
                   key=lambda cost: cost[0] * cost[1] * cost[2], default=(N, R, P))

    def fingerprint(self) -> bytes:
        """A key of these accounts' own (for the sign-in throttle's hashes)."""
        text = ",".join(f"{name}:{h}" for name, h in sorted(self.hashes.items()))
        return hashlib.sha256(f"admin-throttle\x1f{text}".encode()).digest()


@cache
def _unknown(n: int, r: int, p: int) -> str:
    """What a name that is no account is checked against, so that it takes as long."""
    return hash_password(secrets.token_urlsafe(16), n=n, r=r, p=p)
