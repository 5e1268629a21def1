"""The SRU explain record (ZeeRex 2.0): where the server is, what can be searched and how
records come back. SRU clients read it to build their search forms."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from catalogue_sync.export.marc import MARC_SCHEMA
from catalogue_sync.export.sru.request import DEFAULT_RECORDS, MAX_RECORDS, SCHEMA_URIS

ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
CONTEXT_SETS = (
    ("cql", "info:srw/cql-context-set/1/cql-v1.2"),
    ("dc", "info:srw/cql-context-set/1/dc-v1.1"),
    ("bath", "http://zing.z3950.org/cql/bath/2.0/"),
    ("rec", "info:srw/cql-context-set/2/rec-1.1"),
)
INDEXES = (
    ("cql", "serverChoice", "Anywhere: title, author, subject, publisher, numbers"),
    ("dc", "title", "Title"), ("dc", "creator", "Author"), ("dc", "subject", "Subject"),
    ("dc", "publisher", "Publisher"), ("dc", "date", "Year of publication"),
    ("bath", "isbn", "ISBN, in any form"), ("bath", "issn", "ISSN"),
    ("rec", "identifier", "Merged record id, or any standard number"),
    ("cql", "allRecords", "Every record (cql.allRecords = 1)"),
)
RECORD_SCHEMAS = (
    ("marcxml", "MARCXML (MARC 21 with every library's copies in 852)", MARC_SCHEMA),
    ("dc", "Dublin Core (oai_dc)", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
)


def explain_record(base_url: str, title: str, version: str) -> etree._Element:
    """The ZeeRex explain record of this server."""
    root = etree.Element(_tag("explain"), nsmap={"zr": ZEEREX_NS}, authoritative="true")
    root.append(_server_info(base_url, version))
    database = _sub(root, "databaseInfo")
    _sub(database, "title", title, lang="fr", primary="true")
    _sub(database, "description", "Catalogue collectif des bibliothèques du réseau : une "
                                  "notice par édition, avec les exemplaires de chaque "
                                  "bibliothèque.", lang="fr")
    root.append(_index_info())
    search = _sub(root, "searchInfo")
    _sub(search, "queryExample", 'dc.title = "l\'étranger" and dc.creator = camus')
    root.append(_schema_info())
    root.append(_config_info())
    return root


def _server_info(base_url: str, version: str) -> etree._Element:
    url = urlsplit(base_url)
    server = etree.Element(_tag("serverInfo"), protocol="SRU", version=version,
                           transport=url.scheme or "http")
    _sub(server, "host", url.hostname or "localhost")
    _sub(server, "port", str(url.port or (443 if url.scheme == "https" else 80)))
    _sub(server, "database", url.path.lstrip("/") or "sru")
    return server


def _index_info() -> etree._Element:
    info = etree.Element(_tag("indexInfo"))
    for name, identifier in CONTEXT_SETS:
        _sub(info, "set", name=name, identifier=identifier)
    for context_set, name, title in INDEXES:
        index = _sub(info, "index", search="true", scan="false", sort="false")
        _sub(index, "title", title, lang="en")
        _sub(_sub(index, "map"), "name", name, set=context_set)
    return info


def _schema_info() -> etree._Element:
    info = etree.Element(_tag("schemaInfo"))
    for name, title, location in RECORD_SCHEMAS:
        schema = _sub(info, "schema", identifier=SCHEMA_URIS[name], name=name,
                      location=location, retrieve="true", sort="false")
        _sub(schema, "title", title, lang="en")
    return info


def _config_info() -> etree._Element:
    config = etree.Element(_tag("configInfo"))
    _sub(config, "default", str(DEFAULT_RECORDS), type="numberOfRecords")
    _sub(config, "default", "marcxml", type="retrieveSchema")
    _sub(config, "setting", str(MAX_RECORDS), type="maximumRecords")
    for relation in ("=", "==", "exact", "adj", "all", "any", "<", ">", "<=", ">=", "within"):
        _sub(config, "supports", relation, type="relation")
    for feature, value in (("booleanModifier", "none"), ("maskingCharacter", "*"),
                           ("emptyTerm", "false")):
        _sub(config, "supports", value, type=feature)
    return config


def _tag(name: str) -> str:
    return f"{{{ZEEREX_NS}}}{name}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str
         ) -> etree._Element:
    element = etree.SubElement(parent, _tag(tag), **attributes)
    element.text = text
    return element
