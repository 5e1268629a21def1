"""A catalogue-sync network.toml for the sandbox libraries.

The file is what ``catalogue-sync init`` plus one ``library add`` per library would write:
each library harvested over OAI-PMH (MARCXML) from the sandbox, with its holdings preset,
and ``encoding = "utf-8"`` where the library's leader does not say UTF-8.
"""

from __future__ import annotations

import tomlkit

from catalogue_sync.config import DEFAULT_DATABASE, NETWORK_TEMPLATE
from services.sandbox.generator import SandboxNetwork
from services.sandbox.libraries import SandboxLibrary

NETWORK_NAME = "Réseau des bibliothèques du Grand Val-de-Clain (bac à sable)"


def library_table(base_url: str, library: SandboxLibrary) -> tomlkit.items.Table:
    """``[libraries.ID]`` with its connector and holdings sub-tables."""
    table = tomlkit.table()
    table.add("name", library.name)
    table.add("kind", library.kind.value)
    table.add("flavour", library.flavour.value)
    if not library.utf8_leader:
        table.add("encoding", "utf-8")
    connector = tomlkit.table()
    connector.add("type", "oai-pmh")
    connector.add("url", f"{base_url.rstrip('/')}/{library.id}/oai")
    connector.add("metadata_prefix", "marcxml")
    table.add("connector", connector)
    holdings = tomlkit.table()
    holdings.add("preset", library.holdings)
    table.add("holdings", holdings)
    return table


def network_toml(base_url: str, network: SandboxNetwork, *, name: str = NETWORK_NAME,
                 database: str = DEFAULT_DATABASE) -> str:
    """A complete network.toml whose libraries are the sandbox's, served at ``base_url``."""
    document = tomlkit.parse(NETWORK_TEMPLATE.format(name=name, database=database))
    libraries = document.setdefault("libraries", tomlkit.table(is_super_table=True))
    for library in network.libraries:
        libraries.add(library.id, library_table(base_url, library))
    return tomlkit.dumps(document)
