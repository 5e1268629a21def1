"""Reading the records out of an OAI-PMH ListRecords or GetRecord answer.

Each record's metadata is kept as the server sent it: the bytes between ``<metadata>`` and
``</metadata>``, not a re-serialization (lxml would copy the envelope's namespace
declarations into it). Where that slice cannot stand alone (its root element uses a
namespace prefix declared only on the envelope) or the answer is not UTF-8, the element is
serialized by lxml instead, so the stored record always parses by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from catalogue_sync.marc.xmlsplit import DamagedXml, MarcXmlSplitter
from catalogue_sync.models import RawFormat, RawRecord

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
# The oai-identifier scheme: oai:<repositoryIdentifier>:<local-identifier>.
OAI_IDENTIFIER = re.compile(r"^oai:[A-Za-z][A-Za-z0-9.-]*:(.+)$")
METADATA_OPEN = re.compile(rb"<(?:[\w.-]+:)?metadata\b[^>]*>")
METADATA_CLOSE = re.compile(rb"</(?:[\w.-]+:)?metadata\s*>")
ROOT_PREFIX = re.compile(rb"^<([\w.-]+):")
IDENTIFIER = re.compile(rb"<(?:[\w.-]+:)?identifier>\s*([^<\s]+)\s*</")
SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def records_of(root: Any, data: bytes, origin: str) -> Iterator[RawRecord]:
    """Every record of the answer, deletions included, in the order the server sent them."""
    # The verb's own records only: a MARC <record> in the OAI namespace (a metadata record
    # that forgot its own) is not one of them.
    nodes = list(root.iterfind(f"*/{OAI_NS}record"))
    slices = _metadata_slices(root, data, nodes)
    for number, (node, raw) in enumerate(zip(nodes, slices, strict=True), 1):
        header = node.find(f"{OAI_NS}header")
        if header is None:
            yield _headless(node, f"{origin}#record={number}")
            continue
        local_id = local_identifier(_text(header, "identifier"))
        datestamp = datestamp_of(_text(header, "datestamp"))
        if header.get("status") == "deleted":
            # A deletion without identifier is quarantined: its XML says what was sent.
            whole = b"" if local_id else _whole(node)
            yield RawRecord(local_id, datestamp, True, whole, RawFormat.MARCXML, origin)
        elif not raw:
            yield RawRecord(local_id, datestamp, False, _whole(node), RawFormat.MARCXML,
                            origin, damage="an OAI-PMH record without a MARC record in "
                            "its <metadata>")
        else:
            yield RawRecord(local_id, datestamp, False, raw, RawFormat.MARCXML, origin)


def recovered_page(data: bytes) -> tuple[bytes, list[DamagedXml]] | None:
    """An answer that is not well-formed because of records in it: the answer without them,
    and them, to be quarantined.

    None when what lies outside the records is broken too (an answer cut short): such an
    answer, and its resumption token, are not to be trusted, and the request is retried.
    """
    splitter = MarcXmlSplitter(outer=True)
    try:
        pieces = splitter.feed(data) + splitter.close()
    except etree.XMLSyntaxError:
        return None
    damaged = [piece for piece in pieces if isinstance(piece, DamagedXml)]
    if not damaged or splitter.envelope_error is not None:
        return None
    kept, at = [], 0
    for piece in damaged:
        kept.append(data[at:piece.offset])
        at = piece.offset + len(piece.data)
    return b"".join([*kept, data[at:]]), damaged


def damaged_record(piece: DamagedXml, origin: str) -> RawRecord:
    """A record cut out of an answer that it kept from being well-formed."""
    found = IDENTIFIER.search(piece.data)
    local_id = local_identifier(found.group(1).decode("utf-8", "replace")) if found else None
    return RawRecord(
        local_id=local_id, datestamp=None, deleted=False, data=piece.data,
        format=RawFormat.MARCXML, origin=f"{origin}#line={piece.line}",
        damage=piece.reason.replace("MARCXML record", "OAI-PMH record", 1),
    )


def _whole(node: Any) -> bytes:
    return bytes(etree.tostring(node, encoding="utf-8", with_tail=False))


def _headless(node: Any, origin: str) -> RawRecord:
    """A ``<record>`` without the header OAI-PMH requires: quarantined whole, as sent.

    Without a header there is no identifier, datestamp or deletion status to trust, so the
    metadata is not stored even if it reads; its 001 still names it in the quarantine.
    """
    line = f" (line {node.sourceline})" if node.sourceline else ""
    return RawRecord(
        local_id=None, datestamp=None, deleted=False,
        data=_whole(node), format=RawFormat.MARCXML, origin=origin,
        damage=f"an OAI-PMH <record> without <header>{line}: no identifier, datestamp or "
               "status to store it by; the server sent a broken record",
    )


def _text(header: Any, name: str) -> str | None:
    """The text of the header's first ``name`` element (None if absent), as Sickle reads it."""
    element = header.find(f"{OAI_NS}{name}")
    return None if element is None else element.text


def _metadata_slices(root: Any, data: bytes, nodes: list[Any]) -> list[bytes]:
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    if encoding not in ("UTF-8", "UTF8"):
        return [_serialized(node) for node in nodes]
    spans = _metadata_spans(data)
    with_metadata = [i for i, node in enumerate(nodes) if node.find(f"{OAI_NS}metadata")
                     is not None]
    if len(spans) != len(with_metadata):
        # An unusual layout: trust the parser, not the scan.
        return [_serialized(node) for node in nodes]
    # Records without metadata stay empty; only a slice that cannot stand alone is
    # serialized (serializing every record cost a sixth of a page's reading).
    slices = [b""] * len(nodes)
    for index, span in zip(with_metadata, spans, strict=True):
        slices[index] = span if _stands_alone(span) else _serialized(nodes[index])
    return slices


def _metadata_spans(data: bytes) -> list[bytes]:
    """What lies between each ``<metadata>`` and the next ``</metadata>``, stripped.

    Two searches per record rather than one pattern with a lazy ``(.*?)``, which tried the
    closing tag at every byte of the record and cost seven times as much.
    """
    spans = []
    position = 0
    while (opening := METADATA_OPEN.search(data, _skip(data, position))) is not None:
        closing = METADATA_CLOSE.search(data, _skip(data, opening.end()))
        if closing is None:
            break
        spans.append(data[opening.end() : closing.start()].strip())
        position = closing.end()
    return spans


def _skip(data: bytes, position: int) -> int:
    """Where, from ``position``, a ``<metadata>`` or ``</metadata>`` tag can start at the earliest.

    Such a tag holds b"metadata" after ``<`` and a prefix without ``<``, so none starts before
    the last ``<`` ahead of the next b"metadata". Searching from there finds what searching
    from ``position`` would, without trying the pattern at every tag of the record.
    """
    name = data.find(b"metadata", position)
    if name == -1:
        return len(data)
    start = data.rfind(b"<", position, name)
    return name if start == -1 else start


def _serialized(node: Any) -> bytes:
    metadata = node.find(f"{OAI_NS}metadata")
    if metadata is None:
        return b""
    content = next((el for el in metadata if isinstance(el.tag, str)), None)
    return b"" if content is None else etree.tostring(content, encoding="utf-8")


def _stands_alone(span: bytes) -> bool:
    """False when the root element's prefix is declared outside the slice."""
    prefix = ROOT_PREFIX.match(span)
    if prefix is None:
        return True
    start_tag = span[: span.find(b">") + 1]
    return b"xmlns:" + prefix.group(1) + b"=" in start_tag


def local_identifier(identifier: str | None) -> str | None:
    """The ILS's own record id: the local part of an ``oai:repository:local`` identifier.

    Identifiers outside the oai-identifier scheme are kept whole. Deletions carry only the
    identifier, so the id must come from it, never from the record.
    """
    if identifier is None:
        return None
    found = OAI_IDENTIFIER.match(identifier.strip())
    return found.group(1) if found else identifier.strip()


def datestamp_of(value: str | None) -> datetime | None:
    """An OAI datestamp (day or second granularity) as an aware UTC datetime."""
    if not value:
        return None
    if SECONDS.fullmatch(value):
        # The usual shape, read without strptime's cost (a tenth of a record's reading).
        with suppress(ValueError):
            return datetime.fromisoformat(value)
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
