"""Online records in the search service's answers: the resources that open a vendor
package's titles, and their addresses at the gateway (which checks the patron's entitlement).
"""

from __future__ import annotations

from collections.abc import Mapping

from catalogue_sync.config import NetworkConfig
from catalogue_sync.online import access_url, online_sources
from services.search.api_models import OnlineAccess

Accesses = Mapping[str, list[OnlineAccess]]
"""The resources opening each vendor package, by source id (``VENDOR.PACKAGE``)."""


def accesses(network: NetworkConfig) -> dict[str, list[OnlineAccess]]:
    """Every declared package's resources; a source not in it is a library (or a package
    no resource names any more, shown as a holder without a link)."""
    return {source.id: [OnlineAccess(resource=resource.id, name=resource.name,
                                     url=access_url(network, resource.id))
                        for resource in source.resources]
            for source in online_sources(network).values()}


def holder_names(network: NetworkConfig) -> dict[str, str]:
    """The name of every holder: each library, and each package (its resources' names)."""
    names = {library_id: library.name for library_id, library in network.libraries.items()}
    for source_id, found in accesses(network).items():
        names[source_id] = ", ".join(access.name for access in found)
    return names
