"""A minimal MARC record and fast writers for MARCXML and ISO 2709.

The sandbox serves tens of thousands of records a second, so records are plain tuples and
the writers build strings directly (pymarc's writers are much slower). Only the generator's
own output passes through here; fault injection corrupts the bytes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

MARC_NS = "http://www.loc.gov/MARC21/slim"
RECORD_OPEN = f'<record xmlns="{MARC_NS}">'
COLLECTION_OPEN = f'<collection xmlns="{MARC_NS}">'
FIELD_END = "\x1e"
RECORD_END = b"\x1d"
SUBFIELD = "\x1f"

# Subfield start tags for the usual codes, built once (the writer's hottest line).
SUBFIELD_OPEN = {code: f'<subfield code="{code}">' for code in
                 "abcdefghijklmnopqrstuvwxyz0123456789"}

ControlField = tuple[str, str]
Subfields = list[tuple[str, str]]
DataField = tuple[str, str, Subfields]
"""(tag, the two indicators as one string, subfields as (code, value) pairs)."""


@dataclass(slots=True)
class MarcRecord:
    """A record as the writers need it; positions 0-4 and 12-16 of the leader are computed."""

    leader: str
    controls: list[ControlField]
    fields: list[DataField]


def xml_text(text: str) -> str:
    """Escape character data; the checks first because most values need nothing."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def xml_attribute(text: str) -> str:
    """Escape an attribute value written between double quotes."""
    text = xml_text(text)
    return text.replace('"', "&quot;") if '"' in text else text


def marcxml(record: MarcRecord) -> bytes:
    """The record as a MARC 21 slim ``<record>`` element (no XML declaration), UTF-8."""
    out = [RECORD_OPEN, "<leader>", record.leader, "</leader>"]
    for tag, value in record.controls:
        out.append(f'<controlfield tag="{tag}">{xml_text(value)}</controlfield>')
    for tag, indicators, subfields in record.fields:
        out.append(f'<datafield tag="{tag}" ind1="{indicators[0]}" ind2="{indicators[1]}">')
        for code, value in subfields:
            start = SUBFIELD_OPEN.get(code) or f'<subfield code="{xml_attribute(code)}">'
            out.append(f"{start}{xml_text(value)}</subfield>")
        out.append("</datafield>")
    out.append("</record>")
    return "".join(out).encode("utf-8")


def iso2709(record: MarcRecord) -> bytes:
    """The record in ISO 2709 (UTF-8), with its directory and lengths computed."""
    tags: list[str] = []
    bodies: list[bytes] = []
    for tag, value in record.controls:
        tags.append(tag)
        bodies.append((value + FIELD_END).encode("utf-8"))
    for tag, indicators, subfields in record.fields:
        tags.append(tag)
        data = "".join(f"{SUBFIELD}{code}{value}" for code, value in subfields)
        bodies.append((indicators + data + FIELD_END).encode("utf-8"))
    directory: list[str] = []
    position = 0
    for tag, body in zip(tags, bodies, strict=True):
        directory.append(f"{tag}{len(body):04d}{position:05d}")
        position += len(body)
    head = ("".join(directory) + FIELD_END).encode("ascii")
    base = 24 + len(head)
    leader = f"{base + position + 1:05d}{record.leader[5:12]}{base:05d}{record.leader[17:24]}"
    return leader.encode("ascii") + head + b"".join(bodies) + RECORD_END
