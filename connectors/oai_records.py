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
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sickle.models import Header

from catalogue_sync.models import RawFormat, RawRecord

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
# The oai-identifier scheme: oai:<repositoryIdentifier>:<local-identifier>.
OAI_IDENTIFIER = re.compile(r"^oai:[A-Za-z][A-Za-z0-9.-]*:(.+)$")
METADATA = re.compile(rb"<(?:[\w.-]+:)?metadata\b[^>]*>\s*(.*?)\s*</(?:[\w.-]+:)?metadata\s*>",
                      re.DOTALL)
ROOT_PREFIX = re.compile(rb"^<([\w.-]+):")


def records_of(root: Any, data: bytes, origin: str) -> Iterator[RawRecord]:
    """Every record of the answer, deletions included, in the order the server sent them."""
    nodes = list(root.iterfind(f".//{OAI_NS}record"))
    slices = _metadata_slices(root, data, nodes)
    for node, raw in zip(nodes, slices, strict=True):
        header = Header(node.find(f"{OAI_NS}header"))
        local_id = local_identifier(header.identifier)
        datestamp = datestamp_of(header.datestamp)
        if header.deleted:
            yield RawRecord(local_id, datestamp, True, b"", RawFormat.MARCXML, origin)
        else:
            # A record without metadata is passed on empty: the pipeline quarantines it.
            yield RawRecord(local_id, datestamp, False, raw, RawFormat.MARCXML, origin)


def _metadata_slices(root: Any, data: bytes, nodes: list[Any]) -> list[bytes]:
    serialized = [_serialized(node) for node in nodes]
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    if encoding not in ("UTF-8", "UTF8"):
        return serialized
    spans = [match.group(1) for match in METADATA.finditer(data)]
    with_metadata = [i for i, node in enumerate(nodes) if node.find(f"{OAI_NS}metadata")
                     is not None]
    if len(spans) != len(with_metadata):
        return serialized  # an unusual layout: trust the parser, not the scan
    for index, span in zip(with_metadata, spans, strict=True):
        if _stands_alone(span):
            serialized[index] = span
    return serialized


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
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
