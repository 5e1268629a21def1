"""A merged record as simple Dublin Core, in the oai_dc container.

OAI-PMH requires oai_dc; SRU's "dc" schema gets the same element, which validates against
oai_dc.xsd and is what most SRU clients read. The mapping:

    title       title, then " : subtitle"
    creator     each author              subject    each subject heading
    publisher   the publisher            date       the publication year
    type        the DCMI Type of the format (Text, Sound, MovingImage...)
    format      the format as the catalogue names it (book, e-book, dvd-bluray...), then
                the extent ("243 p.")
    identifier  urn:isbn:..., urn:issn:..., info:oclcnum/..., then the merged id
    language    the ISO 639-2 code (fre, eng...)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from catalogue_sync.export.text import clean, cleaned
from catalogue_sync.store.clusters import MergedRecord

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

DCMI_TYPES = {
    "book": "Text", "large-print": "Text", "e-book": "Text", "periodical": "Text",
    "score": "Text",  # notated music is read, as text is; DCMI has no closer type
    "audiobook": "Sound", "music-cd": "Sound",
    "dvd-bluray": "MovingImage",
    "map": "StillImage",  # DCMI: "a map" is its own example of an image
    "board-game": "PhysicalObject",
    "video-game": "InteractiveResource",
    "online-periodical": "Text", "online-video": "MovingImage", "online-music": "Sound",
    "online-resource": "InteractiveResource",
}


def dc_element(merged: MergedRecord, *, schema_location: bool = False) -> etree._Element:
    """The oai_dc:dc element of a merged record (not a tombstone); embedded in an answer,
    without xsi:schemaLocation, so that it stands alone (see marc.marcxml_element)."""
    display = merged.display
    if display is None:
        raise ValueError(f"merged record {merged.id} has no display record to export")
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    if schema_location:
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    for name, value in dc_values(display, merged.id):
        etree.SubElement(root, f"{{{DC_NS}}}{name}").text = value
    return root


def to_dc(merged: MergedRecord) -> bytes:
    """The oai_dc document of a merged record."""
    return bytes(etree.tostring(dc_element(merged, schema_location=True),
                                xml_declaration=True, encoding="UTF-8"))


def dc_values(display: Mapping[str, Any], merged_id: str) -> Iterator[tuple[str, str]]:
    """(element, value) pairs, in oai_dc's element order."""
    title, subtitle = clean(display.get("title")), clean(display.get("subtitle"))
    if title:
        yield "title", f"{title} : {subtitle}" if subtitle else title
    yield from (("creator", author) for author in cleaned(display.get("authors")))
    yield from (("subject", subject) for subject in cleaned(display.get("subjects")))
    if publisher := clean(display.get("publisher")):
        yield "publisher", publisher
    if year := clean(display.get("year")):
        yield "date", year
    doc_format = clean(display.get("format")) or "other"
    if doc_format in DCMI_TYPES:
        yield "type", DCMI_TYPES[doc_format]
    yield "format", doc_format
    pages = display.get("pages")
    if isinstance(pages, int) and pages > 0:
        yield "format", f"{pages} p."
    yield from (("identifier", value) for value in identifiers(display))
    yield "identifier", merged_id
    if language := clean(display.get("language")):
        yield "language", language


def identifiers(display: Mapping[str, Any]) -> Iterator[str]:
    """The record's numbers as URIs: ISBN and ISSN URNs, OCLC numbers as info URIs."""
    yield from (f"urn:isbn:{isbn}" for isbn in cleaned(display.get("isbns")))
    yield from (f"urn:issn:{issn}" for issn in cleaned(display.get("issns")))
    for identifier in cleaned(display.get("ids")):
        scheme, _, value = identifier.partition(":")
        if scheme == "oclc" and value:
            yield f"info:oclcnum/{value}"
