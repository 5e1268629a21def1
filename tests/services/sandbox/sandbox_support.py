"""Helpers shared by the sandbox tests: the official OAI-PMH schemas, and OAI requests.

The schemas in ``schemas/`` are copies of /work/shared/schemas (see schemas/SOURCES.md);
the W3C xml.xsd that simpledc imports by URL is mapped to the local copy, offline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import httpx
from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"
W3C_XML = "http://www.w3.org/2001/03/xml.xsd"
OAI = {"oai": "http://www.openarchives.org/OAI/2.0/", "marc": "http://www.loc.gov/MARC21/slim"}


class LocalSchemas(etree.Resolver):
    """Serve the W3C xml.xsd from disk instead of the network."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url == W3C_XML:
            return self.resolve_filename(str(SCHEMAS / "w3c" / "xml.xsd"), context)
        return None


@cache
def oai_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai-pmh-marc21-dc.xsd"), parser))


def valid_document(body: bytes) -> etree._Element:
    """Parse an OAI-PMH response and fail with the schema's own message if it is invalid."""
    root = etree.fromstring(body, etree.XMLParser(no_network=True))
    schema = oai_schema()
    if not schema.validate(root):
        raise AssertionError(f"not valid OAI-PMH: {schema.error_log}")
    return root


def oai_get(url: str, **params: str) -> etree._Element:
    """GET an OAI-PMH request, check HTTP 200 and the schema, return the document."""
    response = httpx.get(url, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return valid_document(response.content)


def error_code(root: etree._Element) -> str | None:
    found = root.find("oai:error", OAI)
    return None if found is None else found.get("code")
