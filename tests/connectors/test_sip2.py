"""The sip2 patron directory against real SIP2 servers on loopback: pysip2's (an independent
implementation of SIP2 2.00, standing for a member library's ILS) and the sandbox's, whose
faults make the answers a real ILS sometimes gives. What a patron would notice: the right
verdict, a quick "the library cannot be asked now", and never their card or PIN in a log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import SocketAttribute
from pysip2 import (
    LOGIN,
    PATRON_INFORMATION,
    LoginRequest,
    LoginResponse,
    PatronInformationRequest,
    PatronInformationResponse,
    RequestContext,
    SIP2Server,
)
from pysip2.models import MESSAGE_SPECS_BY_TYPE, FieldSpec, MessageSpec, spec_for_type

from catalogue_sync.config import ConnectorConfig, LibraryConfig
from catalogue_sync.errors import (
    ConfigError,
    SourceError,
    SourceProtocolError,
    SourceUnavailable,
)
from catalogue_sync.models import Flavour
from catalogue_sync.patrons import PatronCheck
from connectors import registry
from connectors.sip2 import Sip2Directory
from services.sandbox import SandboxNetwork
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.sip2 import SIP2_USER
from services.sandbox.testing import SandboxServer, run_sandbox
from services.serving import free_port

pytestmark = pytest.mark.anyio
CARD, PIN = "C4RD7731SECRET", "P1N-SECRET"
"""Distinctive, so a leak into a message or a log line cannot hide."""
PASSWORD_ENV = "TEST_SIP2_PASSWORD"
SIP_PASSWORD = "s1p-acc0unt-pw"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- pysip2 as a member library's ILS --------------------------------------------------------


class KohaPatronInformation(PatronInformationResponse, frozen=True, kw_only=True):
    """64 with the extension fields Koha adds: PC (patron class) and PA (expiry date)."""

    patron_class: str | None = None
    expiry: str | None = None


MESSAGE_SPECS_BY_TYPE[KohaPatronInformation] = MessageSpec(
    "64", KohaPatronInformation, (*spec_for_type(PatronInformationResponse).fields,
                                  FieldSpec("patron_class", "PC"), FieldSpec("expiry", "PA")))


@dataclass
class Ils:
    """How the pysip2 ILS answers: its one patron, and what it leaves out."""

    name: str = "Hélène Çà-et-là"
    category: str | None = "ÉLÈVE"
    expiry: str | None = None
    status: str = " " * 14
    send_bl: bool = True
    send_cq: bool = True
    asked: list[PatronInformationRequest] = field(default_factory=list)

    def answer(self, request: PatronInformationRequest,
               ctx: RequestContext[Any, Any]) -> PatronInformationResponse:
        self.asked.append(request)
        known = request.patron_identifier == CARD
        pin_ok = known and request.patron_password == PIN
        return KohaPatronInformation(
            patron_status=self.status, language="001", transaction_date=ctx.now_18(),
            hold_items_count="0000", overdue_items_count="0000", charged_items_count="0000",
            fine_items_count="0000", recall_items_count="0000",
            unavailable_holds_count="0000", institution_id=request.institution_id,
            patron_identifier=request.patron_identifier,
            personal_name=self.name if known else "",
            valid_patron=("Y" if known else "N") if self.send_bl else None,
            valid_patron_password=("Y" if pin_ok else "N") if self.send_cq else None,
            patron_class=self.category if known else None,
            expiry=self.expiry if known else None)


@asynccontextmanager
async def pysip2_ils(ils: Ils, *, login_required: bool = False,
                     encoding: str = "cp850") -> AsyncIterator[int]:
    server = SIP2Server(login_required=login_required, encoding=encoding,
                        institution_id="BM-TEST")
    server.route(PATRON_INFORMATION)(ils.answer)

    @server.route(LOGIN)
    def login(request: LoginRequest, ctx: RequestContext[Any, Any]) -> LoginResponse:
        accepted = (request.login_user_id, request.login_password) == ("gateway", SIP_PASSWORD)
        return LoginResponse(ok="1" if accepted else "0")

    # Not server.start(): in pysip2 0.1.0 it leaves its listening socket open.
    listener = await server.listen("127.0.0.1", 0)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, server._handle_connection)
        yield listener.extra(SocketAttribute.local_port)
        group.cancel_scope.cancel()


def library(port: int, library_id: str = "bm-test", **options: Any) -> LibraryConfig:
    table = {"type": "sip2", "host": "127.0.0.1", "port": port, "institution": "BM-TEST",
             "timeout": 2.0, **options}
    return LibraryConfig.model_validate({
        "id": library_id, "name": "Bibliothèque", "flavour": Flavour.UNIMARC,
        "connector": {"type": "oai-pmh", "url": "http://ils.invalid/oai"},
        "patrons": {**table, "card_prefixes": ["C4"], "categories": {"ÉLÈVE": "youth"}}})


async def check(config: LibraryConfig, card: str = CARD, pin: str = PIN) -> PatronCheck:
    async with httpx.AsyncClient() as client:
        return await registry.build_directory(config, client).check(card, pin)


@pytest.fixture(autouse=True)
def sip_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, SIP_PASSWORD)


async def test_a_valid_card_and_pin_are_accepted_with_the_ils_category() -> None:
    ils = Ils()
    async with pysip2_ils(ils) as port:
        verdict = await check(library(port))
    assert verdict == PatronCheck.accept("ÉLÈVE")  # CP850 read as CP850
    assert (ils.asked[0].institution_id, ils.asked[0].language) == ("BM-TEST", "001")


async def test_a_utf8_ils_is_read_in_utf8() -> None:
    async with pysip2_ils(Ils(), encoding="utf-8") as port:
        assert await check(library(port, encoding="utf-8")) == PatronCheck.accept("ÉLÈVE")


async def test_a_plain_sip2_ils_without_a_category_field_gives_an_empty_category() -> None:
    async with pysip2_ils(Ils(category=None)) as port:
        assert await check(library(port)) == PatronCheck.accept("")


async def test_error_detection_can_be_off() -> None:
    async with pysip2_ils(Ils()) as port:
        assert (await check(library(port, error_detection=False))).accepted


@pytest.mark.parametrize(("card", "pin", "reason"), [
    (CARD, "P1N-WRONG", "wrong-pin"),
    ("C4RD0000UNKNOWN", PIN, "unknown-card"),
])
async def test_a_wrong_pin_or_an_unknown_card_is_refused(card: str, pin: str,
                                                         reason: str) -> None:
    async with pysip2_ils(Ils()) as port:
        assert await check(library(port), card, pin) == PatronCheck.refuse(reason)  # type: ignore[arg-type]


@pytest.mark.parametrize("ils", [Ils(send_cq=False), Ils(send_bl=False)],
                         ids=["no CQ", "no BL"])
async def test_an_answer_without_bl_or_cq_is_a_refusal(ils: Ils) -> None:
    # Some ILSs leave CQ out when they did not check the PIN: that is not a yes.
    async with pysip2_ils(ils) as port:
        assert await check(library(port)) == PatronCheck.refuse("incomplete-answer")


async def test_an_empty_pin_is_refused_without_asking_the_ils() -> None:
    ils = Ils()
    async with pysip2_ils(ils) as port:
        assert await check(library(port), CARD, "") == PatronCheck.refuse("wrong-pin")
        assert await check(library(port), "C4|AD", PIN) == PatronCheck.refuse("unknown-card")
        assert await check(library(port), "C4€", PIN) == PatronCheck.refuse("unknown-card")
    assert ils.asked == []


async def test_charge_privileges_denied_refuses_only_when_configured() -> None:
    async with pysip2_ils(Ils(status="Y" + " " * 13)) as port:
        assert (await check(library(port))).accepted
        assert await check(library(port, refuse_charge_denied=True)) == PatronCheck.refuse(
            "blocked")


async def test_a_card_reported_lost_or_expired_is_refused_saying_which() -> None:
    yesterday = date.today() - timedelta(days=1)
    async with pysip2_ils(Ils(status="YYYYY" + " " * 9)) as port:  # Koha's lost card
        assert await check(library(port)) == PatronCheck.refuse("lost")
    async with pysip2_ils(Ils(status="YYYY" + " " * 10,
                              expiry=yesterday.strftime("%Y%m%d"))) as port:
        assert await check(library(port)) == PatronCheck.refuse("expired", yesterday)
        assert await check(library(port, refuse_charge_denied=True)) == PatronCheck.refuse(
            "expired", yesterday)  # what denies the charge is said, not just "blocked"
        assert (await check(library(port, expiry_field=None))).accepted


async def test_a_login_is_sent_when_configured() -> None:
    async with pysip2_ils(Ils(), login_required=True) as port:
        config = library(port, login="gateway", password_env=PASSWORD_ENV, location="GW")
        assert (await check(config)).accepted


async def test_a_refused_login_is_a_protocol_error_without_the_password(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-the-s1p-password")
    async with pysip2_ils(Ils(), login_required=True) as port:
        with pytest.raises(SourceProtocolError) as caught:
            await check(library(port, login="gateway", password_env=PASSWORD_ENV))
    assert caught.value.code == "940"
    assert "refused the SIP2 login 'gateway'" in str(caught.value)
    assert "not-the-s1p-password" not in str(caught.value)


# -- the sandbox's SIP2 server and its faults ------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=3, total_records=60)) as server:
        yield server


@pytest.fixture
def faults_cleared(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.faults.clear()
    yield sandbox
    sandbox.faults.clear()


def sandbox_library(sandbox: SandboxServer, **options: Any) -> LibraryConfig:
    return library(sandbox.sip2_port, "mediatheque-fm", institution="mediatheque-fm",
                   login=SIP2_USER, password_env=PASSWORD_ENV, **options)


async def test_the_sandbox_s_patrons_sign_in(faults_cleared: SandboxServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    config = sandbox_library(faults_cleared)
    assert await check(config, "FM000001", "1234") == PatronCheck.accept("ADULTE")
    assert await check(config, "FM000002", "2468") == PatronCheck.accept("JEUNE")
    assert await check(config, "FM000003", "1111") == PatronCheck.refuse(
        "expired", date.today() - timedelta(days=365))
    assert faults_cleared.requests.count("mediatheque-fm", "sip2") == 3


async def test_a_missing_cq_from_the_sandbox_is_a_refusal(
        faults_cleared: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    faults_cleared.faults.inject("mediatheque-fm", "missing-cq", target="sip2")
    verdict = await check(sandbox_library(faults_cleared), "FM000001", "1234")
    assert verdict == PatronCheck.refuse("incomplete-answer")


async def failure(config: LibraryConfig, card: str = CARD) -> SourceError:
    with pytest.raises(SourceError) as caught:
        await check(config, card, PIN)
    return caught.value


async def test_a_silent_ils_is_unavailable_after_the_timeout(
        faults_cleared: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    faults_cleared.faults.inject("mediatheque-fm", "timeout", seconds=10, target="sip2")
    started = time.monotonic()
    error = await failure(sandbox_library(faults_cleared, timeout=0.3), "FM000001")
    assert time.monotonic() - started < 1.5
    assert isinstance(error, SourceUnavailable)
    assert "no answer within 0.3 s" in str(error) and "[mediatheque-fm]" in str(error)


async def test_a_connection_closed_without_answer_is_unavailable(
        faults_cleared: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    faults_cleared.faults.inject("mediatheque-fm", "unavailable", target="sip2")
    error = await failure(sandbox_library(faults_cleared), "FM000001")
    assert isinstance(error, SourceUnavailable)
    assert "closed the connection without answering" in str(error)


async def test_a_bad_checksum_is_a_protocol_error(faults_cleared: SandboxServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    faults_cleared.faults.inject("mediatheque-fm", "bad-checksum", target="sip2")
    error = await failure(sandbox_library(faults_cleared), "FM000001")
    assert isinstance(error, SourceProtocolError) and error.code == "checksum"
    assert "checksum (AZ) is wrong" in str(error)


async def test_a_refused_connection_is_unavailable() -> None:
    error = await failure(library(free_port()))
    assert isinstance(error, SourceUnavailable)
    assert "cannot reach the ILS (ConnectionRefusedError)" in str(error)
    assert "sip2://127.0.0.1:" in str(error)


async def test_a_server_that_does_not_speak_sip2_is_a_protocol_error() -> None:
    # A port of another service, which greets first, as SMTP and FTP servers do.
    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mail.example.org ESMTP ready\r\n")
        await writer.drain()
        await reader.read(1024)
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    async with server:
        error = await failure(library(server.sockets[0].getsockname()[1]))
    assert isinstance(error, SourceProtocolError)
    assert "the answer to 63 Patron Information is a '22' message, not 64" in str(error)


# -- no card or PIN anywhere ---------------------------------------------------------------


async def test_no_card_or_pin_in_errors_logs_or_reprs(
        sandbox: SandboxServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    texts: list[str] = []
    sandbox.faults.inject("mediatheque-fm", "bad-checksum", target="sip2")
    for config in (sandbox_library(sandbox), library(free_port())):
        error = await failure(config)
        texts += [str(error), repr(error), str(error.__cause__), repr(error.__cause__)]
    async with pysip2_ils(Ils()) as port:
        directory = Sip2Directory(library(port), httpx.AsyncClient())
        texts += [repr(directory), repr(await directory.check(CARD, PIN)),
                  repr(await directory.check(CARD, "P1N-WRONG"))]
    for text in [*texts, caplog.text]:
        assert CARD not in text and PIN not in text


# -- options ---------------------------------------------------------------------------------


def test_options_are_checked_and_named() -> None:
    base = {"id": "bm", "name": "BM", "flavour": Flavour.MARC21,
            "connector": ConnectorConfig(type="oai-pmh", url="http://x/oai")}
    good = {"type": "sip2", "host": "ils.example", "port": 6001, "institution": "BM"}
    cases = {
        "libraries.bm.patrons.host: Field required": {"type": "sip2", "port": 1,
                                                      "institution": "BM"},
        "libraries.bm.patrons.port: Input should be less than or equal to 65535": {
            **good, "port": 70000},
        "libraries.bm.patrons.pasword_env: Extra inputs are not permitted": {
            **good, "pasword_env": "X"},
        "libraries.bm.patrons: login and password_env go together": {**good, "login": "u"},
        "libraries.bm.patrons.encoding: unknown character set 'klingon'": {
            **good, "encoding": "klingon"},
        "libraries.bm.patrons.category_field: a SIP2 field id is two capitals": {
            **good, "category_field": "patron class"},
        "libraries.bm.patrons.timeout: Input should be greater than 0": {**good, "timeout": 0},
        "libraries.bm.patrons.institution: SIP2 cannot carry '|'": {
            **good, "institution": "BM|AAx"},
        "libraries.bm.patrons: tls_ca_file needs tls = true": {**good, "tls_ca_file": "ca.pem"},
    }
    for expected, table in cases.items():
        with pytest.raises(ConfigError) as caught:
            registry.validate_library(LibraryConfig.model_validate({**base, "patrons": table}))
        assert expected in str(caught.value)


def test_a_password_variable_that_is_not_set_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(ConfigError, match=f"patrons: environment variable {PASSWORD_ENV}"):
        Sip2Directory(library(1, login="gateway", password_env=PASSWORD_ENV),
                      httpx.AsyncClient())
