"""The sandbox's SIP2 server: the patrons of every sandbox library, as a Koha SIP server
answers about them (SIP2 2.00, CP850, one port for the whole network).

    93  Login          CN, CO: the sandbox's account (``SIP2_USER``, ``SIP2_PASSWORD``)
    99  SC Status      98, online
    63  Patron Info    AO = a library's id, AA card, AD PIN  ->  64

Like Koha's: a login is required first (a refused one is answered 940, then the connection
is closed); the 64 answer carries BL (valid patron), CQ (valid PIN), PC (category), AE (the
name, accents in CP850) and, in the patron status, the four "privileges denied" (charge,
renewal, recall, hold) for debarred, expired, lost and unknown cards and "card reported
lost" for lost ones, as Koha sets them. Unlike Koha, it adds PA, the card's expiry
(YYYYMMDD), an extension some ILSs send (Koha's PA is another one, "PAC access type"), so
that ``expiry_field`` has something to read. A request with a checksum gets one back; a
wrong checksum is answered 96 (resend).

Faults (``faults``, ``target="sip2"``) apply to 63 requests: ``timeout`` (silent for
``seconds``), ``unavailable`` (the connection closed without answer), ``missing-cq`` and
``bad-checksum``. The server is written independently of ``connectors.sip2``, which it tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from services.sandbox.faults import SIP2_FAULTS, FaultInjector, FaultKind, FaultTarget
from services.sandbox.generator import SandboxNetwork
from services.sandbox.koha_api import API_PASSWORD, API_USER
from services.sandbox.patrons import SandboxPatron, find_patron
from services.sandbox.state import RequestCounter

log = logging.getLogger(__name__)

SIP2_USER = API_USER
SIP2_PASSWORD = API_PASSWORD
"""The sandbox's SIP2 account: Koha's SIP accounts are staff users, so the API user serves."""
ENCODING = "cp850"
DEFAULT_PORT = 8101
TRAILER = re.compile(rb"(?:AY(\d))?AZ([0-9A-F]{4})$")
START_TIMEOUT = 10.0


class Sip2Sandbox:
    """Answers SIP2 connections about the patrons of a sandbox network."""

    def __init__(self, network: SandboxNetwork, faults: FaultInjector,
                 requests: RequestCounter) -> None:
        self.network = network
        self.faults = faults
        self.requests = requests
        self.connections: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: frames answered in turn until the client or a fault closes it."""
        task = asyncio.current_task()
        if task is not None:
            self.connections.add(task)
        try:
            await self.converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            if task is not None:
                self.connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def converse(self, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        logged_in = False
        while True:
            frame = (await reader.readuntil(b"\r"))[:-1].lstrip(b"\n")
            checked = verify(frame)
            if checked is None:
                writer.write(with_checksum(b"96", None))
                continue
            body, sequence = checked
            text = body.decode(ENCODING, errors="replace")
            if text.startswith("93"):
                logged_in = login_accepted(text)
                writer.write(with_checksum(f"94{int(logged_in)}".encode(), sequence))
                await writer.drain()
                if not logged_in:
                    return
            elif not logged_in:
                return  # as Koha: nothing is answered before a login
            elif text.startswith("99"):
                writer.write(with_checksum(status_answer().encode(ENCODING), sequence))
            elif text.startswith("63") and not await self.patron_information(
                    text, sequence, reader, writer):
                return

    async def patron_information(self, text: str, sequence: int | None,
                                 reader: asyncio.StreamReader,
                                 writer: asyncio.StreamWriter) -> bool:
        """Answer a 63 (faults applied); False: the connection is to be closed."""
        fields = request_fields(text[2 + 3 + 18 + 10:])
        library = fields.get("AO", "")
        self.requests.add(library, FaultTarget.SIP2)
        fault = self.faults.take(library, SIP2_FAULTS, FaultTarget.SIP2)
        kind = fault.kind if fault else None
        if kind is FaultKind.UNAVAILABLE:
            return False
        if fault is not None and kind is FaultKind.TIMEOUT and not await silence(
                reader, fault.seconds):
            return False
        answer = self.patron_answer(library, fields, drop_cq=kind is FaultKind.MISSING_CQ)
        frame = with_checksum(answer.encode(ENCODING), sequence,
                              wrong=kind is FaultKind.BAD_CHECKSUM)
        writer.write(frame)
        await writer.drain()
        return True

    def patron_answer(self, library: str, fields: dict[str, str], *, drop_cq: bool) -> str:
        """The 64 answer about the card in AA, for the library in AO."""
        card, pin = fields.get("AA", ""), fields.get("AD")
        known = library in {lib.id for lib in self.network.libraries}
        patron = find_patron(library, card) if known else None
        valid_pin = patron is not None and pin is not None and pin == patron.pin
        parts = [f"AO{library}", f"AA{card}", f"AE{patron.name if patron else ''}",
                 f"BL{'Y' if patron else 'N'}"]
        if not drop_cq:
            parts.append(f"CQ{'Y' if valid_pin else 'N'}")
        if patron is not None:
            parts += [f"PC{patron.category}", f"PA{patron.expires:%Y%m%d}"]
        parts.append(f"AF{screen_message(patron, valid_pin)}")
        fixed = patron_status(patron) + "001" + now_18() + "0000" * 6
        return "64" + fixed + "".join(f"{part}|" for part in parts)

    async def stop(self) -> None:
        """End every open connection (a silent fault may hold one for 30 s)."""
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)


# -- the wire ------------------------------------------------------------------------------


def verify(frame: bytes) -> tuple[bytes, int | None] | None:
    """The frame without its trailer and its sequence number; None if its checksum is wrong."""
    found = TRAILER.search(frame)
    if found is None:
        return frame, None
    if (sum(frame[:-4]) + int(found.group(2), 16)) & 0xFFFF:
        return None
    sequence = int(found.group(1)) if found.group(1) is not None else None
    return frame[:found.start()], sequence


def with_checksum(body: bytes, sequence: int | None, *, wrong: bool = False) -> bytes:
    """An answer frame; with AY and AZ when the request had a sequence number."""
    if sequence is None and not body.startswith(b"96"):
        return body + b"\r"
    data = body + (b"AZ" if sequence is None else f"AY{sequence}AZ".encode())
    total = (-sum(data) + (1 if wrong else 0)) & 0xFFFF
    return data + f"{total:04X}".encode() + b"\r"


def request_fields(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for field in text.split("|"):
        if len(field) >= 2:
            found.setdefault(field[:2], field[2:])
    return found


def login_accepted(text: str) -> bool:
    fields = request_fields(text[4:])
    return (fields.get("CN"), fields.get("CO")) == (SIP2_USER, SIP2_PASSWORD)


def patron_status(patron: SandboxPatron | None) -> str:
    """14 flags as Koha sets them: the four "privileges denied" (charge, renewal, recall,
    hold) for a debarred, expired or lost card, then "card reported lost"; for an unknown
    card, the four denied and nothing else."""
    if patron is None:
        return "YYYY" + " " * 10
    denied = "YYYY" if patron.charge_denied else "    "
    lost = "Y" if patron.lost_card else " "
    return f"{denied}{lost}         "


def screen_message(patron: SandboxPatron | None, valid_pin: bool) -> str:
    if patron is None:
        return "Carte inconnue"
    if not valid_pin:
        return "Mot de passe incorrect"
    if patron.expired:
        return "Abonnement expiré"
    return "Bienvenue"


def status_answer() -> str:
    return (f"98YYYNYN030003{now_18()}2.00AOsandbox|AMcatalogue-sync sandbox|"
            "BXNNNNYYYYNNNNNNNN|")


def now_18() -> str:
    return datetime.now().strftime("%Y%m%d    %H%M%S")


async def silence(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Say nothing for ``seconds``; False if the client hung up meanwhile."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(1024):
                pass
    except TimeoutError:
        return True
    return False


# -- running beside the HTTP server --------------------------------------------------------


@contextmanager
def serve_sip2(sandbox: Sip2Sandbox, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve SIP2 on ``host``:``port`` (0: a free port) in a background thread; the port."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[asyncio.Server] = loop.create_future()
    thread = threading.Thread(target=_run, args=(loop, sandbox, host, port, ready),
                              name=f"sandbox-sip2-{port}", daemon=True)
    thread.start()
    try:
        server = asyncio.run_coroutine_threadsafe(_wait(ready), loop).result(START_TIMEOUT)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=START_TIMEOUT)
        raise
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        asyncio.run_coroutine_threadsafe(_close(server, sandbox), loop).result(START_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=START_TIMEOUT)


def _run(loop: asyncio.AbstractEventLoop, sandbox: Sip2Sandbox, host: str, port: int,
         ready: asyncio.Future[asyncio.Server]) -> None:
    asyncio.set_event_loop(loop)

    async def start() -> None:
        try:
            ready.set_result(await asyncio.start_server(sandbox.handle, host, port))
        except OSError as exc:
            ready.set_exception(exc)

    loop.create_task(start())
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _wait(ready: asyncio.Future[asyncio.Server]) -> asyncio.Server:
    return await ready


async def _close(server: asyncio.Server, sandbox: Sip2Sandbox) -> None:
    server.close()
    await sandbox.stop()
    await server.wait_closed()
