"""Which connector class serves each ``type`` named in network.toml.

Built-in connectors are listed here as ``"module:Class"`` strings and imported only when used;
third-party packages add theirs under the ``catalogue_sync.connectors`` entry-point group.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import httpx

from catalogue_sync.config import LibraryConfig, NetworkConfig
from catalogue_sync.connector import Connector
from catalogue_sync.errors import ConfigError

ENTRY_POINT_GROUP = "catalogue_sync.connectors"

BUILTIN: dict[str, str] = {
    "oai-pmh": "connectors.oai_pmh:OaiPmhConnector",
    "marc-file": "connectors.marc_file:MarcFileConnector",
}


def available() -> dict[str, str]:
    """Every connector name with where it comes from (built-in first, then entry points)."""
    found = dict(BUILTIN)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.value)
    return found


def connector_class(name: str) -> type[Connector]:
    """Import the class registered under ``name``; an unknown name lists the known ones."""
    target = available().get(name)
    if target is None:
        known = ", ".join(sorted(available()))
        raise ConfigError(f"unknown connector '{name}'; available connectors: {known}")
    module_name, _, class_name = target.partition(":")
    try:
        cls: type[Connector] = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"connector '{name}' ({target}) cannot be loaded: {exc}") from exc
    return cls


def build(library: LibraryConfig, client: httpx.AsyncClient) -> Connector:
    """The connector for one library, its options validated."""
    return connector_class(library.connector.type)(library, client)


def validate_library(library: LibraryConfig) -> None:
    """Check a library's connector type and, where the connector can, its options."""
    parse = getattr(connector_class(library.connector.type), "parse_options", None)
    if parse is not None:
        parse(library)


def validate(network: NetworkConfig) -> None:
    """Check every library's connector type and options, so errors show before a harvest."""
    problems = []
    for library in network.libraries.values():
        try:
            validate_library(library)
        except ConfigError as exc:
            problems.append(f"{network.path}: {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
