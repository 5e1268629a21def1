"""The network file (network.toml) and the service settings.

network.toml declares the member libraries; it is validated when loaded and every error names
the file, the library and the field. Secrets never live in it: a connector option ending in
``_env`` names the environment variable that holds the secret.

Service settings come from the environment (prefix ``CATALOGUE_SYNC_``) through
``get_settings()``, which tests can clear with ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalogue_sync.errors import ConfigError
from catalogue_sync.models import Flavour, LibraryKind
from catalogue_sync.offer import GatewaySettings, ResourceConfig, VendorConfig
from catalogue_sync.schedule import parse_schedule

LIBRARY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_DATABASE = "sqlite:///var/catalogue-sync.db"


class Settings(BaseSettings):
    """Settings of the commands and services, read from the environment."""

    model_config = SettingsConfigDict(env_prefix="CATALOGUE_SYNC_")

    config: Path = Path("network.toml")
    """Path of the network file (CATALOGUE_SYNC_CONFIG)."""
    database_url: str | None = None
    """Overrides [storage] url, so a PostgreSQL password can stay out of the file."""
    redis_url: str | None = None
    """Overrides [cache] redis_url (CATALOGUE_SYNC_REDIS_URL), so a Redis password can
    stay out of the file."""
    index_path: Path | None = None
    """Overrides [index] path (CATALOGUE_SYNC_INDEX_PATH): in a container, the network file
    is mounted read-only and the index lives in a volume."""
    trusted_proxies: str = ""
    """The reverse proxies whose X-Forwarded-For names the client
    (CATALOGUE_SYNC_TRUSTED_PROXIES): addresses or networks, comma-separated; none by
    default (services/clients.py, docs/deployment.md)."""
    log_level: str = "INFO"


@cache
def get_settings() -> Settings:
    return Settings()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Holdings presets: where each ILS puts its items. Subfield codes per item field.
HOLDINGS_PRESETS: dict[str, dict[str, str | None]] = {
    # MARC 21 Format for Holdings Data, embedded location field.
    "marc21": {"tag": "852", "branch": "a", "location": "b", "call_number": "h",
               "barcode": "p", "status": None, "doc_type": None, "due_date": None},
    # Koha MARC 21 item field.
    "koha-marc21": {"tag": "952", "branch": "a", "location": "c", "call_number": "o",
                    "barcode": "p", "status": "7", "doc_type": "y", "due_date": "q"},
    # Koha UNIMARC item field, as used by most French Koha libraries.
    "koha-unimarc": {"tag": "995", "branch": "b", "location": "e", "call_number": "k",
                     "barcode": "f", "status": "o", "doc_type": "r", "due_date": "n"},
}
DEFAULT_PRESET = {Flavour.MARC21: "marc21", Flavour.UNIMARC: "koha-unimarc"}


class HoldingsMapping(_Strict):
    """Where a library's item data lives: one tag, and a subfield code per item field.

    ``preset`` picks a known layout; any field given beside it overrides the preset.
    """

    preset: Literal["marc21", "koha-marc21", "koha-unimarc"] | None = None
    tag: str | None = None
    branch: str | None = None
    location: str | None = None
    call_number: str | None = None
    barcode: str | None = None
    status: str | None = None
    doc_type: str | None = None
    due_date: str | None = None
    available_status: list[str] = Field(default_factory=lambda: ["", "0"])
    """Status codes meaning the item is on the shelf (Koha: empty or 0)."""

    @field_validator("tag")
    @classmethod
    def _tag_is_marc(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{3}", value):
            raise ValueError(f"a MARC tag has three digits, not {value!r}")
        return value

    def resolved(self, flavour: Flavour) -> HoldingsMapping:
        """The mapping with the preset (or the flavour's default) filled in."""
        preset = HOLDINGS_PRESETS[self.preset or DEFAULT_PRESET[flavour]]
        given = self.model_dump(exclude_unset=True, exclude={"preset"})
        return HoldingsMapping(**{**preset, **given})


@dataclass(frozen=True)
class NormalizerSettings:
    """The settings of a library that the normalizer reads, and nothing else.

    ``marc.parse`` hands the normalizer only this, so these fields are exactly what a
    library's records are derived with beside the code (``NORMALIZER_VERSION``): each stored
    record carries their ``digest``, and a change to any of them makes the library's records
    stale (``records renormalize``). A setting the normalizer comes to read belongs here.
    """

    flavour: Flavour
    encoding: Literal["auto", "utf-8", "marc-8"]
    """Character set of ISO 2709 records (see ``LibraryConfig.encoding``)."""
    id_field: str
    holdings: HoldingsMapping
    """The holdings mapping with its preset resolved: the same items, the same digest."""

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of every field, stable across processes and releases."""
        canonical = {item.name: _canonical(getattr(self, item.name)) for item in fields(self)}
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:SETTINGS_DIGEST_LENGTH]


SETTINGS_DIGEST_LENGTH = 16
"""Hex digits of ``NormalizerSettings.digest`` kept: 64 bits tell settings apart."""


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return getattr(value, "value", value)  # an enum by its value


class ConnectorConfig(BaseModel):
    """The connector type and its options; the connector validates its own options."""

    model_config = ConfigDict(extra="allow")

    type: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class AvailabilityConfig(ConnectorConfig):
    """``[libraries.ID.availability]``: the provider that reports item status in real time.

    ``type`` names a provider of ``connectors.registry`` (e.g. ``koha-rest``), which validates
    its own options; secrets are named by ``*_env`` options, never written here.
    """


class PatronsConfig(ConnectorConfig):
    """``[libraries.ID.patrons]``: how the gateway checks this library's patrons' card and PIN.

    ``type`` names a patron directory of ``connectors.registry`` (``sip2``, ``koha-rest``),
    which validates its own options; secrets are named by ``*_env`` options.
    """

    card_prefixes: list[str] = Field(default_factory=list)
    """Card numbers starting with one of these belong to this library: the sign-in page then
    needs no choice of library."""
    categories: dict[str, Literal["adult", "youth"]] = Field(default_factory=dict)
    """The ILS's patron category codes and the network category each one is."""
    default_category: Literal["adult", "youth"] | None = None
    """The category of a code ``categories`` does not list; none: such patrons are refused."""


class LibraryConfig(_Strict):
    """One member library of the network."""

    id: str
    name: str
    kind: LibraryKind = LibraryKind.MUNICIPAL
    flavour: Flavour
    encoding: Literal["auto", "utf-8", "marc-8"] = "auto"
    """Character set of ISO 2709 records; 'auto' trusts leader/09, which some ILSs get wrong."""
    id_field: str = "001"
    """Where a record's own id lives when the protocol gives none: '001' or e.g. '999$c'."""
    enabled: bool = True
    connector: ConnectorConfig
    holdings: HoldingsMapping = Field(default_factory=HoldingsMapping)
    opac_url: str | None = None
    """The library's own OPAC page of a record, ``{record}`` standing for the record's
    local id: "https://opac.example.fr/cgi-bin/koha/opac-detail.pl?biblionumber={record}".
    The record page of the union catalogue links to it."""
    availability: AvailabilityConfig | None = None
    """Where the record page asks for live item status; None: the harvested status only."""
    patrons: PatronsConfig | None = None
    """Where the gateway checks a card and PIN; None: this library's patrons cannot sign in."""
    contact: str | None = Field(default=None, min_length=1, max_length=200)
    """How patrons reach the library ("accueil@mediatheque.example, 05 49 00 00 00"): the
    gateway shows it to a patron whose right PIN opens nothing (an expired or lost card)."""
    schedule: str | None = None
    """When the harvester service harvests this library on its own: an interval
    ("every 6h", "every 30m", "every 1d") or a cron line ("0 3 * * *", UTC). None: only
    when asked (``harvest --queue``, the dashboard)."""
    commune: str | None = None
    """The commune the library is in (its territory, for usage statistics)."""
    code_insee: str | None = None
    """The commune's INSEE code (e.g. "86194" for Poitiers)."""
    departement: str | None = None
    """The département's code (e.g. "86", "2A", "974"); the first digits of ``code_insee``
    when it is not given."""

    @field_validator("schedule")
    @classmethod
    def _schedule_is_one(cls, value: str | None) -> str | None:
        if value is not None:
            parse_schedule(value)
        return value

    @field_validator("code_insee")
    @classmethod
    def _code_insee_is_one(cls, value: str | None) -> str | None:
        if value is not None and not CODE_INSEE.match(value):
            raise ValueError(f"an INSEE commune code is five characters like '86194' or "
                             f"'2A004', not {value!r}")
        return value

    @field_validator("departement")
    @classmethod
    def _departement_is_one(cls, value: str | None) -> str | None:
        if value is not None and not DEPARTEMENT.match(value):
            raise ValueError(f"a département code is like '86', '2A' or '974', not {value!r}")
        return value

    @property
    def territory_departement(self) -> str | None:
        """The library's département: given, or read from its commune's INSEE code."""
        if self.departement is not None or self.code_insee is None:
            return self.departement
        code = self.code_insee
        return code[:3] if code.startswith("97") else code[:2]

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not LIBRARY_ID.match(value):
            raise ValueError(
                "a library id is lower-case letters, digits, '-' or '_' (e.g. poitiers-fm)"
            )
        return value

    @field_validator("id_field")
    @classmethod
    def _id_field_is_marc(cls, value: str) -> str:
        if not re.fullmatch(r"\d{3}(\$[0-9a-z])?", value):
            raise ValueError(f"expected a tag like '001' or a subfield like '999$c', not {value!r}")
        return value

    @field_validator("opac_url")
    @classmethod
    def _opac_url_is_a_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not OPAC_URL.match(value):
            raise ValueError(f"an OPAC URL starts with http:// or https://, not {value!r}")
        if "{record}" not in value:
            raise ValueError("an OPAC URL must contain {record} where the record id goes, "
                             "e.g. https://opac.example.fr/opac-detail.pl?biblionumber={record}")
        if {"{", "}"} & set(value.replace("{record}", "")):
            raise ValueError("{record} is the only placeholder an OPAC URL may contain")
        return value

    @cached_property
    def item_mapping(self) -> HoldingsMapping:
        """The holdings mapping with its preset resolved (once: it is read for every record)."""
        return self.holdings.resolved(self.flavour)

    @cached_property
    def normalizer_settings(self) -> NormalizerSettings:
        """What of this table the normalizer reads (once: it is read for every record)."""
        return NormalizerSettings(self.flavour, self.encoding, self.id_field, self.item_mapping)

    def opac_link(self, local_id: str) -> str | None:
        """The library's OPAC page of one of its records; None without ``opac_url``."""
        if self.opac_url is None:
            return None
        return self.opac_url.replace("{record}", quote(local_id, safe=""))


CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|97\d)$")
OPAC_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z][a-zA-Z0-9-]*)+$")
EMAIL = re.compile(r"^\S+@(\S+\.)+\S+$")


class NetworkInfo(_Strict):
    """``[network]``: the network's name, and how its union catalogue names itself."""

    name: str = "Réseau des bibliothèques"
    """Also the OAI-PMH repositoryName and the SRU database title."""
    repository_id: str = "catalogue-sync.local"
    """The OAI-PMH repository identifier, in every record identifier
    (``oai:<repository_id>:<merged id>``): a domain name of the network's, set once and
    kept, since harvesters store the identifiers."""
    admin_email: str = "admin@example.org"
    """Who answers for the union catalogue: the OAI-PMH Identify adminEmail, and where
    patrons write from the web catalogue's accessibility statement."""

    @field_validator("repository_id")
    @classmethod
    def _repository_id_is_a_domain(cls, value: str) -> str:
        if not REPOSITORY_ID.match(value):
            raise ValueError("a repository id is a domain name, e.g. catalogue.reseau.fr")
        return value

    @field_validator("admin_email")
    @classmethod
    def _admin_email_is_an_address(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value


class StorageConfig(_Strict):
    url: str = DEFAULT_DATABASE


BLOCKLIST_ENTRY = re.compile(r"^[A-Za-z0-9-]+:.+$")


class MergeConfig(_Strict):
    """``[merge]``: how member records are merged into the union catalogue.

    Changing any of these makes the next merge rebuild everything (``merge run --full``).
    """

    same_library: bool = False
    """Merge two records of the same library (off: a library's duplicates stay apart)."""
    page_tolerance: float = Field(default=0.1, ge=0, le=1)
    """How far page counts may differ (a fraction of the larger) and still be one edition..."""
    page_slack: int = Field(default=10, ge=0, le=1000)
    """...or by this many pages, whichever is more (prefaces, plates, index pages)."""
    year_tolerance: int = Field(default=1, ge=0, le=10)
    """How many years publication dates may differ and still be one edition."""
    blocklist: list[str] = Field(default_factory=list)
    """Identifiers known to be wrong in catalogues (e.g. "isbn:9782070360024"), never matched."""
    library_priority: list[str] = Field(default_factory=list)
    """Library ids whose record is preferred for display, best first, when equally complete."""

    @field_validator("blocklist")
    @classmethod
    def _blocklist_entries(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not BLOCKLIST_ENTRY.match(entry):
                raise ValueError(f"a blocklist entry is 'scheme:value' (isbn:978...), "
                                 f"not {entry!r}")
        return value


class IndexConfig(_Strict):
    """``[index]``: the full-text index of the union catalogue (catalogue_sync.index)."""

    path: Path = Path("var/index")
    """Directory of the index, relative to the network file unless absolute."""
    writer_memory_mb: int = Field(default=128, ge=32, le=4096)
    """Memory the index writer fills before it writes a segment: more indexes faster."""


REDIS_URL = re.compile(r"^(redis|rediss|unix)://")


class CacheConfig(_Strict):
    """``[cache]``: search answers kept in Redis (``catalogue_sync.cache``); none without a
    URL. The search answers the same without Redis, only slower."""

    redis_url: str | None = None
    """e.g. "redis://127.0.0.1:6379/0"; CATALOGUE_SYNC_REDIS_URL overrides it (a URL with a
    password belongs there, not in this file)."""
    ttl_seconds: int = Field(default=60, ge=1, le=86_400)
    """How long an answer is kept at most. A new version of the index makes every answer
    obsolete at once; the time limit is a backstop (library names changed, for instance)."""
    key_prefix: str = Field(default="catalogue-sync", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    """The start of every key, so that several networks can share one Redis."""

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_one(cls, value: str | None) -> str | None:
        if value is not None and not REDIS_URL.match(value):
            raise ValueError("a Redis URL starts with redis://, rediss:// or unix://")
        return value


class AvailabilitySettings(_Strict):
    """``[availability]``: how the record page asks member libraries for live item status."""

    deadline: float = Field(default=2.0, gt=0, le=30)
    """Seconds the whole answer may take; a library slower than this shows its harvested
    status (each library's own ``timeout`` may be shorter)."""
    cache_ttl: int = Field(default=60, ge=0, le=3600)
    """Seconds a library's live answer is kept in Redis and reused (0: never cached)."""
    retry_after: float = Field(default=30.0, ge=0, le=3600)
    """Seconds a library that failed is left alone (its harvested status shown meanwhile),
    so an ILS that is down does not slow every record page."""


class HarvesterConfig(_Strict):
    """``[harvester]``: the harvester service's job queue (services/harvester)."""

    lock_seconds: int = Field(default=120, ge=2, le=3600)
    """How long a library's harvest lock lasts unless its worker renews it (every third of
    this): a killed worker's library can be harvested again after this long."""
    heartbeat_seconds: int = Field(default=60, ge=2, le=3600)
    """A worker silent this long is taken for dead, and the jobs it held go back to the
    queue for another worker."""
    retry_seconds: int = Field(default=30, ge=1, le=3600)
    """How long a job waits before it tries again when its library is locked."""
    namespace: str = Field(default="catalogue-sync", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    """The start of every Redis key of the queue, so that several networks can share one
    Redis."""


class StatisticsConfig(_Strict):
    """``[statistics]``: usage statistics of the digital offer (catalogue_sync.stats)."""

    threshold: int = Field(default=5, ge=1, le=1000)
    """A cell with fewer distinct sessions than this is suppressed in every report and
    chart."""
    retention_months: int = Field(default=13, ge=1, le=120)
    """Raw usage events are deleted when they are older than this many whole months."""
    purge_schedule: str = "30 3 * * *"
    """When the harvester service deletes expired usage events (cron line, UTC)."""

    @field_validator("purge_schedule")
    @classmethod
    def _schedule_is_one(cls, value: str) -> str:
        parse_schedule(value)
        return value


class NetworkConfig(_Strict):
    """The whole network file."""

    path: Path = Path("network.toml")
    network: NetworkInfo = Field(default_factory=NetworkInfo)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    merge: MergeConfig = Field(default_factory=MergeConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    availability: AvailabilitySettings = Field(default_factory=AvailabilitySettings)
    libraries: dict[str, LibraryConfig] = Field(default_factory=dict)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    vendors: dict[str, VendorConfig] = Field(default_factory=dict)
    resources: dict[str, ResourceConfig] = Field(default_factory=dict)
    harvester: HarvesterConfig = Field(default_factory=HarvesterConfig)
    statistics: StatisticsConfig = Field(default_factory=StatisticsConfig)

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for table in ("libraries", "vendors", "resources"):
            if isinstance(data.get(table), dict):
                data[table] = {key: {**value, "id": key} if isinstance(value, dict) else value
                               for key, value in data[table].items()}
        return data

    @model_validator(mode="after")
    def _resources_name_declared_vendors_and_libraries(self) -> NetworkConfig:
        for resource in self.resources.values():
            if resource.vendor not in self.vendors:
                known = ", ".join(sorted(self.vendors)) or "none declared"
                raise ValueError(f"resources.{resource.id}.vendor: no vendor "
                                 f"{resource.vendor!r} (vendors: {known})")
            unknown = [lib for lib in resource.libraries if lib not in self.libraries]
            if unknown:
                raise ValueError(f"resources.{resource.id}.libraries names unknown libraries: "
                                 f"{', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _priority_names_libraries(self) -> NetworkConfig:
        unknown = [lib for lib in self.merge.library_priority if lib not in self.libraries]
        if unknown:
            raise ValueError(f"merge.library_priority names unknown libraries: "
                             f"{', '.join(unknown)}")
        return self

    def library(self, library_id: str) -> LibraryConfig:
        try:
            return self.libraries[library_id]
        except KeyError:
            known = ", ".join(sorted(self.libraries)) or "none yet"
            raise ConfigError(
                f"{self.path}: no library '{library_id}' (libraries: {known})"
            ) from None

    def database_url(self, settings: Settings | None = None) -> str:
        """The store URL: the environment wins; a relative SQLite path is relative to the file."""
        url = (settings or get_settings()).database_url or self.storage.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and url != "sqlite:///:memory:":
            db_path = Path(url[len(prefix):])
            if not db_path.is_absolute():
                return prefix + str((self.path.parent / db_path).resolve())
        return url

    def index_path(self, settings: Settings | None = None) -> Path:
        """The index directory: the environment wins; a relative path is relative to the
        network file."""
        path = (settings or get_settings()).index_path or self.index.path
        return path if path.is_absolute() else (self.path.parent / path).resolve()

    def redis_url(self, settings: Settings | None = None) -> str | None:
        """The Redis of the search cache: the environment wins; None: no cache."""
        return (settings or get_settings()).redis_url or self.cache.redis_url


def describe_validation_error(where: str, error: ValidationError, *, sep: str = ": ") -> str:
    """One line per problem, each naming where it is: file, library and field.

    ``sep`` joins ``where`` and the field: ": " after a file name, "." after a table path.
    """
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}{sep}{field}: {message}" if field else f"{where}: {message}")
    return "\n".join(lines)


def load_network(path: Path) -> NetworkConfig:
    """Read and validate network.toml."""
    data = _network_table(path)
    if "path" in data:
        raise ConfigError(f"{path}: 'path' at the top of the file is not a setting (the "
                          "file's place is where it is read from); remove it")
    try:
        return NetworkConfig(path=path, **data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(str(path), exc)) from exc


def _network_table(path: Path) -> dict[str, Any]:
    """The network file's TOML, or a ConfigError naming the line that keeps it from it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no network file here; run 'catalogue-sync init' to write one"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})"
                          ) from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, "
                          f"column {column}); save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc

NETWORK_TEMPLATE = '''\
# catalogue-sync network file: the member libraries of the network.
# Add libraries with `catalogue-sync library add` or by hand; check one with
# `catalogue-sync library check ID`. Secrets are never written here: an option ending in
# `_env` names the environment variable that holds the value (e.g. password_env = "KOHA_PW").

[network]
name = "{name}"
# repository_id = "catalogue.example.org"  # OAI-PMH ids: oai:<repository_id>:<merged id>
# admin_email = "catalogue@example.org"    # who answers for the OAI-PMH repository

[storage]
# SQLite file (relative to this file) by default; PostgreSQL with
# url = "postgresql+psycopg://user@host/dbname" or the CATALOGUE_SYNC_DATABASE_URL variable.
url = "{database}"

# [merge]                     # how the union catalogue merges member records
# same_library = false        # merge two records of one library (off by default)
# page_tolerance = 0.1        # page counts within 10% can be the same edition...
# page_slack = 10             # ...or within 10 pages, whichever is more
# year_tolerance = 1          # publication years within 1 can be the same edition
# blocklist = ["isbn:9782070360024"]   # identifiers wrongly shared by catalogues
# library_priority = ["poitiers-fm"]   # whose record is shown first, best first
# Changing [merge] makes the next merge rebuild everything.

# [index]                     # the full-text index of the union catalogue
# path = "var/index"          # its directory, relative to this file
# writer_memory_mb = 128      # memory the writer fills before writing a segment

# [cache]                     # search answers kept in Redis (none without a URL)
# redis_url = "redis://127.0.0.1:6379/0"  # or CATALOGUE_SYNC_REDIS_URL (with a password)
# ttl_seconds = 60            # the longest an answer is kept (a new index drops it)

# [availability]              # live item status on the record page
# deadline = 2.0              # seconds the whole answer may take
# cache_ttl = 60              # seconds an ILS's answer is reused (Redis)
# retry_after = 30            # seconds a failing ILS is left alone

# [harvester]                 # the harvester service (catalogue-sync serve harvester)
# lock_seconds = 120          # a killed worker's library is free again after this long
# heartbeat_seconds = 60      # a silent worker's jobs go back to the queue after this long

# [statistics]                # usage statistics of the digital offer
# threshold = 5               # cells with fewer distinct sessions are suppressed
# retention_months = 13       # raw usage events are deleted after this many months
# purge_schedule = "30 3 * * *"   # when (cron, UTC)

# One table per member library, for example. Changing its flavour, encoding, id_field or
# holdings changes what its records normalize to: `catalogue-sync status` then says to run
# `catalogue-sync records renormalize ID`.
#
# [libraries.poitiers-fm]
# name = "Médiathèque François-Mitterrand"
# kind = "municipal"          # municipal, intercommunal, departmental, game-library,
#                             # documentation-centre
# flavour = "unimarc"         # marc21 or unimarc
# encoding = "auto"           # auto (trust leader/09), utf-8 or marc-8
# id_field = "001"            # where dumps keep the record id: "001" or e.g. "999$c"
# opac_url = "https://opac.example.org/cgi-bin/koha/opac-detail.pl?biblionumber={{record}}"
#                             # the library's own page of a record ({{record}}: its id)
# schedule = "every 6h"       # harvested by the harvester service: "every 30m", "0 3 * * *"
# commune = "Poitiers"        # its territory, for usage statistics
# code_insee = "86194"
#
# [libraries.poitiers-fm.connector]
# type = "oai-pmh"            # see `catalogue-sync connectors`
# url = "https://ils.example.org/cgi-bin/koha/oai.pl"
# metadata_prefix = "marcxml"
# set = "ALL"                 # optional
#
# [libraries.poitiers-fm.holdings]
# preset = "koha-unimarc"     # marc21 (852), koha-marc21 (952) or koha-unimarc (995)
# call_number = "k"           # any subfield code overrides the preset
#
# [libraries.poitiers-fm.availability]   # optional: live item status
# type = "koha-rest"          # Koha's REST API
# url = "https://ils.example.org/api/v1"
# user = "catalogue"          # an API user allowed to read the catalogue
# password_env = "KOHA_PW"    # the environment variable holding its password
# timeout = 2.0

[libraries]
'''


def write_template(path: Path, *, name: str, database: str = DEFAULT_DATABASE) -> None:
    """Write a commented network file; refuse to overwrite one."""
    if path.exists():
        raise ConfigError(f"{path}: already exists; not overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NETWORK_TEMPLATE.format(name=name, database=database), encoding="utf-8")


def add_library(
    path: Path,
    library: dict[str, Any],
    check: Callable[[LibraryConfig], object] | None = None,
) -> LibraryConfig:
    """Validate a new library and append it to the network file, keeping its comments.

    ``check`` validates more (the connector's own options) before anything is written.
    """
    network = load_network(path)
    library_id = library["id"]
    if library_id in network.libraries:
        raise ConfigError(f"{path}: library '{library_id}' already exists")
    try:
        validated = LibraryConfig(**library)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(str(path), exc)) from exc
    if check is not None:
        check(validated)
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    libraries = document.setdefault("libraries", tomlkit.table(is_super_table=True))
    table = tomlkit.table()
    for key, value in library.items():
        if key != "id" and value is not None and value != {}:
            table.add(key, value)
    libraries.add(library_id, table)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return validated
