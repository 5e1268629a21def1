"""A reader of KBART title lists (NISO RP-9-2014, phase II): a vendor's titles in a package.

A KBART file is UTF-8 text, one header line naming the columns, then one title a line, the
values separated by tabs. Files as vendors really send them are read too:

    - a UTF-8 byte order mark, CRLF or CR line ends, blank lines;
    - header names in any case, with spaces or hyphens for underscores ("Title URL");
    - optional columns missing, and vendor columns of their own (ignored, and listed);
    - values wrapped in double quotes by a spreadsheet; trailing empty values cut off.

Three columns are required, because a title cannot be offered without them:
``publication_title`` (what the patron looks for), ``title_url`` (where the title opens)
and ``title_id`` (the vendor's own id: what tells a changed title from a new one when the
package is imported again). A file without one of them in its header is refused whole
(``SourceProtocolError``). A row that breaks the rules is never dropped: it comes back as a
``KbartProblem`` with its line number, its raw bytes and a reason naming the column, for the
quarantine; the other rows are read on. A value holding a control character (a NUL, a
vertical tab: no text, and no MARCXML record, may hold one) or a title_url that is no http(s)
address (an unclosed IPv6 bracket included) is such a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

from catalogue_sync.errors import SourceProtocolError

COLUMNS = (
    "publication_title", "print_identifier", "online_identifier", "date_first_issue_online",
    "num_first_vol_online", "num_first_issue_online", "date_last_issue_online",
    "num_last_vol_online", "num_last_issue_online", "title_url", "first_author", "title_id",
    "embargo_info", "coverage_depth", "notes", "publisher_name", "publication_type",
    "date_monograph_published_print", "date_monograph_published_online", "monograph_volume",
    "monograph_edition", "first_editor", "parent_publication_title_id",
    "preceding_publication_title_id", "access_type",
)
"""The 25 columns of KBART phase II, in the order the recommended practice lists them."""
REQUIRED = ("publication_title", "title_url", "title_id")
DATE_COLUMNS = ("date_first_issue_online", "date_last_issue_online",
                "date_monograph_published_print", "date_monograph_published_online")
PUBLICATION_TYPES = ("serial", "monograph")

_LINE_END = re.compile(rb"\r\n|\n|\r")
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
_HEADER_NOISE = re.compile(r"[\s\-]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters no text (and no XML record made of it) may hold: C0 controls but the tab and
line ends, and the two Unicode non-characters U+FFFE and U+FFFF."""
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class KbartTitle:
    """One row of a title list; every column as found (stripped), "" when empty or absent."""

    line: int
    publication_title: str
    title_url: str
    title_id: str
    print_identifier: str = ""
    online_identifier: str = ""
    date_first_issue_online: str = ""
    num_first_vol_online: str = ""
    num_first_issue_online: str = ""
    date_last_issue_online: str = ""
    num_last_vol_online: str = ""
    num_last_issue_online: str = ""
    first_author: str = ""
    embargo_info: str = ""
    coverage_depth: str = ""
    notes: str = ""
    publisher_name: str = ""
    publication_type: str = ""
    """"serial" or "monograph" (lower case), or "" when the file does not say."""
    date_monograph_published_print: str = ""
    date_monograph_published_online: str = ""
    monograph_volume: str = ""
    monograph_edition: str = ""
    first_editor: str = ""
    parent_publication_title_id: str = ""
    preceding_publication_title_id: str = ""
    access_type: str = ""

    @property
    def serial(self) -> bool:
        return self.publication_type == "serial"


@dataclass(frozen=True, slots=True)
class KbartProblem:
    """A row that could not be used: its line, why (naming the column), and its raw bytes."""

    line: int
    reason: str
    data: bytes
    title_id: str | None = None


@dataclass(slots=True)
class KbartList:
    """What a file held: the titles, the rows refused, and what its header said."""

    titles: list[KbartTitle] = field(default_factory=list)
    problems: list[KbartProblem] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    """Optional phase II columns the header lacks (their values are taken as empty)."""
    ignored_columns: list[str] = field(default_factory=list)
    """The vendor's own columns, not KBART's: not read."""


_KNOWN = frozenset(COLUMNS)
_TITLE_FIELDS = frozenset(f.name for f in fields(KbartTitle)) - {"line"}
assert _TITLE_FIELDS == _KNOWN, "KbartTitle must have one field per KBART column"


def read_kbart(data: bytes, origin: str) -> KbartList:
    """Read a whole title list; ``origin`` (file or URL) names it in errors."""
    lines = _LINE_END.split(data.removeprefix(BOM))
    header_at = next((n for n, raw in enumerate(lines) if raw.strip()), None)
    if header_at is None:
        raise SourceProtocolError("the KBART file is empty: no header line", url=origin)
    columns = _header(lines[header_at], origin)
    found = KbartList(missing_columns=[name for name in COLUMNS if name not in columns],
                      ignored_columns=[name for name in columns if name not in _KNOWN])
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines[header_at + 1:], start=header_at + 2):
        if raw.strip():
            _read_row(found, columns, number, raw, seen)
    return found


def _header(raw: bytes, origin: str) -> list[str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceProtocolError(f"the KBART header line is not UTF-8 text ({exc.reason} at "
                                  f"byte {exc.start}): is this a KBART file?", url=origin) from exc
    columns = [_column_name(cell) for cell in text.split("\t")]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        shown = ", ".join(name for name in columns if name)[:300] or "nothing"
        raise SourceProtocolError(
            f"the KBART header lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the header names: {shown}); is the file tab-separated?",
            url=origin)
    duplicated = sorted({name for name in columns if name in _KNOWN and columns.count(name) > 1})
    if duplicated:
        raise SourceProtocolError(f"the KBART header names {', '.join(duplicated)} twice",
                                  url=origin)
    return columns


def _column_name(cell: str) -> str:
    """"Title URL", " title-url ", "TITLE_URL" -> "title_url"."""
    return _HEADER_NOISE.sub("_", _unquoted(cell.strip().lstrip("\ufeff")).strip()).lower()


def _unquoted(value: str) -> str:
    """A value a spreadsheet wrapped in double quotes, unwrapped ("" inside is one ")."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def _read_row(found: KbartList, columns: list[str], number: int, raw: bytes,
              seen: dict[str, int]) -> None:
    try:
        values = _values(columns, raw)
        title = _title(number, values, seen)
    except _BadRow as bad:
        found.problems.append(KbartProblem(number, f"line {number}: {bad.reason}", raw,
                                           bad.title_id))
        return
    seen[title.title_id] = number
    found.titles.append(title)


class _BadRow(Exception):
    def __init__(self, reason: str, title_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.title_id = title_id


def _values(columns: list[str], raw: bytes) -> dict[str, str]:
    """The row's KBART values by column; trailing empty cells may be missing."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadRow(f"not UTF-8 text ({exc.reason} at byte {exc.start}); KBART files are "
                      "UTF-8") from exc
    cells = [_unquoted(cell.strip()).strip() for cell in text.split("\t")]
    extra = [cell for cell in cells[len(columns):] if cell]
    if extra:
        raise _BadRow(f"{len(cells)} values where the header names {len(columns)} columns "
                      f"(a tab inside a value?); first extra value: {extra[0][:60]!r}")
    cells += [""] * (len(columns) - len(cells))
    return {name: value for name, value in zip(columns, cells, strict=False) if name in _KNOWN}


def _title(number: int, values: dict[str, str], seen: dict[str, int]) -> KbartTitle:
    title_id = values.get("title_id", "")
    _check_text(values, title_id)
    for name in REQUIRED:
        if not values.get(name):
            raise _BadRow(f"{name} is empty (required)", title_id or None)
    if title_id in seen:
        raise _BadRow(f"title_id {title_id!r} is already on line {seen[title_id]}", title_id)
    if not _http_url(values["title_url"]):
        raise _BadRow(f"title_url is not an http(s) address: {values['title_url'][:80]!r}",
                      title_id)
    for name in DATE_COLUMNS:
        if values.get(name) and not _DATE.fullmatch(values[name]):
            raise _BadRow(f"{name} is not a date (YYYY, YYYY-MM or YYYY-MM-DD): "
                          f"{values[name][:40]!r}", title_id)
    kind = values.get("publication_type", "").lower()
    if kind and kind not in PUBLICATION_TYPES:
        raise _BadRow(f"publication_type is {values['publication_type'][:40]!r}, not serial "
                      "or monograph", title_id)
    return KbartTitle(line=number, **{**values, "publication_type": kind})


def _check_text(values: dict[str, str], title_id: str) -> None:
    """A value holding a control character is a damaged row, not a title to offer."""
    for name, value in values.items():
        if found := _CONTROL.search(value):
            raise _BadRow(f"{name} holds the control character U+{ord(found.group()):04X} "
                          f"(character {found.start() + 1}); KBART values are plain text",
                          None if _CONTROL.search(title_id) else title_id or None)


def _http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed or misplaced IPv6 bracket: "http://[x.example/"
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value
