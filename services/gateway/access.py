"""Opening a resource: where the gateway sends a signed-in patron, by the vendor's method.

    cas          the resource's address: the vendor's CAS client sends the patron to /cas/login,
                 which issues a ticket at once since the patron is signed in
    signed-url   the resource's address with the pseudonym and a signature
                 (``catalogue_sync.gateway.signed_links``)
    api          the resource's address with the pseudonym; the vendor asks /api/v1 whether
                 that pseudonym is entitled
"""

from __future__ import annotations

import os
from urllib.parse import urlencode, urlsplit, urlunsplit

from catalogue_sync.errors import ConfigError
from catalogue_sync.gateway.pseudonyms import pseudonym
from catalogue_sync.gateway.sessions import Session
from catalogue_sync.gateway.signed_links import signed_link
from catalogue_sync.offer import ResourceConfig, VendorConfig
from services.gateway.context import GatewayContext


def open_resource(context: GatewayContext, session: Session, resource: ResourceConfig) -> str:
    """The address the patron is sent to for ``resource``."""
    vendor = context.network.vendors[resource.vendor]
    patron = session.patron
    alias = pseudonym(patron.subject, vendor.id)
    if vendor.access == "cas":
        return resource.url
    if vendor.access == "signed-url":
        return signed_link(resource, vendor, vendor_key(vendor), patron=alias,
                           library=patron.library, category=patron.category)
    parts = urlsplit(resource.url)
    extra = urlencode({"patron": alias, "resource": resource.id})
    return urlunsplit((parts.scheme, parts.netloc, parts.path,
                       "&".join(filter(None, [parts.query, extra])), ""))


def vendor_key(vendor: VendorConfig) -> bytes:
    """A signed-url vendor's key, from the variable its secret_env names."""
    name = vendor.secret_env or ""
    value = os.environ.get(name, "")
    if len(value) < 32:
        raise ConfigError(f"vendors.{vendor.id}: ${name} must hold the vendor's signing key, "
                          "at least 32 characters (openssl rand -hex 32)")
    return value.encode()


def check_vendor_keys(context: GatewayContext) -> None:
    """Fail at start, not at a patron's click, when a signed-url vendor has no key."""
    for vendor in context.network.vendors.values():
        if vendor.access == "signed-url":
            vendor_key(vendor)
