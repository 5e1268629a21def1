"""The OAI-PMH 2.0 answers as XML, valid against OAI-PMH.xsd."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"


def datestamp(moment: datetime) -> str:
    """A datestamp at the repository's granularity, seconds (fractions dropped)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def answer(now: datetime, base_url: str, request: Mapping[str, str] | None,
           body: Iterable[etree._Element]) -> bytes:
    """The whole response: responseDate, request (with its arguments unless None), body."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    _text(root, "responseDate", datestamp(now))
    echoed = _text(root, "request", base_url)
    for name, value in (request or {}).items():
        echoed.set(name, value)
    root.extend(body)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def error(code: str, message: str) -> etree._Element:
    element = etree.Element(f"{{{OAI_NS}}}error", code=code)
    element.text = message
    return element


def identify(name: str, base_url: str, admin_email: str, earliest: datetime,
             repository_id: str, sample_id: str) -> etree._Element:
    element = _element("Identify")
    for tag, value in (("repositoryName", name), ("baseURL", base_url),
                       ("protocolVersion", "2.0"), ("adminEmail", admin_email),
                       ("earliestDatestamp", datestamp(earliest)),
                       ("deletedRecord", "persistent"), ("granularity", GRANULARITY)):
        _text(element, tag, value)
    description = etree.SubElement(element, f"{{{OAI_NS}}}description")
    description.append(_oai_identifier(repository_id, sample_id))
    return element


def _oai_identifier(repository_id: str, sample_id: str) -> etree._Element:
    """How identifiers are made (the oai-identifier scheme), for harvesters to read."""
    root = etree.Element(f"{{{IDENTIFIER_NS}}}oai-identifier",
                         nsmap={None: IDENTIFIER_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{IDENTIFIER_NS} {IDENTIFIER_SCHEMA}")
    for tag, value in (("scheme", "oai"), ("repositoryIdentifier", repository_id),
                       ("delimiter", ":"), ("sampleIdentifier", sample_id)):
        etree.SubElement(root, f"{{{IDENTIFIER_NS}}}{tag}").text = value
    return root


def metadata_formats(formats: Iterable[tuple[str, str, str]]) -> etree._Element:
    """ListMetadataFormats from (prefix, schema, namespace)."""
    element = _element("ListMetadataFormats")
    for prefix, schema, namespace in formats:
        entry = etree.SubElement(element, f"{{{OAI_NS}}}metadataFormat")
        for tag, value in (("metadataPrefix", prefix), ("schema", schema),
                           ("metadataNamespace", namespace)):
            _text(entry, tag, value)
    return element


def sets(libraries: Iterable[tuple[str, str]]) -> etree._Element:
    """ListSets from (setSpec, setName)."""
    element = _element("ListSets")
    for spec, name in libraries:
        entry = etree.SubElement(element, f"{{{OAI_NS}}}set")
        _text(entry, "setSpec", spec)
        _text(entry, "setName", name)
    return element


def header(identifier: str, moment: datetime, set_specs: Iterable[str], *,
           deleted: bool) -> etree._Element:
    element = _element("header")
    if deleted:
        element.set("status", "deleted")
    _text(element, "identifier", identifier)
    _text(element, "datestamp", datestamp(moment))
    for spec in set_specs:
        _text(element, "setSpec", spec)
    return element


def record(head: etree._Element, metadata: etree._Element | None) -> etree._Element:
    """A record: its header, and its metadata unless it is deleted."""
    element = _element("record")
    element.append(head)
    if metadata is not None:
        etree.SubElement(element, f"{{{OAI_NS}}}metadata").append(metadata)
    return element


def listing(verb: str, items: Iterable[etree._Element], token: etree._Element | None
            ) -> etree._Element:
    """ListRecords or ListIdentifiers: the page's items, then its resumption token."""
    element = _element(verb)
    element.extend(items)
    if token is not None:
        element.append(token)
    return element


def resumption_token(token: str | None, total: int, cursor: int) -> etree._Element:
    """The token of the next page; empty on the last page of a list of several pages."""
    element = _element("resumptionToken")
    element.set("completeListSize", str(total))
    element.set("cursor", str(cursor))
    element.text = token
    return element


def get_record(item: etree._Element) -> etree._Element:
    element = _element("GetRecord")
    element.append(item)
    return element


def _element(tag: str) -> etree._Element:
    return etree.Element(f"{{{OAI_NS}}}{tag}")


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI_NS}}}{tag}")
    element.text = value
    return element
