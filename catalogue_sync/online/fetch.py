"""A vendor's title list, from a file or over HTTP(S), as bytes.

HTTP failures are translated here (``raise ... from``): a timeout, a refused connection, 429
or 5xx is ``SourceUnavailable`` (try again later); another 4xx is ``SourceProtocolError``
(the address is wrong). Lists are small (a few MB for tens of thousands of titles); one
larger than ``MAX_BYTES`` is refused rather than read into memory.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from catalogue_sync.errors import SourceProtocolError, SourceUnavailable

MAX_BYTES = 200 * 1024 * 1024
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


async def fetch_list(location: str, client: httpx.AsyncClient, *, source: str) -> bytes:
    """The bytes of the list at ``location`` (a path, or an http(s) URL); ``source`` (the
    package's source id) names it in errors."""
    if is_url(location):
        return await _download(location, client, source)
    return _read(Path(location), source)


def _read(path: Path, source: str) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SourceProtocolError(f"the file is larger than {MAX_BYTES // 2**20} MB: is it "
                                      "a KBART title list?", library=source, url=str(path))
        return path.read_bytes()
    except OSError as exc:
        raise SourceUnavailable(f"cannot read the title list: {exc.strerror or exc}",
                                library=source, url=str(path)) from exc


async def _download(url: str, client: httpx.AsyncClient, source: str) -> bytes:
    try:
        async with client.stream("GET", url, follow_redirects=True,
                                 timeout=TIMEOUT) as response:
            _check_status(response, url, source)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise SourceProtocolError(f"the answer is larger than {MAX_BYTES // 2**20} "
                                              "MB: is it a KBART title list?", library=source,
                                              url=url)
            return bytes(body)
    except httpx.HTTPError as exc:
        raise SourceUnavailable(f"download failed ({type(exc).__name__}: {exc}); try again "
                                "later", library=source, url=url) from exc


def _check_status(response: httpx.Response, url: str, source: str) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise SourceUnavailable(f"HTTP {status} {response.reason_phrase}; try again later",
                                library=source, url=url)
    if status >= 400:
        raise SourceProtocolError(f"HTTP {status} {response.reason_phrase}; check the list's "
                                  "address", library=source, url=url, code=str(status))
