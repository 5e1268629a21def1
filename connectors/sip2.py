"""The ``sip2`` patron directory: card and PIN checked over SIP2 (3M Standard Interchange
Protocol 2.00), which nearly every ILS speaks (Koha, Evergreen, Symphony, Aloes, Orphée...).

    93  Login (optional)          CN user, CO password, CP location   ->  94, "1" = accepted
    63  Patron Information        AO institution, AA card, AD PIN      ->  64

What counts as acceptance (every other answer is a refusal, with its reason):

=====================================================  ====================================
64 answer                                              verdict
=====================================================  ====================================
no BL field, or BL=Y without a CQ field                refused, ``incomplete-answer``
BL=N (not a valid patron)                              refused, ``unknown-card``
CQ=N (not a valid password)                            refused, ``wrong-pin``
patron status "card reported lost" (position 5)        refused, ``lost``
the ``expiry_field`` (PA) holds a date before today     refused, ``expired``, with the date
patron status "charge privileges denied" (position 1)  accepted, unless
                                                       ``refuse_charge_denied = true``
                                                       (then ``blocked``)
BL=Y and CQ=Y otherwise                                accepted, category from
                                                       ``category_field`` (PC)
=====================================================  ====================================

"Charge privileges denied" does not refuse by default: ILSs set it for unpaid fines, overdue
loans or too many items, which stop a patron borrowing books, not reading the press online.
Koha sets it for an expired card too, and its 64 carries no expiry date (its PA is the "PAC
access type" extension): over SIP2, Koha's expired cards are told from debarred ones only by
an ``expiry_field`` the ILS fills; koha-rest reads Koha's own ``expired``.
An empty PIN, or a card or PIN SIP2 cannot carry (a ``|``, a line break, a character the
encoding lacks), is refused without asking the ILS: some ILSs accept any patron when AD is
empty.

One connection per check: sign-ins are rare (a few a minute per library), a SIP2 connection
carries one exchange at a time, so a shared one would queue the network's sign-ins behind
each other and need reconnecting after each ILS's idle timeout. The connection is closed
after the answer, whatever happens. ``timeout`` bounds the whole check: connection, login and
answer.

Timeouts, refused connections and a connection closed without an answer are
``SourceUnavailable``; a refused login, a bad checksum or an answer that is not SIP2 are
``SourceProtocolError``. The card number and the PIN never appear in an error, a log line or
a repr: errors say what was wrong with the answer, never what it held.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

import httpx
from pydantic import Field, field_validator, model_validator

from catalogue_sync.config import LibraryConfig
from catalogue_sync.errors import SourceError, SourceProtocolError, SourceUnavailable
from catalogue_sync.patrons import PatronCheck, Refusal
from connectors.base import Configured, ConnectorOptions

log = logging.getLogger(__name__)

MAX_FRAME = 16 * 1024
"""An answer longer than this is not a patron's (64 messages are a few hundred bytes)."""
FIELD_ID = re.compile(r"^[A-Z][A-Z0-9]$")
TRAILER = re.compile(rb"(?:AY(\d))?AZ([0-9A-Fa-f]{4})$")
FIXED_64 = 14 + 3 + 18 + 6 * 4
"""Patron status, language, transaction date and six counts precede 64's fields."""
FIXED_LENGTHS = {"64": FIXED_64, "94": 1}
"""The fixed part of each answer this client reads (94: the login's "ok")."""
CLOSING_TIME = 1.0
"""Seconds a closing connection is waited for (a TLS peer may never acknowledge)."""
CHARGE_DENIED, CARD_LOST = 0, 4
"""Positions in the 14-character patron status."""
UNSENDABLE = ("|", "\r", "\n")


class Sip2Options(ConnectorOptions):
    """``[libraries.ID.patrons]`` options of the sip2 directory."""

    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    institution: str = Field(min_length=1)
    """The institution id (AO) the ILS expects, e.g. Koha's SIP institution."""
    login: str | None = None
    password_env: str | None = None
    """A SIP2 account (93 Login, CN) and the environment variable holding its password (CO)."""
    location: str | None = None
    """The location code (CP) sent with the login, when the ILS wants one."""
    encoding: str = "cp850"
    """The character set of the SIP2 server (cp850 in the standard; Koha lets it be utf-8)."""
    timeout: float = Field(default=5.0, gt=0, le=60)
    """Seconds for the whole check: connection, login and answer."""
    error_detection: bool = True
    """Send a sequence number and checksum (AY, AZ), and verify the answer's checksum."""
    category_field: str = "PC"
    """The field carrying the patron's category (PC, "patron class", in Koha and Evergreen)."""
    expiry_field: str | None = "PA"
    """The field carrying the card's expiry date (YYYYMMDD), an extension some ILSs send;
    when the answer has no such field, expiry is left to the ILS's own BL and CQ."""
    refuse_charge_denied: bool = False
    """Refuse patrons whose status says "charge privileges denied" (see the module doc)."""
    tls: bool = False
    """Speak SIP2 inside TLS (an stunnel in front of the ILS, or its own TLS port)."""
    tls_ca_file: str | None = None
    """The CA certificate(s) that sign the ILS's, when not a public one."""

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown character set {value!r} (e.g. cp850, utf-8)") from None
        return value

    @field_validator("category_field", "expiry_field")
    @classmethod
    def _field_id(cls, value: str | None) -> str | None:
        if value is not None and not FIELD_ID.match(value):
            raise ValueError(f"a SIP2 field id is two capitals, such as PC, not {value!r}")
        return value

    @field_validator("institution", "login", "location")
    @classmethod
    def _sendable(cls, value: str | None) -> str | None:
        if value is not None and any(char in value for char in UNSENDABLE):
            raise ValueError("SIP2 cannot carry '|' or line breaks in a field")
        return value

    @model_validator(mode="after")
    def _login_and_password(self) -> Sip2Options:
        if (self.login is None) != (self.password_env is None):
            raise ValueError("login and password_env go together (93 Login)")
        if self.location is not None and self.login is None:
            raise ValueError("location is sent with the login: give login and password_env")
        if self.tls_ca_file is not None and not self.tls:
            raise ValueError("tls_ca_file needs tls = true")
        return self


@dataclass(frozen=True, slots=True)
class Answer:
    """One SIP2 message from the ILS: its command, fixed part and first value of each field.

    Never logged or put in an error: a 64 answer holds the card number and the name.
    """

    command: str
    fixed: str
    fields: dict[str, str]

    def __repr__(self) -> str:
        return f"Answer({self.command!r}, fields={sorted(self.fields)})"


class Sip2Directory(Configured[Sip2Options]):
    """Checks a card and PIN with the library's ILS over SIP2 (63 Patron Information)."""

    Options: ClassVar[type[ConnectorOptions]] = Sip2Options
    table: ClassVar[str] = "patrons"

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        super().__init__(library, client)  # the client is not used: SIP2 is not HTTP
        self.timeout = self.options.timeout
        self.password = self.secret(self.options.password_env)
        scheme = "sip2+tls" if self.options.tls else "sip2"
        self.address = f"{scheme}://{self.options.host}:{self.options.port}"

    def __repr__(self) -> str:
        return f"Sip2Directory({self.library.id!r}, {self.address!r})"

    async def check(self, card: str, pin: str) -> PatronCheck:
        """The ILS's verdict on this card and PIN (see the module docstring)."""
        unsendable = self.unsendable(card, pin)
        if unsendable is not None:
            return PatronCheck.refuse(unsendable)
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.ask(card, pin)
        except TimeoutError as exc:
            raise self.unavailable(f"no answer within {self.timeout:g} s") from exc
        except OSError as exc:  # refused, reset, unreachable, TLS handshake
            raise self.unavailable(f"cannot reach the ILS ({type(exc).__name__})") from exc
        try:
            verdict = patron_verdict(answer, self.options)
        except ValueError as exc:
            raise self.protocol_error(str(exc)) from None
        log.info("sip2 patron check", extra={"library": self.library.id,
                                             "accepted": verdict.accepted,
                                             "reason": verdict.reason})
        return verdict

    def unsendable(self, card: str, pin: str) -> Refusal | None:
        """Why this card or PIN cannot be asked about (checked before any connection)."""
        if not self.sendable(card):
            return "unknown-card"
        if not pin or not self.sendable(pin):
            return "wrong-pin"
        return None

    def sendable(self, value: str) -> bool:
        if not value or any(char in value for char in UNSENDABLE):
            return False
        try:
            value.encode(self.options.encoding)
        except UnicodeEncodeError:  # never re-raised: the exception holds the value
            return False
        return True

    async def ask(self, card: str, pin: str) -> Answer:
        """Log in if configured, then ask 63 Patron Information; the 64 answer."""
        async with self.connection() as (reader, writer):
            sequence = 0
            if self.options.login is not None:
                await self.log_in(reader, writer, sequence)
                sequence += 1
            answer = await self.exchange(reader, writer, patron_information(
                self.options.institution, card, pin), sequence)
        if answer.command != "64":
            raise self.protocol_error(f"the answer to 63 Patron Information is a "
                                      f"{answer.command!r} message, not 64")
        if len(answer.fixed) < FIXED_64:
            raise self.protocol_error("the 64 answer is shorter than its fixed fields")
        return answer

    async def log_in(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     sequence: int) -> None:
        location = "" if self.options.location is None else f"CP{self.options.location}|"
        message = f"9300CN{self.options.login}|CO{self.password or ''}|{location}"
        answer = await self.exchange(reader, writer, message, sequence)
        if answer.command != "94" or not answer.fixed:
            raise self.protocol_error(f"the answer to 93 Login is a {answer.command!r} "
                                      "message, not 94")
        if answer.fixed[0] != "1":
            raise SourceProtocolError(
                f"the ILS refused the SIP2 login '{self.options.login}' (94{answer.fixed[0]}); "
                "check the account and the password in the environment",
                library=self.library.id, url=self.address, code="94" + answer.fixed[0])

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[tuple[asyncio.StreamReader,
                                                      asyncio.StreamWriter]]:
        """A fresh connection, closed on the way out whatever happened."""
        reader, writer = await asyncio.open_connection(
            self.options.host, self.options.port, ssl=self.tls_context(), limit=MAX_FRAME)
        try:
            yield reader, writer
        finally:
            writer.close()
            with suppress(OSError, TimeoutError):
                async with asyncio.timeout(CLOSING_TIME):
                    await writer.wait_closed()

    def tls_context(self) -> ssl.SSLContext | None:
        if not self.options.tls:
            return None
        return ssl.create_default_context(cafile=self.options.tls_ca_file)

    async def exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       message: str, sequence: int) -> Answer:
        """Send one message and read its answer; a 96 (resend) is honoured once."""
        data = encode(message, self.options.encoding,
                      sequence if self.options.error_detection else None)
        for _ in range(2):
            writer.write(data)
            await writer.drain()
            frame = await self.read_frame(reader)
            if not frame.startswith(b"96"):
                return self.decode(frame, sequence)
        raise self.protocol_error("the ILS asked twice for our message again (96): the "
                                  "line corrupts messages, or the checksums differ")

    async def read_frame(self, reader: asyncio.StreamReader) -> bytes:
        try:
            frame = await reader.readuntil(b"\r")
        except asyncio.IncompleteReadError as exc:
            raise self.unavailable("the ILS closed the connection without answering") from exc
        except asyncio.LimitOverrunError as exc:
            raise self.protocol_error(f"an answer longer than {MAX_FRAME} bytes") from exc
        return frame.lstrip(b"\n")[:-1]  # some ILSs end messages with CR LF

    def decode(self, frame: bytes, sequence: int) -> Answer:
        body = self.checked_body(frame, sequence)
        try:
            text = body.decode(self.options.encoding)
        except UnicodeDecodeError:
            raise self.protocol_error(
                f"the answer is not {self.options.encoding}; check the encoding option") from None
        if len(text) < 2 or not text[:2].isdigit():
            raise self.protocol_error("the answer is not a SIP2 message")
        return parse_message(text)

    def checked_body(self, frame: bytes, sequence: int) -> bytes:
        """The frame without its AY/AZ trailer, whose checksum and sequence are verified."""
        found = TRAILER.search(frame)
        if found is None:
            return frame
        if self.options.error_detection:
            if not checksum_ok(frame):
                raise self.protocol_error("the answer's checksum (AZ) is wrong", "checksum")
            if found.group(1) is not None and int(found.group(1)) != sequence % 10:
                raise self.protocol_error("the answer's sequence number (AY) is not the "
                                          "question's: it answers another message")
        return frame[:found.start()]

    def unavailable(self, message: str) -> SourceError:
        return SourceUnavailable(message, library=self.library.id, url=self.address)

    def protocol_error(self, message: str, code: str | None = None) -> SourceError:
        return SourceProtocolError(message, library=self.library.id, url=self.address,
                                   code=code)


# -- the wire ------------------------------------------------------------------------------


def patron_information(institution: str, card: str, pin: str) -> str:
    """A 63 Patron Information request: language 001 (English, what every ILS knows), now,
    no item lists asked for (10 spaces)."""
    now = datetime.now().strftime("%Y%m%d    %H%M%S")
    return f"63001{now}{' ' * 10}AO{institution}|AA{card}|AD{pin}|"


def encode(message: str, encoding: str, sequence: int | None) -> bytes:
    """The frame of a message, with AY and AZ when error detection is on."""
    data = message.encode(encoding)
    if sequence is not None:
        data += f"AY{sequence % 10}AZ".encode("ascii")
        data += checksum(data).encode("ascii")
    return data + b"\r"


def checksum(data: bytes) -> str:
    """The SIP2 checksum: the two's complement of the byte sum, 16 bits, four hex digits."""
    return f"{-sum(data) & 0xFFFF:04X}"


def checksum_ok(frame: bytes) -> bool:
    """The bytes up to and including ``AZ`` plus the checksum sum to zero (16 bits)."""
    return (sum(frame[:-4]) + int(frame[-4:], 16)) & 0xFFFF == 0


def parse_message(text: str) -> Answer:
    """Split a decoded message into command, fixed part and fields (first value of each)."""
    command, rest = text[:2], text[2:]
    fixed_length = FIXED_LENGTHS.get(command, 0)
    fixed, fields = rest[:fixed_length], rest[fixed_length:]
    values: dict[str, str] = {}
    for field in fields.split("|"):
        if len(field) >= 2:
            values.setdefault(field[:2], field[2:])
    return Answer(command, fixed, values)


def patron_verdict(answer: Answer, options: Sip2Options) -> PatronCheck:
    """Accepted only when the ILS says both valid patron (BL) and valid password (CQ)."""
    valid_patron, valid_pin = answer.fields.get("BL"), answer.fields.get("CQ")
    if valid_patron == "N":
        return PatronCheck.refuse("unknown-card")
    if valid_patron != "Y" or valid_pin is None:
        return PatronCheck.refuse("incomplete-answer")
    if valid_pin != "Y":
        return PatronCheck.refuse("wrong-pin")
    status = answer.fixed[:14]
    if status[CARD_LOST] == "Y":
        return PatronCheck.refuse("lost")
    expires = expiry_date(answer, options.expiry_field)
    if expires is not None and expires < date.today():
        return PatronCheck.refuse("expired", expires)
    if options.refuse_charge_denied and status[CHARGE_DENIED] == "Y":
        return PatronCheck.refuse("blocked")
    return PatronCheck.accept(answer.fields.get(options.category_field, "").strip())


def expiry_date(answer: Answer, field: str | None) -> date | None:
    """The card's expiry date, when the answer gives one; a ValueError if the field holds
    something else than a date."""
    value = answer.fields.get(field or "", "").strip()
    if not field or not value:
        return None
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"the expiry field {field} does not hold a YYYYMMDD date; "
                         "check the expiry_field option") from None
