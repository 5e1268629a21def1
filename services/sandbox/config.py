"""A catalogue-sync network.toml for the sandbox libraries.

The file is what ``catalogue-sync init`` plus one ``library add`` per library would write:
each library harvested over OAI-PMH (MARCXML) from the sandbox, with its holdings preset,
and ``encoding = "utf-8"`` where the library's leader does not say UTF-8. Each library's
``opac_url`` is the sandbox's own page of a record: its OAI-PMH GetRecord (the sandbox has
no OPAC; this is the page of the record it serves). Libraries whose ILS has Koha's REST API
get live availability (``koha-rest``, signed in as the sandbox's API user, its password in the
``SANDBOX_ILS_PASSWORD`` environment variable).

Every library's patrons can sign in (``[libraries.ID.patrons]``): the departmental library's
are checked with Koha's REST API (``koha-rest``), the others' over the sandbox's SIP2 server
(``sip2``, logged in as the same user with the same password variable). Cards start with the
library's prefix; the ILS categories are mapped as ``patrons.CATEGORIES`` says.
"""

from __future__ import annotations

import httpx
import tomlkit

from catalogue_sync.config import DEFAULT_DATABASE, NETWORK_TEMPLATE
from services.sandbox.generator import SandboxNetwork
from services.sandbox.koha_api import API_USER, api_url
from services.sandbox.libraries import SandboxLibrary
from services.sandbox.oaixml import repository_identifier
from services.sandbox.patrons import CATEGORIES, card_prefix
from services.sandbox.sip2 import DEFAULT_PORT as SIP2_PORT
from services.sandbox.sip2 import SIP2_USER

NETWORK_NAME = "Réseau des bibliothèques du Grand Val-de-Clain (bac à sable)"
PASSWORD_ENV = "SANDBOX_ILS_PASSWORD"
"""The variable the network file names for the API password (``koha_api.API_PASSWORD``)."""
KOHA_REST_PATRONS = frozenset({"departementale"})
"""The libraries whose patrons are checked with Koha's REST API rather than SIP2."""


def library_table(base_url: str, library: SandboxLibrary, *,
                  sip2_port: int = SIP2_PORT) -> tomlkit.items.Table:
    """``[libraries.ID]`` with its connector, holdings, availability and patrons sub-tables;
    the SIP2 server listens on the host of ``base_url``, at ``sip2_port``."""
    table = tomlkit.table()
    table.add("name", library.name)
    table.add("kind", library.kind.value)
    table.add("flavour", library.flavour.value)
    if not library.utf8_leader:
        table.add("encoding", "utf-8")
    table.add("opac_url", opac_url(base_url, library))
    table.add("contact", f"accueil@{library.id}.example")  # told to patrons whose card expired
    connector = tomlkit.table()
    connector.add("type", "oai-pmh")
    connector.add("url", f"{base_url.rstrip('/')}/{library.id}/oai")
    connector.add("metadata_prefix", "marcxml")
    table.add("connector", connector)
    holdings = tomlkit.table()
    holdings.add("preset", library.holdings)
    table.add("holdings", holdings)
    if library.rest_api:
        table.add("availability", availability_table(base_url, library))
    table.add("patrons", patrons_table(base_url, library, sip2_port))
    return table


def patrons_table(base_url: str, library: SandboxLibrary,
                  sip2_port: int) -> tomlkit.items.Table:
    """``[libraries.ID.patrons]``: where the gateway checks the library's cards and PINs."""
    patrons = tomlkit.table()
    if library.id in KOHA_REST_PATRONS and library.rest_api:
        patrons.add("type", "koha-rest")
        patrons.add("url", api_url(base_url, library.id))
        patrons.add("user", API_USER)
    else:
        patrons.add("type", "sip2")
        patrons.add("host", httpx.URL(base_url).host or "127.0.0.1")
        patrons.add("port", sip2_port)
        patrons.add("institution", library.id)
        patrons.add("login", SIP2_USER)
    patrons.add("password_env", PASSWORD_ENV)
    patrons.add("card_prefixes", [card_prefix(library.id)])
    categories = tomlkit.inline_table()
    categories.update(CATEGORIES)
    patrons.add("categories", categories)
    return patrons


def availability_table(base_url: str, library: SandboxLibrary) -> tomlkit.items.Table:
    """``[libraries.ID.availability]``: the library's Koha REST API, for live item status."""
    availability = tomlkit.table()
    availability.add("type", "koha-rest")
    availability.add("url", api_url(base_url, library.id))
    availability.add("user", API_USER)
    availability.add("password_env", PASSWORD_ENV)
    availability.add("timeout", 2.0)
    return availability


def opac_url(base_url: str, library: SandboxLibrary) -> str:
    """The ``opac_url`` template of a sandbox library: a record as the sandbox serves it."""
    return (f"{base_url.rstrip('/')}/{library.id}/oai?verb=GetRecord&metadataPrefix=marcxml"
            f"&identifier=oai:{repository_identifier(library.id)}:{{record}}")


def network_toml(base_url: str, network: SandboxNetwork, *, name: str = NETWORK_NAME,
                 database: str = DEFAULT_DATABASE, sip2_port: int = SIP2_PORT) -> str:
    """A complete network.toml whose libraries are the sandbox's, served at ``base_url``
    (and over SIP2 at ``sip2_port``)."""
    document = tomlkit.parse(NETWORK_TEMPLATE.format(name=name, database=database))
    libraries = document.setdefault("libraries", tomlkit.table(is_super_table=True))
    for library in network.libraries:
        libraries.add(library.id, library_table(base_url, library, sip2_port=sip2_port))
    return tomlkit.dumps(document)
