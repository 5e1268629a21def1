"""The OAI-PMH 2.0 data provider of each sandbox library (protocol logic, no HTTP).

:meth:`OaiProvider.respond` takes a library, the request's arguments and the base URL and
returns the response document. Errors follow the specification: badVerb, badArgument,
badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch and
noSetHierarchy, all with HTTP 200 (the ``oai-error`` fault changes the status, as some ILSs
do). Deleted records are persistent. Misbehaviour asked for by fault injection arrives as
:class:`Quirks`, so this module stays a faithful provider unless told otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from services.sandbox import oaixml
from services.sandbox import tokens as tk
from services.sandbox.catalogue import INDEX_BITS, INDEX_MASK, LibraryCatalogue
from services.sandbox.generator import SandboxNetwork
from services.sandbox.works import SETS

ARGUMENTS: dict[str, tuple[set[str], set[str]]] = {
    # verb: (required, optional) besides the exclusive resumptionToken
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
RESUMABLE = {"ListSets", "ListIdentifiers", "ListRecords"}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
GRANULARITIES = {"seconds": "YYYY-MM-DDThh:mm:ssZ", "day": "YYYY-MM-DD"}
FOREVER = 2**40


class OaiError(Exception):
    """An OAI-PMH error condition; ``echo`` is False when the request must not be echoed."""

    def __init__(self, code: str, message: str, *, echo: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.echo = echo


@dataclass(frozen=True)
class Quirks:
    """Deliberate misbehaviour for one response, asked for by fault injection."""

    epoch: int = 0
    """Tokens carrying another epoch are refused (expired)."""
    bad_token: bool = False
    repeat_token: bool = False
    """Hand back the token received instead of the next one (a list that never ends)."""
    mangle: Callable[[list[bytes]], list[bytes]] | None = None
    """Rewrites the metadata of the records of this response."""


@dataclass(frozen=True)
class OaiReply:
    """A response document and its HTTP status."""

    body: bytes
    status: int = 200


class OaiProvider:
    """OAI-PMH for every library of a sandbox network."""

    def __init__(self, network: SandboxNetwork, *, page_size: int = 100) -> None:
        self.network = network
        self.page_size = page_size

    def respond(
        self, library_id: str, args: Sequence[tuple[str, str]], base_url: str,
        quirks: Quirks | None = None, now: datetime | None = None,
    ) -> OaiReply:
        """The response to one request (``args`` as received, repeated names included)."""
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        cat = self.network.catalogue(library_id)
        try:
            params = parse(args)
            body = self.dispatch(cat, params, base_url, quirks or Quirks())
            return OaiReply(oaixml.envelope(now, base_url, sorted(params.items()), body))
        except OaiError as exc:
            echo = sorted(dict(args).items()) if exc.echo else []
            return OaiReply(oaixml.envelope(now, base_url, echo,
                                            [oaixml.error(exc.code, exc.message)]))

    def error_document(self, code: str, message: str, base_url: str) -> bytes:
        """A bare error response (for the ``oai-error`` fault)."""
        now = datetime.now(UTC).replace(microsecond=0)
        return oaixml.envelope(now, base_url, [], [oaixml.error(code, message)])

    def dispatch(self, cat: LibraryCatalogue, params: dict[str, str], base_url: str,
                 quirks: Quirks) -> list[bytes]:
        verb = params["verb"]
        if verb == "Identify":
            return [self.identify(cat, base_url)]
        if verb == "ListMetadataFormats":
            if "identifier" in params:
                self.locate(cat, params["identifier"])
            return [oaixml.metadata_formats()]
        if verb == "ListSets":
            return [self.list_sets(cat, params)]
        if verb == "GetRecord":
            return self.get_record(cat, params, quirks)
        return self.list_records(cat, params, quirks)

    def identify(self, cat: LibraryCatalogue, base_url: str) -> bytes:
        library = cat.library
        day = library.granularity == "day"
        sample = identifier(library.id, library.local_id(0))
        return oaixml.identify(library.name, base_url, library.id,
                               oaixml.stamp(cat.earliest(), day),
                               GRANULARITIES[library.granularity], sample)

    def list_sets(self, cat: LibraryCatalogue, params: dict[str, str]) -> bytes:
        if not cat.library.sets:
            raise OaiError("noSetHierarchy", "this repository does not support sets")
        if "resumptionToken" in params:
            raise OaiError("badResumptionToken", "ListSets is never split")
        return oaixml.sets([(spec, SETS[spec]) for spec in cat.used_sets()])

    def locate(self, cat: LibraryCatalogue, oai_id: str) -> int:
        prefix = f"oai:{oaixml.repository_identifier(cat.library.id)}:"
        index = cat.find(oai_id[len(prefix):]) if oai_id.startswith(prefix) else None
        if index is None:
            raise OaiError("idDoesNotExist", f"no record {oai_id} in this repository")
        return index

    def get_record(self, cat: LibraryCatalogue, params: dict[str, str],
                   quirks: Quirks) -> list[bytes]:
        prefix = check_prefix(params["metadataPrefix"])
        index = self.locate(cat, params["identifier"])
        key = cat.datestamps[index] << INDEX_BITS | index
        record = self.records(cat, [key], prefix, quirks, with_metadata=True)
        return [b"<GetRecord>", *record, b"</GetRecord>"]

    def list_records(self, cat: LibraryCatalogue, params: dict[str, str],
                     quirks: Quirks) -> list[bytes]:
        verb = params["verb"]
        state = self.list_state(cat, params, quirks)
        size = cat.library.page_size or self.page_size
        keys, total, more = cat.select(state.set_spec, state.start, state.end, state.after, size)
        if not keys:
            raise OaiError("noRecordsMatch", "no records match the request")
        token = None
        if more:
            token = tk.encode(replace(state, after=keys[-1], cursor=state.cursor + len(keys)))
        if quirks.repeat_token and "resumptionToken" in params:
            token = params["resumptionToken"]
        body = [f"<{verb}>".encode()]
        body += self.records(cat, keys, state.prefix, quirks, with_metadata=verb == "ListRecords")
        if token is not None or state.cursor > 0:
            body.append(oaixml.resumption_token(token, total, state.cursor))
        body.append(f"</{verb}>".encode())
        return body

    def list_state(self, cat: LibraryCatalogue, params: dict[str, str],
                   quirks: Quirks) -> tk.ListState:
        """The list to continue (from a token) or to start (from the arguments)."""
        library = cat.library
        if "resumptionToken" in params:
            return read_token(params["resumptionToken"], params["verb"], library.id, quirks)
        prefix = check_prefix(params["metadataPrefix"])
        set_spec = params.get("set")
        if set_spec is not None and not library.sets:
            raise OaiError("noSetHierarchy", "this repository does not support sets")
        start, end = date_range(params.get("from"), params.get("until"), library.granularity)
        return tk.ListState(params["verb"], library.id, prefix, set_spec, start, end, None, 0,
                            quirks.epoch)

    def records(self, cat: LibraryCatalogue, keys: list[int], prefix: str, quirks: Quirks,
                *, with_metadata: bool) -> list[bytes]:
        """Header (and metadata) of each record, the fault's mangling applied."""
        day = cat.library.granularity == "day"
        local_id, repository = cat.library.local_id, oaixml.repository_identifier(cat.library.id)
        heads, metadata, live = [], [], []
        for key in keys:
            index = key & INDEX_MASK
            deleted = bool(cat.deleted[index])
            heads.append(oaixml.header(f"oai:{repository}:{local_id(index)}",
                                       oaixml.stamp(key >> INDEX_BITS, day), cat.sets(index),
                                       deleted))
            if with_metadata and not deleted:
                live.append(len(heads) - 1)
                metadata.append(cat.marcxml(index) if prefix == "marcxml"
                                else oaixml.dublin_core(cat.manifestation(index)))
        if quirks.mangle is not None and metadata:
            metadata = quirks.mangle(metadata)
        if not with_metadata:
            return [head.encode() for head in heads]
        blobs = dict(zip(live, metadata, strict=True))
        return [
            b"".join((b"<record>", head.encode(), b"<metadata>", blobs[i], b"</metadata></record>"))
            if i in blobs else b"".join((b"<record>", head.encode(), b"</record>"))
            for i, head in enumerate(heads)
        ]


def identifier(library_id: str, local_id: str) -> str:
    """The OAI identifier of a record, e.g. ``oai:mediatheque-fm.sandbox.test:1004``."""
    return f"oai:{oaixml.repository_identifier(library_id)}:{local_id}"


def parse(args: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Check the arguments against the verb: badVerb and badArgument as the spec says."""
    verbs = [value for name, value in args if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in ARGUMENTS:
        raise OaiError("badVerb", "missing, repeated or illegal verb", echo=False)
    names = [name for name, _ in args]
    if len(set(names)) != len(names):
        raise OaiError("badArgument", "repeated argument", echo=False)
    params = dict(args)
    verb = params["verb"]
    required, optional = ARGUMENTS[verb]
    given = set(params) - {"verb"}
    if "resumptionToken" in given and verb in RESUMABLE:
        if given != {"resumptionToken"}:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument", echo=False)
        return params
    if not required <= given or not given <= required | optional:
        raise OaiError("badArgument", f"{verb} takes {sorted(required)} and optionally "
                       f"{sorted(optional)}, not {sorted(given)}", echo=False)
    check_syntax(params)
    return params


def check_syntax(params: dict[str, str]) -> None:
    """Values the response echoes must be valid, so bad syntax is a badArgument."""
    if "set" in params and not SET_SPEC.fullmatch(params["set"]):
        raise OaiError("badArgument", "illegal setSpec", echo=False)
    if "metadataPrefix" in params and not PREFIX.fullmatch(params["metadataPrefix"]):
        raise OaiError("badArgument", "illegal metadataPrefix", echo=False)
    for name in ("from", "until"):
        if name in params and not (DAY.fullmatch(params[name]) or
                                   SECOND.fullmatch(params[name])):
            raise OaiError("badArgument", f"{name} is not a UTC datestamp", echo=False)


def check_prefix(prefix: str) -> str:
    if prefix not in oaixml.FORMATS:
        raise OaiError("cannotDisseminateFormat",
                       f"formats: {', '.join(oaixml.FORMATS)}; not {prefix}")
    return prefix


def date_range(start: str | None, end: str | None, granularity: str) -> tuple[int, int]:
    """Seconds since the epoch, inclusive; a day ``until`` runs to 23:59:59."""
    if start and end and len(start) != len(end):
        raise OaiError("badArgument", "from and until have different granularities", echo=False)
    low = parse_datestamp(start, granularity, end_of_day=False) if start else 0
    high = parse_datestamp(end, granularity, end_of_day=True) if end else FOREVER
    if low > high:
        raise OaiError("badArgument", "from is after until", echo=False)
    return low, high


def parse_datestamp(value: str, granularity: str, *, end_of_day: bool) -> int:
    if len(value) > 10 and granularity == "day":
        raise OaiError("badArgument", "this repository's granularity is YYYY-MM-DD", echo=False)
    try:
        pattern = "%Y-%m-%d" if len(value) == 10 else "%Y-%m-%dT%H:%M:%SZ"
        moment = datetime.strptime(value, pattern).replace(tzinfo=UTC)
    except ValueError:
        raise OaiError("badArgument", f"{value} is not a valid date", echo=False) from None
    stamp = int(moment.timestamp())
    return stamp + 86_399 if end_of_day and len(value) == 10 else stamp


def read_token(token: str, verb: str, library_id: str, quirks: Quirks) -> tk.ListState:
    if quirks.bad_token:
        raise OaiError("badResumptionToken", "the resumption token has expired")
    try:
        state = tk.decode(token)
    except tk.InvalidToken:
        raise OaiError("badResumptionToken", "unknown or damaged resumption token") from None
    if state.verb != verb or state.library != library_id:
        raise OaiError("badResumptionToken", f"this token is not for {verb} here")
    if state.epoch != quirks.epoch:
        raise OaiError("badResumptionToken", "the resumption token has expired")
    return state
