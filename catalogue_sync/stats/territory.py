"""Where a usage event's patron comes from: the commune or département of the home library.

The events store the library's id only; its place is in network.toml (``commune``,
``code_insee``, ``departement`` in ``[libraries.ID]``), read when a report is made, so a
library given its commune today has its past events counted there too.

Two keys are not places, and say why:

- ``non renseigné``: a library of the network whose commune (or département) is not given;
  fix it in network.toml.
- ``hors réseau``: a library that is no longer in network.toml (its events stay until
  purged). One key for all of them, not one per id: a territory report is not a library
  report, and the library report still shows each id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from catalogue_sync.config import LibraryConfig, NetworkConfig

Territory = Literal["commune", "departement"]
TERRITORIES: tuple[Territory, ...] = ("commune", "departement")
UNKNOWN = "non renseigné"
OUTSIDE = "hors réseau"


def territory_of(network: NetworkConfig, by: Territory) -> Callable[[str], str]:
    """A function from a library id to its commune or département key."""
    places = {library_id: _place(library, by)
              for library_id, library in network.libraries.items()}
    return lambda library_id: places.get(library_id, OUTSIDE)


def _place(library: LibraryConfig, by: Territory) -> str:
    if by == "departement":
        return library.territory_departement or UNKNOWN
    return commune_key(library)


def commune_key(library: LibraryConfig) -> str:
    """"Poitiers (86194)": the name to read, the INSEE code to tell apart communes of one
    name (Saint-Denis in 93 and in 974); either alone when only one is given."""
    if library.commune and library.code_insee:
        return f"{library.commune} ({library.code_insee})"
    return library.commune or library.code_insee or UNKNOWN
