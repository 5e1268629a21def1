"""The official XML schemas of the protocols catalogue-sync speaks, loaded offline.

The schemas live in tests/fixtures/schemas (copies of the official files, see SOURCES.md
there); the W3C xml.xsd that simpledc imports by URL is mapped to the local copy.

    assert_valid(document, "oai")       OAI-PMH 2.0 with MARCXML or oai_dc metadata
    assert_valid(document, "marc")      a MARCXML record or collection
    assert_valid(document, "oai_dc")    an oai_dc record
    assert_valid(document, "sru-1.2")   an SRU 1.2 response (records in MARCXML or DC)
    assert_valid(document, "sru-2.0")   an SRU 2.0 response
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
W3C_XML = "http://www.w3.org/2001/03/xml.xsd"
DRIVERS = {
    "oai": "oai-pmh-marc21-dc.xsd",
    "marc": "marc/MARC21slim.xsd",
    "oai_dc": "oai-pmh/oai_dc.xsd",
    "sru-1.2": "sru-1.2-marc21-dc.xsd",
    "sru-2.0": "sru-2.0-marc21-dc.xsd",
}


class _LocalSchemas(etree.Resolver):
    """Serve the W3C xml.xsd from disk instead of the network."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url == W3C_XML:
            return self.resolve_filename(str(SCHEMAS / "w3c" / "xml.xsd"), context)
        return None


@cache
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / DRIVERS[name]), parser))


def assert_valid(document: bytes | etree._Element, name: str) -> etree._Element:
    """The parsed document; fails with the schema's own messages when it is invalid."""
    root = (etree.fromstring(document, etree.XMLParser(no_network=True))
            if isinstance(document, bytes) else document)
    checker = schema(name)
    if not checker.validate(root):
        raise AssertionError(f"not valid against {DRIVERS[name]}:\n{checker.error_log}")
    return root
