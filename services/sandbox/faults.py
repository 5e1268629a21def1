"""Fault injection: make a sandbox library misbehave the way real ILSs do.

A fault targets one library (or ``"*"`` for all), lets ``after`` eligible requests through,
then affects the next ``count`` eligible ones and disappears. Kinds and the requests they
affect (OAI = ``/{library}/oai``, dumps = ``/{library}/dump.mrc|xml``, API = the Koha REST
API, ``/{library}/api/v1/...``, SIP2 = a patron information request (63) to the SIP2 server,
whose institution id is the library's id):

=================  =====================================================  ==================
kind               effect                                                 affects
=================  =====================================================  ==================
timeout            waits ``seconds`` (30) before answering                OAI, dumps, API,
                                                                          SIP2
unavailable        HTTP 503 with ``Retry-After: retry_after``; SIP2:      OAI, dumps, API,
                   the connection closed without an answer                SIP2
rate-limited       HTTP 429 with ``Retry-After: retry_after``             OAI, dumps, API
server-error       HTTP 500                                               OAI, dumps, API
truncated          the body cut in half (broken XML / ISO 2709)           OAI and dumps
oai-error          OAI error ``code`` with HTTP ``status`` (400)          OAI
bad-token          badResumptionToken                                     OAI with a token
repeat-token       the token received is sent back (endless list)         OAI with a token
invalid-chars      U+000B (or ``&#x1;`` with ``entity``) in a title       records, dump.xml
huge               one record gets ``size_mb`` MB (21) of 500 notes       records
broken-record      one record has no leader, only garbage                 records, dumps
expire-tokens      every token issued so far becomes invalid (at once)    (not counted)
missing-cq         the 64 answer without its CQ (valid password) field    SIP2
bad-checksum       the 64 answer with a wrong checksum (AZ)               SIP2
=================  =====================================================  ==================

"records" means responses that carry records: ListRecords and GetRecord. ``target`` narrows
a fault to one kind of request: ``oai``, ``dump``, ``api`` or ``sip2`` (``any`` by default), so
an ILS's REST API can be down while its OAI-PMH server answers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    """The misbehaviours a sandbox library can be asked for."""

    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate-limited"
    SERVER_ERROR = "server-error"
    TRUNCATED = "truncated"
    OAI_ERROR = "oai-error"
    BAD_TOKEN = "bad-token"
    REPEAT_TOKEN = "repeat-token"
    INVALID_CHARS = "invalid-chars"
    HUGE = "huge"
    BROKEN_RECORD = "broken-record"
    EXPIRE_TOKENS = "expire-tokens"
    MISSING_CQ = "missing-cq"
    BAD_CHECKSUM = "bad-checksum"


class FaultTarget(StrEnum):
    """Which requests of a library a fault may affect."""

    ANY = "any"
    OAI = "oai"
    DUMP = "dump"
    API = "api"
    SIP2 = "sip2"


HTTP_FAULTS = (FaultKind.TIMEOUT, FaultKind.UNAVAILABLE, FaultKind.RATE_LIMITED,
               FaultKind.SERVER_ERROR)
TOKEN_FAULTS = (FaultKind.BAD_TOKEN, FaultKind.REPEAT_TOKEN)
RECORD_FAULTS = (FaultKind.INVALID_CHARS, FaultKind.HUGE, FaultKind.BROKEN_RECORD)
SIP2_FAULTS = (FaultKind.TIMEOUT, FaultKind.UNAVAILABLE, FaultKind.MISSING_CQ,
               FaultKind.BAD_CHECKSUM)
ANY_LIBRARY = "*"

BROKEN_XML = (b'<record xmlns="http://www.loc.gov/MARC21/slim"><garbage>!!! not a MARC record'
              b" &#xE9;&lt;&gt; 0000</garbage></record>")
# The length is right, so a reader can skip the record; the base address and directory are not.
BROKEN_ISO = b"00050nam a22XXXXX   4500garbage: not a directory\x1e\x1d"
TITLE_START = re.compile(rb'<datafield tag="(?:245|200)"[^>]*><subfield code="a">')


@dataclass
class Fault:
    """One injected fault; ``count`` and ``after`` go down as requests come."""

    kind: FaultKind
    library: str = ANY_LIBRARY
    count: int = 1
    after: int = 0
    retry_after: int = 1
    seconds: float = 30.0
    entity: bool = False
    code: str = "badArgument"
    status: int = 400
    size_mb: float = 21.0
    target: FaultTarget = FaultTarget.ANY

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "kind": self.kind.value, "target": self.target.value}


class FaultInjector:
    """The faults waiting to happen, shared by the server thread and the tests."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._epochs: dict[str, int] = {}
        self._global_epoch = 0
        self._lock = threading.Lock()

    def inject(
        self, library: str, kind: FaultKind | str, *, count: int = 1, after: int = 0,
        retry_after: int = 1, seconds: float = 30.0, entity: bool = False,
        code: str = "badArgument", status: int = 400, size_mb: float = 21.0,
        target: FaultTarget | str = FaultTarget.ANY,
    ) -> Fault:
        """Make ``library`` (``"*"``: every library) misbehave; see the module docstring."""
        fault = Fault(FaultKind(kind), library, count, after, retry_after, seconds, entity,
                      code, status, size_mb, FaultTarget(target))
        if fault.count < 1 or fault.after < 0:
            raise ValueError("count must be at least 1 and after at least 0")
        if fault.kind is FaultKind.EXPIRE_TOKENS:
            self.expire_tokens(library)
            return fault
        with self._lock:
            self._faults.append(fault)
        return fault

    def expire_tokens(self, library: str = ANY_LIBRARY) -> None:
        """Invalidate every resumption token issued so far (for one library or all)."""
        with self._lock:
            if library == ANY_LIBRARY:
                self._global_epoch += 1
            else:
                self._epochs[library] = self._epochs.get(library, 0) + 1

    def epoch(self, library: str) -> int:
        """The token epoch a library's tokens must carry."""
        return self._global_epoch * 1_000_000 + self._epochs.get(library, 0)

    def clear(self, library: str | None = None) -> None:
        """Remove pending faults (of one library, or all)."""
        with self._lock:
            self._faults = [f for f in self._faults if library is not None
                            and f.library != library]

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, library: str, kinds: Iterable[FaultKind],
             target: FaultTarget = FaultTarget.ANY) -> Fault | None:
        """The fault that fires for this request among ``kinds``, counted down; or None.

        ``target`` is the kind of request asking: a fault aimed at another kind is left.
        """
        wanted = set(kinds)
        with self._lock:
            for fault in self._faults:
                if fault.kind not in wanted or fault.library not in (library, ANY_LIBRARY):
                    continue
                if fault.target not in (FaultTarget.ANY, target):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
                return fault
        return None


class MetadataMangler:
    """Corrupts one record of a page (the middle one, so the records around it are fine)."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault

    def __call__(self, records: list[bytes]) -> list[bytes]:
        changed = list(records)
        middle = len(changed) // 2
        changed[middle] = self.xml(changed[middle])
        return changed

    def xml(self, record: bytes) -> bytes:
        kind = self.fault.kind
        if kind is FaultKind.BROKEN_RECORD:
            return BROKEN_XML
        if kind is FaultKind.HUGE:
            # Many notes of ISO 2709's maximum field size rather than one giant text node:
            # the page is huge, yet each field is one a real ILS could hold.
            note = (b'<datafield tag="500" ind1=" " ind2=" "><subfield code="a">'
                    + b"Note d'exemplaire. " * 470 + b"</subfield></datafield>")
            notes = note * int(self.fault.size_mb * 1024 * 1024 / len(note) + 1)
            return record[: -len(b"</record>")] + notes + b"</record>"
        bad = b"&#x1;" if self.fault.entity else b"\x0b"
        found = TITLE_START.search(record)
        return record[: found.end()] + bad + record[found.end():] if found else record + bad

    def iso(self, record: bytes) -> bytes:
        """ISO 2709 only knows broken records (no leader, no directory)."""
        return BROKEN_ISO if self.fault.kind is FaultKind.BROKEN_RECORD else record
