"""Serializations: a record as bytes, in MARCXML (NFC or NFD) or ISO 2709 (UTF-8 or MARC-8)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from lxml import etree
from pymarc import Record

from catalogue_sync.models import Flavour, RawFormat

SLIM = "http://www.loc.gov/MARC21/slim"

# MARC-8 (ANSEL) codes of combining marks, written before their letter, and of special letters.
MARC8_MARKS = {"\u0301": 0xE2, "\u0300": 0xE1, "\u0302": 0xE3, "\u0308": 0xE8, "\u0327": 0xF0,
               "\u0303": 0xE4, "\u030a": 0xEA, "\u030c": 0xE9}
MARC8_LETTERS = {"©": 0xC3, "œ": 0xB6, "Œ": 0xA6, "æ": 0xB5, "Æ": 0xA5, "ø": 0xB2, "Ø": 0xA2,
                 "ł": 0xB1, "Ł": 0xA1, "°": 0xC0}


def marc8(text: str) -> bytes:
    """MARC-8 bytes of French text; ValueError for a character this table cannot write."""
    out = bytearray()
    for char in unicodedata.normalize("NFD", text):
        if char in MARC8_MARKS:
            base = out.pop()
            out += bytes([MARC8_MARKS[char], base])
        elif char in MARC8_LETTERS:
            out.append(MARC8_LETTERS[char])
        elif char.isascii():
            out += char.encode("ascii")
        else:
            raise ValueError(f"{char!r} has no MARC-8 code here")
    return bytes(out)


def to_iso2709(record: Record, encode: Callable[[str], bytes] = str.encode,
               leader09: str = "a") -> bytes:
    """ISO 2709 with the leader's length, base address and leader/09 set."""
    directory, data = b"", b""
    for found in record.fields:
        if found.control_field:
            body = encode(found.data or "") + b"\x1e"
        else:
            body = (found.indicator1 + found.indicator2).encode() + b"".join(
                b"\x1f" + sub.code.encode() + encode(sub.value) for sub in found.subfields
            ) + b"\x1e"
        directory += f"{found.tag}{len(body):04d}{len(data):05d}".encode()
        data += body
    directory += b"\x1e"
    base = 24 + len(directory)
    old = str(record.leader)
    leader = f"{base + len(data) + 1:05d}{old[5:9]}{leader09}{old[10:12]}{base:05d}{old[17:]}"
    return leader.encode() + directory + data + b"\x1d"


def to_marcxml(record: Record, nfd: bool = False) -> bytes:
    """A MARC 21 slim record; ``nfd`` decomposes every accent, as some ILSs send them."""
    def text(value: str) -> str:
        return unicodedata.normalize("NFD", value) if nfd else value

    root = etree.Element(f"{{{SLIM}}}record", nsmap={None: SLIM})
    etree.SubElement(root, f"{{{SLIM}}}leader").text = str(record.leader)
    for found in record.fields:
        if found.control_field:
            etree.SubElement(root, f"{{{SLIM}}}controlfield", tag=found.tag).text = text(
                found.data or "")
            continue
        element = etree.SubElement(root, f"{{{SLIM}}}datafield", tag=found.tag,
                                   ind1=found.indicator1, ind2=found.indicator2)
        for sub in found.subfields:
            etree.SubElement(element, f"{{{SLIM}}}subfield", code=sub.code).text = text(sub.value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def serialize(record: Record, flavour: Flavour, how: str) -> tuple[bytes, RawFormat]:
    """Bytes as a library would send them: how is a serialization kind's name."""
    if how in ("marcxml", "nfd"):
        return to_marcxml(record, nfd=how == "nfd"), RawFormat.MARCXML
    if how == "iso2709-marc8":
        return to_iso2709(record, marc8, " "), RawFormat.ISO2709
    return to_iso2709(record, leader09="a" if how == "iso2709-utf8" else " "), RawFormat.ISO2709
