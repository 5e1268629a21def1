"""Cutting dumps and streams into raw records, and removing what XML forbids on the way.

Splitters are fed chunk by chunk, so a dump of any size is read in bounded memory; a damaged
record is returned like the others (the reader rejects it with a reason) and never stops the
split. MARCXML streams are cut by ``xmlsplit.MarcXmlSplitter``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import BinaryIO

RECORD_TERMINATOR = b"\x1d"
CHUNK_SIZE = 1 << 20
MAX_PENDING = 4 << 20
"""Bytes without a record terminator after which the splitter gives up on them (ISO 2709
records are at most 99,999 bytes), so a file that is not MARC cannot fill the memory."""

# Bytes found between records in real dumps: line ends added by FTP in text mode or by
# editors, NUL padding, and the DOS end-of-file mark (Ctrl-Z).
SEPARATORS = b" \t\r\n\x00\x1a"

# A leader as ILSs write it: length, five codes, "22", base address, three codes, then "4500"
# (MARC 21) or "450 " (UNIMARC). Used to find the next record after a truncated one.
_LEADER = re.compile(rb"[0-9]{5}[ -~]{5}22[0-9]{5}[ -~]{3}45[0 ][0 ]")

# C0 controls but tab, LF and CR; removed with bytes.translate, ten times faster than a regex.
_ILLEGAL_XML_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ILLEGAL_XML_REFS = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01]));"
)


def repair_xml(data: bytes) -> tuple[bytes, int]:
    """Remove what XML 1.0 forbids (C0 controls but tab, LF, CR), as bytes or as ``&#..;``.

    Returns the repaired bytes and how many characters were removed. Works on UTF-8 and any
    other ASCII-compatible encoding.
    """
    data, refs = _ILLEGAL_XML_REFS.subn(b"", data)
    kept = data.translate(None, _ILLEGAL_XML_BYTES)
    return kept, refs + len(data) - len(kept)


class XmlRepairer:
    """``repair_xml`` for a stream: holds back a character reference cut between two chunks."""

    def __init__(self) -> None:
        self.removed = 0
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        """The repaired bytes that can be parsed now."""
        data = self._pending + chunk
        cut = data.rfind(b"&", max(0, len(data) - 16))
        if cut != -1 and b";" not in data[cut:]:
            data, self._pending = data[:cut], data[cut:]
        else:
            self._pending = b""
        return self._repair(data)

    def flush(self) -> bytes:
        """What is left at the end of the stream."""
        data, self._pending = self._pending, b""
        return self._repair(data)

    def _repair(self, data: bytes) -> bytes:
        repaired, removed = repair_xml(data)
        self.removed += removed
        return repaired


class Iso2709Splitter:
    """Cuts ISO 2709 bytes, fed chunk by chunk, into ``(offset, record bytes)``.

    Records end at the terminator 0x1D, which stays in the record bytes. Separators between
    records are skipped. A record truncated before its terminator runs into the next one; the
    next leader is then found and the good record after the broken one is kept.
    """

    def __init__(self, offset: int = 0) -> None:
        self._buffer = bytearray()
        self._offset = offset  # offset in the stream of self._buffer[0]

    def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
        """The records completed by this chunk."""
        self._buffer += chunk
        records: list[tuple[int, bytes]] = []
        start = 0
        while (end := self._buffer.find(RECORD_TERMINATOR, start)) != -1:
            records += self._cut(start, end + 1)
            start = end + 1
        if len(self._buffer) - start > MAX_PENDING:
            records += self._cut(start, len(self._buffer))
            start = len(self._buffer)
        del self._buffer[:start]
        self._offset += start
        return records

    def close(self) -> list[tuple[int, bytes]]:
        """The bytes after the last terminator: a truncated last record, unless only blanks."""
        records = self._cut(0, len(self._buffer))
        self._offset += len(self._buffer)
        self._buffer.clear()
        return records

    def _cut(self, start: int, end: int) -> list[tuple[int, bytes]]:
        chunk = bytes(self._buffer[start:end])
        data = chunk.lstrip(SEPARATORS)
        if data in (b"", RECORD_TERMINATOR):
            return []
        return _resync(self._offset + start + len(chunk) - len(data), data)


def _resync(offset: int, data: bytes) -> list[tuple[int, bytes]]:
    """Split bytes holding a truncated record followed by whole ones at each next leader."""
    records = []
    while declared_length(data) != len(data):
        found = _LEADER.search(data, 1)
        if found is None:
            break
        records.append((offset, data[: found.start()]))
        offset, data = offset + found.start(), data[found.start() :]
    records.append((offset, data))
    return records


def declared_length(data: bytes) -> int | None:
    """The record length leader/00-04 gives, or None when they are not digits."""
    head = data[:5]
    return int(head) if len(head) == 5 and head.isdigit() else None


def split_iso2709(
    stream: BinaryIO | Iterable[bytes], chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, raw record bytes)`` from a file or an iterable of byte chunks.

    Reads ``chunk_size`` bytes at a time, so memory stays bounded whatever the dump's size.
    """
    read = getattr(stream, "read", None)
    chunks: Iterable[bytes] = iter(partial(read, chunk_size), b"") if read else stream
    splitter = Iso2709Splitter()
    for chunk in chunks:
        yield from splitter.feed(chunk)
    yield from splitter.close()


