"""The network's digital offer: vendors, their resources, and who is entitled to each.

network.toml declares them (``[vendors.ID]``, ``[resources.ID]``) next to the gateway's own
settings (``[gateway]``)::

    [vendors.cafeyn]
    name = "Cafeyn"
    access = "cas"                                # cas | signed-url | api
    services = ["https://sso.cafeyn.example/reseau/"]

    [resources.presse]
    vendor = "cafeyn"
    name = "Presse en ligne"
    kind = "press"
    url = "https://sso.cafeyn.example/reseau/login"
    libraries = []                                # none listed: the whole network
    categories = ["adult"]                        # none listed: every patron category
    starts = 2026-01-01                           # optional date range
    ends = 2026-12-31

The access method is the vendor's: CAS 3.0 (the vendor's service URLs are registered by exact
origin and path prefix), a signed URL (an HMAC-SHA256 key named by ``secret_env``), or the
entitlement API (the vendor asks the gateway). ``entitled`` is the one rule that decides.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OFFER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
CATEGORIES = ("adult", "youth")
"""The network's patron categories; each library maps its ILS codes onto them
(``[libraries.ID.patrons] categories``)."""


Attribute = Literal["pseudonym", "library", "resource", "category"]
"""What the gateway can tell a CAS vendor about a patron: a pseudonym of its own, the home
library, the resource opened, the category. Never a card number, name or birth date."""
ATTRIBUTES: tuple[Attribute, ...] = ("pseudonym", "library", "resource", "category")


class ResourceKind(StrEnum):
    PRESS = "press"
    VIDEO = "video"
    MUSIC = "music"
    TRAINING = "training"
    EBOOK = "e-book"
    GAMES = "games"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def https_prefix(value: str) -> str:
    """A URL prefix a CAS service must start with: scheme, host, and a path ending in '/'."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"a service prefix is an http(s) URL with a host, not {value!r}")
    if parts.query or parts.fragment or not parts.path.endswith("/"):
        raise ValueError(f"a service prefix ends with '/' and has no query: {value!r}")
    return value


class VendorConfig(_Strict):
    """``[vendors.ID]``: a vendor of e-resources, and how it lets patrons in."""

    id: str
    name: str
    access: Literal["cas", "signed-url", "api"]
    services: list[str] = Field(default_factory=list)
    """cas: the vendor's service URLs, each an origin and a path prefix ending in '/'
    (no patterns: a look-alike host or path never matches)."""
    release: list[Attribute] = Field(default_factory=lambda: list(ATTRIBUTES))
    """cas: the attributes the vendor receives (the default is already the minimum)."""
    secret_env: str | None = None
    """signed-url: the environment variable holding the HMAC-SHA256 key."""
    key_id: str = "1"
    """signed-url: names the key in each link, so that a vendor can hold two during a change."""
    link_seconds: int = Field(default=60, ge=5, le=3600)
    """signed-url: how long a link is accepted."""

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not OFFER_ID.match(value):
            raise ValueError("an id is lower-case letters, digits, '-' or '_' (e.g. cafeyn)")
        return value

    @field_validator("services")
    @classmethod
    def _services_are_prefixes(cls, values: list[str]) -> list[str]:
        return [https_prefix(value) for value in values]

    @field_validator("secret_env")
    @classmethod
    def _secret_env_is_a_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.match(value):
            raise ValueError(f"secret_env names an environment variable, e.g. CAFEYN_KEY, "
                             f"not {value!r}")
        return value

    @model_validator(mode="after")
    def _method_has_what_it_needs(self) -> VendorConfig:
        if self.access == "cas" and not self.services:
            raise ValueError("a CAS vendor lists its service URL prefixes in services")
        if self.access == "signed-url" and self.secret_env is None:
            raise ValueError("a signed-url vendor names its key's variable in secret_env")
        return self


class ResourceConfig(_Strict):
    """``[resources.ID]``: one e-resource of a vendor, and who may open it."""

    id: str
    vendor: str
    name: str
    kind: ResourceKind
    url: str
    """Where opening the resource leads: the vendor's CAS service, or the base of its signed
    links, or its own page (entitlement API)."""
    description: str = ""
    libraries: list[str] = Field(default_factory=list)
    """The member libraries whose patrons are entitled; none listed: the whole network."""
    categories: list[Literal["adult", "youth"]] = Field(default_factory=list)
    """The patron categories entitled; none listed: every category."""
    starts: date | None = None
    ends: date | None = None
    packages: list[str] = Field(default_factory=list)
    """The vendor's KBART packages whose titles this resource gives access to."""

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not OFFER_ID.match(value):
            raise ValueError("an id is lower-case letters, digits, '-' or '_' (e.g. presse)")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"a resource url is an http(s) URL, not {value!r}")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> ResourceConfig:
        if self.starts and self.ends and self.starts > self.ends:
            raise ValueError(f"starts {self.starts} is after ends {self.ends}")
        return self


def entitled(resource: ResourceConfig, library: str, category: str, today: date) -> bool:
    """Whether a patron of ``library`` in ``category`` may open ``resource`` on ``today``."""
    return ((not resource.libraries or library in resource.libraries)
            and (not resource.categories or category in resource.categories)
            and (resource.starts is None or resource.starts <= today)
            and (resource.ends is None or today <= resource.ends))


class GatewaySettings(_Strict):
    """``[gateway]``: the patrons' sign-in and the vendors' side of it (services/gateway)."""

    base_url: str = "http://127.0.0.1:8001"
    """The gateway's public address, as patrons and vendors reach it (CAS URLs, links)."""
    cookie_secure: bool = True
    """Cookies only over HTTPS; false only to try the gateway over plain local HTTP."""
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=8, ge=1, le=24 * 7)
    ticket_seconds: int = Field(default=30, ge=5, le=300)
    """How long a CAS service ticket may wait for its validation."""
    pseudonym_keys_env: str = "CATALOGUE_SYNC_PSEUDONYM_KEYS"
    """The variable holding the pseudonym keys, newest first: "v2:KEY,v1:KEY" (see
    docs/gateway.md, rotating the key)."""
    entitlement_days: int = Field(default=7, ge=1, le=90)
    """For how long after a patron's last sign-in the vendors' API still answers that the
    patron is entitled (the gateway never asks the ILS again by itself)."""
    attempts_per_card: int = Field(default=5, ge=1, le=100)
    """Failed sign-ins of one card within ``lockout_minutes`` before it must wait: a PIN
    guessed on one card."""
    attempts_per_address: int = Field(default=100, ge=1, le=10_000)
    """Failed sign-ins from one address (an IPv6 /64) within ``lockout_minutes`` before
    everyone there must wait: a sweep of many cards from one machine. A whole library's
    public computers and Wi-Fi share one address, so it is set for a group of thirty
    patrons mistyping twice each, well under it (docs/gateway.md, "Attempts")."""
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """The window the counts last, from a card's or an address's first failure."""
    refused_keys_per_address: int = Field(default=30, ge=1, le=100_000)
    """Calls of the vendors' API with no valid key (missing, unknown, revoked) one client
    address may make in a minute; past them, 429 with Retry-After until the minute ends,
    valid keys from that address still served."""
    audit_days: int = Field(default=180, ge=1, le=3650)
    """Days the vendors' API audit (``vendor_api_audit``) is kept; older rows are deleted by
    the harvester service's purge ([statistics] purge_schedule) or ``vendor purge-audit``."""

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
            raise ValueError(f"base_url is the gateway's http(s) address, not {value!r}")
        return value.rstrip("/")

    @field_validator("pseudonym_keys_env")
    @classmethod
    def _keys_env_is_a_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"pseudonym_keys_env names an environment variable, not {value!r}")
        return value
