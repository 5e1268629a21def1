"""Cutting a MARCXML stream into records, so that one damaged record costs only itself.

A whole-document parser stops at the first error: a mismatched tag at record 100 of a dump
failed the dump's harvest, a truncated dump lost the complete records of its last page.
Here the stream is cut at each ``<record>`` start and ``</record>`` end tag (a byte search,
fed chunk by chunk, in bounded memory), and each record is parsed on its own, inside the
namespaces the document declared before its first record. A record that does not parse, or
that the stream ends inside, comes out as ``DamagedXml`` with its bytes, its line and the
parser's message; the records before and after it come out whole.

What lies outside the records (the ``<collection>`` around them) is parsed separately: when
it is broken and no record was found, the stream is not MARCXML and the error is raised;
when records were found, ``envelope_error`` says what is wrong (a dump cut short lacks its
``</collection>``) and the caller warns.

In an OAI-PMH document (its OAI namespace is declared before the first record) an OAI
``<record>`` holds a MARC one: records then nest one level, and only MARC records count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from catalogue_sync.marc.split import XmlRepairer

MAX_RECORD_BYTES = 8 << 20
"""A record still open after this many bytes is cut off and reported: no MARC record is that
large (ISO 2709 caps one at 99,999 bytes), so its end tag is missing or damaged."""
PROLOG_BYTES = 1 << 10
"""How much of the document's start is kept to read its declared encoding."""
OAI_NAMESPACE = b"http://www.openarchives.org/OAI/2.0/"

_TAG = re.compile(rb"<(/?)((?:[\w.-]+:)?record)(?=[\s/>])[^<>]*>")
_CUT_START = re.compile(rb"<(?:[\w.-]+:)?record(?:[\s/][^<>]*)?$")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.-]+)""")
_LINE = re.compile(r"\bline (\d+)")
_POSITION = re.compile(r"(?:, line \d+)?, column \d+$")
_FIELD = re.compile(rb"<(?:[\w.-]+:)?(?:leader|controlfield|datafield)\b")
_MARC_FIELDS = ("{*}leader", "{*}controlfield", "{*}datafield")
_CONTEXT = b"catalogue-sync-context"


@dataclass(frozen=True, slots=True)
class DamagedXml:
    """A span of the stream that should have been a record and is not well-formed."""

    data: bytes
    line: int
    """The line of the stream where the damaged record starts."""
    reason: str
    offset: int = 0
    """Where it starts in the stream (after the removal of characters XML forbids)."""


Piece = bytes | DamagedXml


class MarcXmlSplitter:
    """Cuts a MARCXML stream (a collection, or any document holding records), fed chunk by
    chunk, into serialized ``record`` elements and ``DamagedXml`` spans, in bounded memory.

    Characters XML forbids are removed on the way (``removed`` counts them). ``close`` raises
    ``lxml.etree.XMLSyntaxError`` only for a stream that holds no record and is not
    well-formed: something else than MARCXML.
    """

    def __init__(self, *, outer: bool = False) -> None:
        """``outer``: hand on each outermost record as it is in the stream (an OAI-PMH
        ``<record>`` with its header), once it parses, instead of the MARC records in it."""
        self._outer = outer
        self._base = 0  # the stream offset of self._buffer[0]
        self._repairer = XmlRepairer()
        self._buffer = bytearray()
        self._done = 0  # bytes of the buffer handed on, as pieces or to the envelope
        self._scanned = 0  # where the search for the next record tag goes on
        self._line = 1  # the line of self._buffer[self._done]
        self._depth = 0  # record tags open in the current record (0: between records)
        self._start_line = 0
        self._envelope = _Envelope()
        self._context: _Context | None = None
        self._parser = etree.XMLParser(resolve_entities=False, no_network=True)
        self.pieces = 0
        """Records and damaged spans handed on so far."""

    @property
    def removed(self) -> int:
        """Characters removed so far because XML forbids them."""
        return self._repairer.removed

    @property
    def envelope_error(self) -> str | None:
        """What is wrong with the document around the records (after ``close``), if anything."""
        error = self._envelope.error
        return None if error is None else _message(error, 0)

    def feed(self, chunk: bytes) -> list[Piece]:
        """The records completed by this chunk."""
        self._buffer += self._repairer.feed(chunk)
        return self._split(last=False)

    def close(self) -> list[Piece]:
        """The last records, once the stream has ended."""
        self._buffer += self._repairer.flush()
        pieces = self._split(last=True)
        self._envelope.close()
        if self._envelope.error is not None and not self.pieces:
            raise self._envelope.error
        return pieces

    # --- cutting ------------------------------------------------------------------------------

    def _split(self, last: bool) -> list[Piece]:
        pieces: list[Piece] = []
        while (tag := _TAG.search(self._buffer, self._scanned)) is not None:
            pieces += self._on_tag(tag)
        if self._depth == 0 and last and (cut := _CUT_START.search(self._buffer, self._scanned)):
            self._open(cut.start())  # the stream ends inside a record's start tag
        pieces += self._rest(last)
        self._compact()
        self.pieces += len(pieces)
        return pieces

    def _rest(self, last: bool) -> list[Piece]:
        """What the bytes after the last tag found become, at the end of a chunk."""
        too_long = len(self._buffer) - self._done > MAX_RECORD_BYTES
        if self._depth == 0:
            # Bytes between records are held until the next record starts: they may be the
            # rest of a record whose start tag is damaged, and a stray </record> says so.
            if last or too_long:
                self._to_envelope(len(self._buffer) if last else self._safe_end())
            return []
        if last:
            reason = "the stream ends inside this record (a truncated file or transfer)"
        elif too_long:
            reason = f"no </record> within {MAX_RECORD_BYTES >> 20} MB of its start"
        else:
            return []
        return [self._damaged(len(self._buffer), reason)]

    def _on_tag(self, tag: re.Match[bytes]) -> list[Piece]:
        closing, empty = tag.group(1) == b"/", tag.group(0).endswith(b"/>")
        self._scanned = tag.end()
        if self._depth == 0:
            if closing:
                return self._stray_end(tag.end())
            self._open(tag.start())
            return self._close(tag.end()) if empty else []
        if closing:
            self._depth -= 1
            return self._close(tag.end()) if self._depth == 0 else []
        if empty:
            return []
        if self._depth == 1 and self._oai():
            self._depth += 1  # the MARC record inside an OAI-PMH one
            return []
        damaged = self._damaged(tag.start(), f"<{tag.group(2).decode()}> is not closed "
                                "before the next record starts")
        self._open(tag.start())
        return [damaged]

    def _open(self, start: int) -> None:
        self._to_envelope(start)
        self._start_line = self._line
        self._depth = 1
        if self._context is None:
            self._context = _Context.of(self._envelope)

    def _stray_end(self, end: int) -> list[Piece]:
        """A ``</record>`` outside any record. With MARC fields before it, they are a record
        whose start tag is damaged (in a sound document only blanks lie between records);
        without, it is a stray tag, for the envelope's parser to report."""
        held = bytes(self._buffer[self._done:end])
        field = _FIELD.search(held)
        if field is None:
            self._to_envelope(end)
            return []
        # Before the first record, the document's start (and namespaces) comes first.
        start = held.rfind(b">", 0, field.start()) + 1 if self._context is None else 0
        start += len(held[start:]) - len(held[start:].lstrip())
        self._to_envelope(self._done + start)
        if self._context is None:
            self._context = _Context.of(self._envelope)
        self._start_line = self._line
        return [self._damaged(end, "a </record> without its start tag")]

    def _close(self, end: int) -> list[Piece]:
        span, line, offset = bytes(self._buffer[self._done:end]), self._start_line, self._at()
        self._consume(end)
        self._depth = 0
        return self._records(span, line, offset)

    def _damaged(self, end: int, reason: str) -> DamagedXml:
        span, line, offset = bytes(self._buffer[self._done:end]), self._start_line, self._at()
        self._consume(end)
        self._depth = 0
        self._scanned = max(self._scanned, end)
        return DamagedXml(span, line, f"not a well-formed MARCXML record (line {line}): {reason}",
                          offset)

    def _at(self) -> int:
        return self._base + self._done

    def _to_envelope(self, end: int) -> None:
        self._envelope.feed(bytes(self._buffer[self._done:end]))
        self._consume(end)

    def _consume(self, end: int) -> None:
        self._line += self._buffer.count(b"\n", self._done, end)
        self._done = end

    def _safe_end(self) -> int:
        """Where the bytes between records may be handed on: before a tag cut by the chunk."""
        cut = self._buffer.rfind(b"<", self._scanned)
        return len(self._buffer) if cut == -1 else max(cut, self._done)

    def _compact(self) -> None:
        # Once per chunk: deleting each record's bytes as it goes would copy the buffer each time.
        if self._done:
            self._base += self._done
            del self._buffer[:self._done]
            self._scanned -= self._done
            self._done = 0
        self._scanned = max(self._scanned, 0)

    def _oai(self) -> bool:
        return self._context is not None and self._context.oai

    # --- reading one record ------------------------------------------------------------------

    def _records(self, span: bytes, line: int, offset: int) -> list[Piece]:
        context = self._context or _Context.of(self._envelope)
        try:
            root = etree.fromstring(context.opening + span + context.closing, self._parser)
        except etree.XMLSyntaxError as exc:
            lines = line - 1
            reason = f"not a well-formed MARCXML record (line {(exc.lineno or 1) + lines}): "
            return [DamagedXml(span, line, reason + _message(exc, lines), offset)]
        if self._outer:
            return [span]
        records = [element for element in root.iter("{*}record")
                   if next(element.iterchildren(*_MARC_FIELDS), None) is not None]
        if not records and not context.oai and len(root):
            # A <record> without MARC fields: passed on, for the reader to reject it by name.
            records = [root[0]]
        return [etree.tostring(element, encoding="utf-8", with_tail=False) for element in records]


def _message(error: etree.XMLSyntaxError, offset: int) -> str:
    """The parser's message, its line numbers made lines of the stream, without the column."""
    text = _POSITION.sub("", str(error.msg or error))
    return _LINE.sub(lambda found: f"line {int(found.group(1)) + offset}", text)


@dataclass(frozen=True, slots=True)
class _Context:
    """What each record is parsed inside: the document's namespaces and encoding."""

    opening: bytes
    closing: bytes
    oai: bool

    @classmethod
    def of(cls, envelope: _Envelope) -> _Context:
        declared = envelope.namespaces()
        names = "".join(f' xmlns{":" + prefix if prefix else ""}="{_attribute(uri)}"'
                        for prefix, uri in declared.items())
        encoding = _ENCODING.match(envelope.prolog)
        head = b""
        if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            head = b'<?xml version="1.0" encoding="%s"?>' % encoding.group(1)
        return cls(head + b"<" + _CONTEXT + names.encode() + b">", b"</" + _CONTEXT + b">",
                   OAI_NAMESPACE.decode() in declared.values())


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


class _Envelope:
    """The document without its records, parsed to tell a damaged or truncated document,
    and to know the namespaces in scope where a record starts."""

    def __init__(self) -> None:
        self._parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False,
                                           no_network=True)
        self._open: list[etree._Element] = []
        self.prolog = b""
        """The first bytes of the document: its XML declaration and encoding."""
        self.error: etree.XMLSyntaxError | None = None

    def namespaces(self) -> dict[str, str]:
        """The namespaces declared where the document stands now ('' for the default)."""
        if not self._open:
            return {}
        return {prefix or "": uri for prefix, uri in self._open[-1].nsmap.items()}

    def feed(self, data: bytes) -> None:
        if len(self.prolog) < PROLOG_BYTES:
            self.prolog += data[:PROLOG_BYTES - len(self.prolog)]
        if self.error is None and data:
            try:
                self._parser.feed(data)
            except etree.XMLSyntaxError as exc:
                self.error = exc
            self._follow()

    def close(self) -> None:
        if self.error is None:
            try:
                self._parser.close()
            except etree.XMLSyntaxError as exc:
                self.error = exc

    def _follow(self) -> None:
        for event, element in self._parser.read_events():
            if event == "start":
                self._open.append(element)
            elif self._open:
                self._open.pop()
                element.clear()  # only the open elements' namespaces matter
