"""The ``marc-file`` connector: a library's whole catalogue as one dump, a file or a URL.

    [libraries.poitiers-fm.connector]
    type = "marc-file"
    path = "/srv/dumps/poitiers-fm.mrc"   # or url = "https://ils.example.org/export.xml"
    max_shrink = 0.2                      # refuse a dump with 20 % fewer records than stored
    page_size = 500

The dump is ISO 2709 or MARCXML, told apart by its first byte, and read as a stream: memory
stays flat whatever its size. A dump is the whole catalogue (``snapshot``), so the pipeline
marks the records it lacks as deleted, unless the dump shrank by more than ``max_shrink``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
from lxml import etree
from pydantic import Field, model_validator

from catalogue_sync.errors import SourceProtocolError, SourceUnavailable
from catalogue_sync.marc.split import SEPARATORS, Iso2709Splitter
from catalogue_sync.marc.xmlsplit import DamagedXml, MarcXmlSplitter, Piece
from catalogue_sync.models import Cursor, HarvestRequest, Page, RawFormat, RawRecord, SourceInfo
from connectors.base import BaseConnector, ConnectorOptions

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
# Blank bytes and the UTF-8 byte order mark may come before the first record or "<?xml".
_LEADING_BLANKS = SEPARATORS + b"\xef\xbb\xbf"

Resume = dict[str, Any]


class MarcFileOptions(ConnectorOptions):
    """``[libraries.ID.connector]`` of a dump: exactly one of ``path`` and ``url``."""

    path: str | None = None
    """The dump on this machine (relative paths start from the working directory)."""
    url: str | None = None
    """Where to download the dump from (http or https)."""
    max_shrink: float = Field(0.2, ge=0.0, le=1.0)
    """Largest share of stored records a new dump may lack before it is refused as truncated."""
    page_size: int = Field(500, ge=1, le=10_000)
    """Records per page, i.e. between two saved checkpoints."""

    @model_validator(mode="after")
    def _one_source(self) -> MarcFileOptions:
        if (self.path is None) == (self.url is None):
            raise ValueError("give the dump's path or its url (one of the two)")
        return self


class _Chunks:
    """The dump's bytes, one chunk per ``read()`` (b"" at the end); sniffed bytes are replayed."""

    def __init__(self, read: Callable[[], Awaitable[bytes]]) -> None:
        self._read = read
        self._head: list[bytes] = []

    async def read(self) -> bytes:
        return self._head.pop(0) if self._head else await self._read()

    async def sniff(self) -> RawFormat | None:
        """'<' first means MARCXML, anything else ISO 2709; None for an empty dump."""
        while chunk := await self._read():
            self._head.append(chunk)
            first = b"".join(self._head).lstrip(_LEADING_BLANKS)[:1]
            if first:
                return RawFormat.MARCXML if first == b"<" else RawFormat.ISO2709
        return None


@dataclass
class _Dump:
    chunks: _Chunks
    format: RawFormat | None
    size: int | None
    file: dict[str, int] | None = None
    """Size and modification time of a local dump, to resume only the same file."""


class MarcFileConnector(BaseConnector[MarcFileOptions]):
    """A full catalogue dump (ISO 2709 or MARCXML) from a local file or a URL."""

    Options: ClassVar[type[ConnectorOptions]] = MarcFileOptions
    snapshot: ClassVar[bool] = True

    @property
    def max_shrink(self) -> float:
        """The largest share of the library's records a new dump may delete."""
        return self.options.max_shrink

    @property
    def source(self) -> str:
        """The dump's path or URL, as configured."""
        return self.options.path or self.options.url or ""

    async def check(self) -> SourceInfo:
        """The dump's size and format, with its first record."""
        async with self._open(0) as dump, aclosing(self._records(dump, 0, 0)) as records:
            first = await anext(records, None)
        kind = "path" if self.options.path is not None else "url"
        found = dump.format.value if dump.format else "empty"
        return SourceInfo(
            summary={kind: self.source, "size": _size(dump.size), "format": found},
            formats=[dump.format.value] if dump.format else [],
            sample=first[1] if first else None,
        )

    async def harvest(self, request: HarvestRequest) -> AsyncIterator[Page]:
        """The whole dump, ``page_size`` records a page; ``since`` is ignored (it is a dump)."""
        offset, skip = self._resume_point(request.resume)
        batch: list[RawRecord] = []
        async with self._open(offset) as dump, aclosing(
            self._records(dump, offset, skip)
        ) as records:
            async for resume, record in records:
                if len(batch) == self.options.page_size:
                    yield Page(batch, Cursor(resume=resume, next_since=None))
                    batch = []
                batch.append(record)
        yield Page(batch, Cursor(resume=None, next_since=None))

    def _resume_point(self, resume: Resume | None) -> tuple[int, int]:
        """(byte offset, records to skip) to go on with an interrupted harvest of this file."""
        if not resume or self.options.path is None:
            return 0, 0  # a download cannot be resumed in the middle: start again
        if resume.get("file") != _file_identity(Path(self.options.path)):
            log.info("dump changed since the interrupted harvest; reading it from the start",
                     extra={"library": self.library.id, "path": self.options.path})
            return 0, 0
        return int(resume.get("offset", 0)), int(resume.get("record", 0))

    # --- opening the dump -----------------------------------------------------------------

    @asynccontextmanager
    async def _open(self, offset: int) -> AsyncIterator[_Dump]:
        if self.options.path is not None:
            async with self._open_file(Path(self.options.path), offset) as dump:
                yield dump
        else:
            async with self._open_url(self.options.url or "") as dump:
                yield dump

    @asynccontextmanager
    async def _open_file(self, path: Path, offset: int) -> AsyncIterator[_Dump]:
        try:
            with path.open("rb") as handle:
                handle.seek(offset)
                chunks = _Chunks(lambda: asyncio.to_thread(handle.read, CHUNK_SIZE))
                size = os.fstat(handle.fileno()).st_size
                yield _Dump(chunks, await chunks.sniff(), size, _file_identity(path))
        except OSError as exc:
            raise SourceUnavailable(
                f"cannot read the dump: {exc.strerror or exc}", library=self.library.id,
                url=str(path),
            ) from exc

    @asynccontextmanager
    async def _open_url(self, url: str) -> AsyncIterator[_Dump]:
        try:
            async with self.client.stream("GET", url, follow_redirects=True) as response:
                self._check_status(response)
                body = response.aiter_bytes(CHUNK_SIZE)
                chunks = _Chunks(lambda: anext(body, b""))
                length = response.headers.get("content-length", "")
                yield _Dump(chunks, await chunks.sniff(), int(length) if length.isdigit() else None)
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                f"download failed ({type(exc).__name__}: {exc})", library=self.library.id, url=url
            ) from exc

    def _check_status(self, response: httpx.Response) -> None:
        status, where = response.status_code, {"library": self.library.id, "url": self.source}
        if status == 429 or status >= 500:
            raise SourceUnavailable(f"HTTP {status} {response.reason_phrase}; retry later", **where)
        if status >= 400:
            raise SourceProtocolError(
                f"HTTP {status} {response.reason_phrase}; check the dump's url", code=str(status),
                **where,
            )

    # --- records ----------------------------------------------------------------------------

    async def _records(
        self, dump: _Dump, offset: int, skip: int
    ) -> AsyncGenerator[tuple[Resume, RawRecord], None]:
        """Each record with the resume state that restarts the harvest at that record."""
        if dump.format is RawFormat.ISO2709:
            async for at, data in _iso2709_records(dump.chunks, offset):
                resume = {"offset": at, "file": dump.file}
                yield resume, self._raw(data, RawFormat.ISO2709, f"offset={at}")
        elif dump.format is RawFormat.MARCXML:
            number = 0
            async for piece in self._marcxml_records(dump.chunks):
                number += 1
                if number > skip:
                    resume = {"record": number - 1, "file": dump.file}
                    yield resume, self._xml_raw(piece, number)

    async def _marcxml_records(self, chunks: _Chunks) -> AsyncIterator[Piece]:
        """Each record of the dump, and each damaged one, at its place."""
        splitter = MarcXmlSplitter()
        try:
            while chunk := await chunks.read():
                for piece in splitter.feed(chunk):
                    yield piece
            for piece in splitter.close():
                yield piece
        except etree.XMLSyntaxError as exc:
            raise SourceProtocolError(
                f"the dump is not well-formed XML and holds no record (line {exc.lineno}): "
                f"{exc.msg}", library=self.library.id, url=self.source,
            ) from exc
        self._report(splitter)

    def _report(self, splitter: MarcXmlSplitter) -> None:
        where = {"library": self.library.id, "source": self.source}
        if splitter.removed:
            log.warning("removed %d characters that XML forbids", splitter.removed, extra=where)
        if splitter.envelope_error:
            log.warning("the XML around the dump's records is damaged (%s): the dump may be "
                        "truncated", splitter.envelope_error, extra=where)

    def _xml_raw(self, piece: Piece, number: int) -> RawRecord:
        if isinstance(piece, DamagedXml):
            return self._raw(piece.data, RawFormat.MARCXML, f"record={number}", piece.reason)
        return self._raw(piece, RawFormat.MARCXML, f"record={number}")

    def _raw(self, data: bytes, raw_format: RawFormat, position: str,
             damage: str | None = None) -> RawRecord:
        return RawRecord(
            local_id=None, datestamp=None, deleted=False, data=data, format=raw_format,
            origin=f"{self.source}#{position}", damage=damage,
        )


async def _iso2709_records(chunks: _Chunks, offset: int) -> AsyncIterator[tuple[int, bytes]]:
    splitter = Iso2709Splitter(offset)
    while chunk := await chunks.read():
        for found in splitter.feed(chunk):
            yield found
    for found in splitter.close():
        yield found


def _file_identity(path: Path) -> dict[str, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _size(size: int | None) -> str:
    return "unknown" if size is None else f"{size} bytes"
