"""Vendor packages as sources of the union catalogue, and the resources that open them.

network.toml declares resources (``[resources.ID]``) of vendors (``[vendors.ID]``), each
naming the KBART packages whose titles it gives access to. A package's titles are stored
under the source id ``VENDOR.PACKAGE``; the search service reads a holding of such a source
as "online, through these resources".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import ConfigError
from catalogue_sync.models import Format
from catalogue_sync.offer import ResourceConfig, ResourceKind

SEPARATOR = "."
"""Between vendor and package in a source id; never in a library id (config.LIBRARY_ID)."""
PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_SOURCE_ID = 64
"""The store's library column holds 64 characters."""

_MONOGRAPH_FORMATS = {
    ResourceKind.VIDEO: Format.ONLINE_VIDEO,
    ResourceKind.MUSIC: Format.ONLINE_MUSIC,
    ResourceKind.TRAINING: Format.ONLINE_RESOURCE,
    ResourceKind.GAMES: Format.ONLINE_RESOURCE,
    ResourceKind.EBOOK: Format.EBOOK,
    ResourceKind.PRESS: Format.EBOOK,  # a press package's monographs: special issues, books
}


@dataclass(frozen=True, slots=True)
class OnlineSource:
    """One vendor package, as a source of the union catalogue."""

    id: str
    vendor: str
    package: str
    resources: tuple[ResourceConfig, ...]
    """The resources giving access to its titles, by id; the first decides their format."""

    def format_of(self, serial: bool) -> Format:
        """The format of a title: an online periodical, or by the resource's kind."""
        if serial:
            return Format.ONLINE_PERIODICAL
        return _MONOGRAPH_FORMATS[self.resources[0].kind]


def source_id(vendor: str, package: str) -> str:
    return f"{vendor}{SEPARATOR}{package}"


def is_online(source: str) -> bool:
    """Whether a store source id is a vendor package's rather than a member library's."""
    return SEPARATOR in source


def online_sources(network: NetworkConfig) -> dict[str, OnlineSource]:
    """Every package the resources of network.toml name, by source id."""
    packages: dict[tuple[str, str], list[ResourceConfig]] = {}
    for resource in sorted(network.resources.values(), key=lambda r: r.id):
        for package in resource.packages:
            packages.setdefault((resource.vendor, package), []).append(resource)
    return {source_id(vendor, package): OnlineSource(source_id(vendor, package), vendor,
                                                     package, tuple(resources))
            for (vendor, package), resources in sorted(packages.items())}


def check_source(network: NetworkConfig, source: str) -> None:
    """A member library's id or a vendor package's (``VENDOR.PACKAGE``); ConfigError listing
    both otherwise."""
    if source in network.libraries or source in online_sources(network):
        return
    libraries = ", ".join(sorted(network.libraries)) or "none yet"
    packages = ", ".join(online_sources(network)) or "none"
    raise ConfigError(f"{network.path}: no library or vendor package {source!r} (libraries: "
                      f"{libraries}; packages: {packages})")


def package_source(network: NetworkConfig, vendor: str, package: str) -> OnlineSource:
    """The declared package of a vendor; ConfigError listing what is declared otherwise."""
    if vendor not in network.vendors:
        known = ", ".join(sorted(network.vendors)) or "none declared"
        raise ConfigError(f"{network.path}: no vendor {vendor!r} (vendors: {known})")
    declared = {source.package: source for source in online_sources(network).values()
                if source.vendor == vendor}
    if package not in declared:
        known = ", ".join(sorted(declared)) or "none: add packages = [...] to a resource"
        raise ConfigError(f"{network.path}: no resource of vendor {vendor!r} names package "
                          f"{package!r} (its packages: {known})")
    _check_package_name(network, vendor, package)
    return declared[package]


def _check_package_name(network: NetworkConfig, vendor: str, package: str) -> None:
    if not PACKAGE_NAME.match(package) or len(source_id(vendor, package)) > MAX_SOURCE_ID:
        raise ConfigError(
            f"{network.path}: package {package!r} of vendor {vendor!r}: a package name is "
            f"letters, digits, '.', '-' or '_', and vendor id and package together at most "
            f"{MAX_SOURCE_ID - 1} characters")


def access_url(network: NetworkConfig, resource_id: str) -> str:
    """The gateway's open address of a resource: it checks the patron's entitlement there."""
    return f"{network.gateway.base_url}/ressources/{resource_id}"
