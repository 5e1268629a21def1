"""Fuzzing the sip2 directory with damaged answers from a SIP2 server on loopback.

The server answers 63 Patron Information with a damaged copy of a real 64 answer: its
checksum left as the damage makes it wrong, or signed again (a faulty ILS computes it over
what it sends), or with error detection off, so that the damage reaches the parser; and a
damaged answer to the 93 Login before it. Whatever the damage, the check gives a verdict or
raises a SourceError, never another exception, and never with the card or PIN in its
message. The budget is fixed (tests/fuzzing.py); ``make fuzz`` runs a long one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import suppress

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.config import LibraryConfig
from catalogue_sync.errors import SourceError
from catalogue_sync.models import Flavour
from catalogue_sync.patrons import PatronCheck
from connectors.sip2 import Sip2Directory, checksum
from tests.fuzzing import FUZZ, damaged

CARD, PIN = "C4RD7731", "P1N-SECRET"
# A 64 answer as Koha's SIP server sends it: status, language, date, counts, then fields.
ANSWER = ("64" + " " * 14 + "001" + "20261208    101500" + "0000" * 6
          + f"AOBM-TEST|AA{CARD}|AEDupont, Marie|BLY|CQY|BHEUR|PA20271231|PCÉLÈVE|"
          + "BEmarie.dupont@example.org|").encode("cp850")
LOGIN_ANSWER = b"941"


def library(port: int, error_detection: bool, login: bool) -> LibraryConfig:
    account = {"login": "catalogue-sync", "password_env": "SIP2_FUZZ_PASSWORD"} if login else {}
    return LibraryConfig.model_validate({
        "id": "bm-test", "name": "Bibliothèque", "flavour": Flavour.UNIMARC,
        "connector": {"type": "oai-pmh", "url": "http://ils.invalid/oai"},
        "patrons": {"type": "sip2", "host": "127.0.0.1", "port": port,
                    "institution": "BM-TEST", "timeout": 2.0,
                    "error_detection": error_detection, "card_prefixes": ["C4"],
                    "categories": {"ÉLÈVE": "youth"}, **account}})


def signed(body: bytes, sequence: int = 0) -> bytes:
    data = body + f"AY{sequence}AZ".encode()
    return data + checksum(data).encode("ascii")


class Ils:
    """A SIP2 server on loopback, in one event loop for the whole module, answering each
    question with the next of ``answers``."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.answers: tuple[bytes, ...] = ()
        self.server = self.runner.run(asyncio.start_server(self.serve, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.client = httpx.AsyncClient()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(OSError, asyncio.IncompleteReadError):
            for answer in self.answers:
                await reader.readuntil(b"\r")
                writer.write(answer + b"\r")
                await writer.drain()
        writer.close()

    def ask(self, *answers: bytes, error_detection: bool = True) -> PatronCheck | SourceError:
        """The directory's verdict on the card when the ILS answers ``answers`` in turn
        (a 93 Login first when there are two)."""
        self.answers = answers
        config = library(self.port, error_detection, login=len(answers) > 1)
        directory = Sip2Directory(config, self.client)
        try:
            return self.runner.run(directory.check(CARD, PIN))
        except SourceError as error:
            assert CARD not in str(error) and PIN not in str(error)
            return error

    def close(self) -> None:
        self.server.close()
        self.runner.run(self.server.wait_closed())
        self.runner.run(self.client.aclose())
        self.runner.close()


@pytest.fixture(scope="module")
def ils() -> Iterator[Ils]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIP2_FUZZ_PASSWORD", "s1p-pw")
        server = Ils()
        yield server
        server.close()


def test_the_sound_answer_is_accepted(ils: Ils) -> None:
    accepted = PatronCheck.accept("ÉLÈVE")
    assert ils.ask(signed(ANSWER)) == accepted
    assert ils.ask(ANSWER, error_detection=False) == accepted
    assert ils.ask(signed(LOGIN_ANSWER, 0), signed(ANSWER, 1)) == accepted


@FUZZ
@given(damaged(ANSWER), st.sampled_from(["left", "signed again", "no error detection"]))
def test_fuzz_a_damaged_answer_is_a_verdict_or_a_source_error(ils: Ils, body: bytes,
                                                              how: str) -> None:
    if how == "no error detection":
        ils.ask(body, error_detection=False)
    else:
        ils.ask(signed(body) if how == "signed again" else body + signed(ANSWER)[len(ANSWER):])


@FUZZ
@given(damaged(LOGIN_ANSWER + b"AY0AZ"), st.booleans())
def test_fuzz_a_damaged_login_answer_is_a_verdict_or_a_source_error(
        ils: Ils, body: bytes, sign: bool) -> None:
    ils.ask(signed(body.removesuffix(b"AY0AZ")) if sign else body, signed(ANSWER, 1))
