"""An OAI-PMH request's arguments, checked as the protocol says, or the OAI error to answer.

The arguments come as (name, value) pairs in the order sent (a query string or a form
body), so that repeated arguments are seen. Every problem is an ``OaiError`` carrying its
OAI error code; nothing else escapes, whatever the input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from catalogue_sync.export.text import clean
from catalogue_sync.store.oai import Window

VERBS: dict[str, frozenset[str]] = {
    "Identify": frozenset(),
    "ListMetadataFormats": frozenset({"identifier"}),
    "ListSets": frozenset({"resumptionToken"}),
    "GetRecord": frozenset({"identifier", "metadataPrefix"}),
    "ListIdentifiers": frozenset({"metadataPrefix", "from", "until", "set", "resumptionToken"}),
    "ListRecords": frozenset({"metadataPrefix", "from", "until", "set", "resumptionToken"}),
}
"""Each verb and the arguments it takes."""
REQUIRED = {"GetRecord": ("identifier", "metadataPrefix"),
            "ListIdentifiers": ("metadataPrefix",), "ListRecords": ("metadataPrefix",)}
MAX_VALUE = 2_000
"""Longer argument values are refused (badArgument): no real request needs them."""
# The protocol's own syntax (OAI-PMH.xsd), so that what is echoed in <request> is valid.
METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")


class OaiError(Exception):
    """An OAI-PMH error condition: its code and a message for the harvester's operator."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = clean(message)[:500]
        super().__init__(f"{code}: {self.message}")

    @property
    def echoes_arguments(self) -> bool:
        """badVerb and badArgument answers must not repeat the request's arguments."""
        return self.code not in ("badVerb", "badArgument")


@dataclass(frozen=True, slots=True)
class OaiRequest:
    """A request whose arguments are well formed (what they name may still not exist)."""

    verb: str
    arguments: dict[str, str] = field(default_factory=dict)
    """As sent, to echo in the answer's <request>."""
    window: Window = field(default_factory=Window)

    def get(self, name: str) -> str | None:
        return self.arguments.get(name)


def parse_request(pairs: Sequence[tuple[str, str]]) -> OaiRequest:
    """The request, or OaiError (badVerb, badArgument) saying what is wrong with it."""
    verbs = [value for name, value in pairs if name == "verb"]
    if not verbs:
        raise OaiError("badVerb", "no verb given")
    if len(verbs) > 1:
        raise OaiError("badVerb", "the verb is given more than once")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb[:100]!r} is not an OAI-PMH verb "
                                  f"({', '.join(VERBS)})")
    arguments = _arguments(verb, [(name, value) for name, value in pairs if name != "verb"])
    _check_exclusive(verb, arguments)
    _check_syntax(arguments)
    return OaiRequest(verb, arguments, _window(arguments))


def _arguments(verb: str, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name not in VERBS[verb]:
            raise OaiError("badArgument", f"{verb} does not take the argument {name[:100]!r}")
        if name in arguments:
            raise OaiError("badArgument", f"the argument {name!r} is given more than once")
        # A token's length is the token's business (badResumptionToken, see tokens.py).
        too_long = len(value) > MAX_VALUE and name != "resumptionToken"
        if not value or too_long or _has_controls(value):
            raise OaiError("badArgument", f"the value of {name!r} is empty, too long or holds "
                                          "control characters")
        arguments[name] = value
    return arguments


def _has_controls(value: str) -> bool:
    return any(ord(character) < 0x20 or 0xD800 <= ord(character) <= 0xDFFF
               or ord(character) in (0xFFFE, 0xFFFF) for character in value)


def _check_exclusive(verb: str, arguments: dict[str, str]) -> None:
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument: "
                                          "send it with the verb alone")
        return
    missing = [name for name in REQUIRED.get(verb, ()) if name not in arguments]
    if missing:
        raise OaiError("badArgument", f"{verb} needs {' and '.join(missing)}")


def _check_syntax(arguments: dict[str, str]) -> None:
    prefix = arguments.get("metadataPrefix")
    if prefix is not None and not METADATA_PREFIX.fullmatch(prefix):
        raise OaiError("badArgument", "metadataPrefix is not a metadata prefix")
    spec = arguments.get("set")
    if spec is not None and not SET_SPEC.fullmatch(spec):
        raise OaiError("badArgument", "set is not a setSpec")
    identifier = arguments.get("identifier")
    if identifier is not None and _UNSAFE.search(identifier):
        raise OaiError("badArgument", "identifier is not a URI")


def _window(arguments: dict[str, str]) -> Window:
    start, end = arguments.get("from"), arguments.get("until")
    if start and end and len(start) != len(end):
        raise OaiError("badArgument", "from and until must have the same granularity")
    window = Window(_instant(start, "from") if start else None,
                    _instant(end, "until", end=True) if end else None)
    if window.start and window.end and window.start >= window.end:
        raise OaiError("badArgument", "from is later than until")
    return window


def _instant(value: str, name: str, *, end: bool = False) -> datetime:
    """A UTC datestamp; for ``until`` (inclusive) the first instant after it."""
    try:
        if DAY.fullmatch(value):
            moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        if SECOND.fullmatch(value):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return moment + timedelta(seconds=1) if end else moment
    except (ValueError, OverflowError):
        pass
    raise OaiError("badArgument", f"{name} is not a UTC datestamp (YYYY-MM-DD or "
                                  "YYYY-MM-DDThh:mm:ssZ)")
