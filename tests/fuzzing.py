"""Hypothesis strategies that damage real documents the way files and transfers break.

The fuzz tests run a fixed, derandomized budget (``FUZZ``) so CI is fast and stable;
``make fuzz`` runs them with a large random one (``CATALOGUE_SYNC_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_LONG_RUN = os.environ.get("CATALOGUE_SYNC_FUZZ_EXAMPLES")

FUZZ = settings(
    max_examples=int(_LONG_RUN or 200),
    derandomize=_LONG_RUN is None,  # the CI budget always tries the same examples
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Bytes that mean something to the readers: MARC separators, XML markup and entities.
TOKENS = [
    b"\x00", b"\x1d", b"\x1e", b"\x1f", b"\x1b", b"\xff", b"\xc3", b"0", b"9", b" ",
    b"<", b">", b"&", b"/", b'"', b"\n",
    b"<record>", b"</record>", b"<marc:record>", b"<record/>", b"</subfield>", b"<datafield>",
    b"</datafield>", b"<controlfield tag=\"001\">", b"<header>", b"</header>", b"<metadata>",
    b"</metadata>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<?pi x?>", b"<!DOCTYPE x>",
    b"&eacute;", b"&amp;", b"&#0;", b"&#x1;", b"&#xD800;", b"&#1114112;", b"&lt", b"&",
    b"00000", b"99999", b"nam a22", b"4500", b'xmlns="urn:x"', b'xmlns:marc="urn:y"',
]


_START_TAG = re.compile(rb"<([\w.:-]+)[^<>]*(?<!/)>")


@st.composite
def damaged(draw: st.DrawFn, data: bytes, start: int = 0, end: int | None = None) -> bytes:
    """``data`` with one to three damages (byte flips, insertions of markup or separators,
    deletions, duplicated spans, a whole element dropped), all between ``start`` and
    ``end``."""
    end = len(data) if end is None else end
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(start, max(start, end - 1)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "drop"]))
        if kind == "drop":
            tags = [found.start() for found in _START_TAG.finditer(data, start, end)]
            if tags:
                data, end = _drop_element(data, draw(st.sampled_from(tags)), end)
        elif kind == "flip":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif kind == "insert":
            token = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
            data, end = data[:at] + token + data[at:], end + len(token)
        else:
            length = draw(st.integers(1, 64))
            span = data[at:min(at + length, end)]
            data = (data[:at] + data[at + len(span):] if kind == "delete"
                    else data[:at] + span + data[at:])
            end += len(span) if kind == "duplicate" else -len(span)
    return data


def _drop_element(data: bytes, at: int, end: int) -> tuple[bytes, int]:
    """Without the first whole element starting after ``at`` (before ``end``), if any."""
    found = _START_TAG.search(data, at, end)
    if found is None:
        return data, end
    close = data.find(b"</" + found.group(1) + b">", found.end(), end)
    if close == -1:
        return data, end
    stop = close + len(found.group(1)) + 3
    return data[:found.start()] + data[stop:], end - (stop - found.start())


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` cut in chunks of the given sizes (cycled), as a stream delivers it."""
    chunks, at, turn = [], 0, 0
    while at < len(data):
        size = sizes[turn % len(sizes)] if sizes else len(data)
        chunks.append(data[at:at + size])
        at, turn = at + size, turn + 1
    return chunks


CHUNK_SIZES = st.lists(st.integers(1, 4096), min_size=0, max_size=4)
