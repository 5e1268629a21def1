"""Which class serves each ``type`` named in network.toml.

Three kinds are registered the same way: harvest connectors (``[libraries.ID.connector]``),
live availability providers (``[libraries.ID.availability]``) and patron directories
(``[libraries.ID.patrons]``, for the gateway's sign-in). Built-ins are listed here as
``"module:Class"`` strings and imported only when used; third-party packages add theirs under
the ``catalogue_sync.connectors``, ``catalogue_sync.availability`` and
``catalogue_sync.patrons`` entry-point groups.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points

import httpx

from catalogue_sync.availability.provider import AvailabilityProvider
from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.connector import Connector
from catalogue_sync.errors import ConfigError
from catalogue_sync.patrons import PatronDirectory

ENTRY_POINT_GROUP = "catalogue_sync.connectors"
PROVIDER_ENTRY_POINT_GROUP = "catalogue_sync.availability"
DIRECTORY_ENTRY_POINT_GROUP = "catalogue_sync.patrons"

BUILTIN: dict[str, str] = {
    "oai-pmh": "connectors.oai_pmh:OaiPmhConnector",
    "marc-file": "connectors.marc_file:MarcFileConnector",
}
BUILTIN_PROVIDERS: dict[str, str] = {
    "koha-rest": "connectors.koha_rest:KohaRestProvider",
}
BUILTIN_DIRECTORIES: dict[str, str] = {
    "sip2": "connectors.sip2:Sip2Directory",
    "koha-rest": "connectors.koha_patrons:KohaPatronDirectory",
}


def available() -> dict[str, str]:
    """Every connector name with where it comes from (built-in first, then entry points)."""
    return _registered(BUILTIN, ENTRY_POINT_GROUP)


def available_providers() -> dict[str, str]:
    """Every availability provider name with where it comes from."""
    return _registered(BUILTIN_PROVIDERS, PROVIDER_ENTRY_POINT_GROUP)


def available_directories() -> dict[str, str]:
    """Every patron directory name with where it comes from."""
    return _registered(BUILTIN_DIRECTORIES, DIRECTORY_ENTRY_POINT_GROUP)


def _registered(builtin: dict[str, str], group: str) -> dict[str, str]:
    found = dict(builtin)
    for entry in entry_points(group=group):
        found.setdefault(entry.name, entry.value)
    return found


def connector_class(name: str) -> type[Connector]:
    """Import the class registered under ``name``; an unknown name lists the known ones."""
    cls: type[Connector] = _load("connector", name, available())
    return cls


def provider_class(name: str) -> type[AvailabilityProvider]:
    """Import the availability provider registered under ``name``."""
    cls: type[AvailabilityProvider] = _load("availability provider", name,
                                            available_providers())
    return cls


def directory_class(name: str) -> type[PatronDirectory]:
    """Import the patron directory registered under ``name``."""
    cls: type[PatronDirectory] = _load("patron directory", name, available_directories())
    return cls


def _load(kind: str, name: str, found: dict[str, str]) -> type:
    target = found.get(name)
    if target is None:
        known = ", ".join(sorted(found))
        raise ConfigError(f"unknown {kind} '{name}'; available {kind}s: {known}")
    module_name, _, class_name = target.partition(":")
    try:
        cls: type = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{kind} '{name}' ({target}) cannot be loaded: {exc}") from exc
    return cls


def build(library: LibraryConfig, client: httpx.AsyncClient) -> Connector:
    """The connector for one library, its options validated."""
    return connector_class(library.connector.type)(library, client)


def build_provider(library: LibraryConfig, client: httpx.AsyncClient) -> AvailabilityProvider:
    """The live availability provider of a library that has one, its options validated."""
    if library.availability is None:
        raise ConfigError(f"libraries.{library.id}: no [availability] table")
    return provider_class(library.availability.type)(library, client)


def build_directory(library: LibraryConfig, client: httpx.AsyncClient) -> PatronDirectory:
    """The patron directory of a library whose patrons can sign in, its options validated."""
    if library.patrons is None:
        raise ConfigError(f"libraries.{library.id}: no [patrons] table")
    return directory_class(library.patrons.type)(library, client)


def validate_library(library: LibraryConfig) -> None:
    """Check a library's connector, availability provider and patron directory: types and,
    where the class can, options. Every problem is reported, one per line."""
    tables: list[tuple[Callable[[str], type], str]] = [(connector_class, library.connector.type)]
    if library.availability is not None:
        tables.append((provider_class, library.availability.type))
    if library.patrons is not None:
        tables.append((directory_class, library.patrons.type))
    problems = []
    for load, name in tables:
        try:
            parse = getattr(load(name), "parse_options", None)
            if parse is not None:
                parse(library)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))


def validate(network: NetworkConfig) -> None:
    """Check every library's connector type and options, so errors show before a harvest."""
    problems = []
    for library in network.libraries.values():
        try:
            validate_library(library)
        except ConfigError as exc:
            problems += [f"{network.path}: {line}" for line in str(exc).splitlines()]
    if problems:
        raise ConfigError("\n".join(problems))
