"""Keyed, versioned hashes standing for a patron: never the card number itself.

The keys come from the environment ([gateway] pseudonym_keys_env), newest first::

    CATALOGUE_SYNC_PSEUDONYM_KEYS="v2:9f1c...e4,v1:77aa...01"

A patron's *subject* is HMAC-SHA256(key, library and card): what the gateway's session and
counters know. A vendor's *pseudonym* of the patron is HMAC-SHA256(subject, vendor), written
``v2.<26 base32 letters>``: the same patron gets the same pseudonym from one vendor's every
resource and visit, and a different one at each vendor, so that vendors cannot link a patron
across them. The version names the key: rotating it (docs/gateway.md) gives everybody new
pseudonyms, and the older keys stay listed for as long as vendors may present old ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass

from catalogue_sync.errors import ConfigError

VERSION = re.compile(r"^v\d{1,4}$")
MIN_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class PseudonymKeys:
    """The keys, newest first: (version, key bytes)."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_environment(cls, variable: str) -> PseudonymKeys:
        value = os.environ.get(variable, "")
        if not value.strip():
            raise ConfigError(f"the gateway needs its pseudonym keys in ${variable}: e.g. "
                              f"{variable}=v1:$(openssl rand -hex 32)")
        return cls.parse(value, variable)

    @classmethod
    def parse(cls, value: str, variable: str = "the pseudonym keys") -> PseudonymKeys:
        keys = []
        for part in value.split(","):
            version, _, text = part.strip().partition(":")
            if not VERSION.match(version):
                raise ConfigError(f"{variable}: each key is VERSION:HEX with a version like "
                                  f"v1, not {version[:10]!r}")
            try:
                key = bytes.fromhex(text)
            except ValueError:
                raise ConfigError(f"{variable}: key {version} is not hexadecimal") from None
            if len(key) < MIN_KEY_BYTES:
                raise ConfigError(f"{variable}: key {version} has {len(key)} bytes; at least "
                                  f"{MIN_KEY_BYTES} (openssl rand -hex 32)")
            keys.append((version, key))
        if len({version for version, _ in keys}) != len(keys):
            raise ConfigError(f"{variable}: a version is listed twice")
        return cls(tuple(keys))

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def subject(self, library: str, card: str) -> str:
        """The patron's subject under the newest key: ``v2.<hex>``."""
        version, key = self.current
        digest = hmac.new(key, f"subject\x1f{library}\x1f{normal_card(card)}".encode(),
                          hashlib.sha256).hexdigest()
        return f"{version}.{digest}"


def pseudonym(subject: str, vendor: str) -> str:
    """The vendor's pseudonym of the patron whose subject this is: ``v2.<26 letters>``."""
    version, _, secret = subject.partition(".")
    digest = hmac.new(secret.encode(), f"pseudonym\x1f{vendor}".encode(),
                      hashlib.sha256).digest()
    return f"{version}.{base64.b32encode(digest).decode().rstrip('=').lower()[:26]}"


def normal_card(card: str) -> str:
    """The card number as the ILS compares it: no spaces, upper case, compatibility forms."""
    return unicodedata.normalize("NFKC", card).replace(" ", "").strip().upper()
