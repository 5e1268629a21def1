"""The sandbox's patrons: served over SIP2 as a Koha SIP server answers (raw frames here, so
the client under test is not the judge of its own server), over Koha's REST endpoints, in
every library's [patrons] table, and listed for a new user."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catalogue_sync.config import load_network
from services.sandbox import SandboxNetwork
from services.sandbox.__main__ import main
from services.sandbox.config import PASSWORD_ENV, network_toml
from services.sandbox.koha_api import API_PASSWORD, API_USER
from services.sandbox.patrons import library_patrons
from services.sandbox.sip2 import SIP2_PASSWORD, SIP2_USER
from services.sandbox.testing import SandboxServer, run_sandbox

AUTH = (API_USER, API_PASSWORD)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=21, total_records=60)) as running:
        yield running


@pytest.fixture
def sandbox(server: SandboxServer) -> Iterator[SandboxServer]:
    server.faults.clear()
    yield server
    server.faults.clear()


def checksummed(body: bytes, sequence: int) -> bytes:
    data = body + f"AY{sequence}AZ".encode()
    return data + f"{-sum(data) & 0xFFFF:04X}".encode() + b"\r"


def patron_info(library: str, card: str, pin: str) -> bytes:
    return f"6300120260101    120000{' ' * 10}AO{library}|AA{card}|AD{pin}|".encode("cp850")


def converse(sandbox: SandboxServer, *frames: bytes) -> list[bytes]:
    """Send frames one at a time on one connection; each answer (b"" once it is closed)."""
    answers = []
    with socket.create_connection(("127.0.0.1", sandbox.sip2_port), timeout=5) as sock:
        reading = sock.makefile("rb")
        for frame in frames:
            sock.sendall(frame)
            answer = b""
            while not answer.endswith(b"\r"):
                chunk = reading.read(1)
                if not chunk:
                    break
                answer += chunk
            answers.append(answer)
    return answers


def login() -> bytes:
    return checksummed(f"9300CN{SIP2_USER}|CO{SIP2_PASSWORD}|".encode(), 0)


def test_a_patron_information_answer_is_koha_s(sandbox: SandboxServer) -> None:
    logged_in, answer = converse(sandbox, login(),
                                 checksummed(patron_info("mediatheque-fm", "FM000001", "1234"), 1))
    assert logged_in.startswith(b"941AY0AZ")
    assert answer.startswith(b"64") and b"AY1AZ" in answer
    assert (sum(answer[:-5]) + int(answer[-5:-1], 16)) & 0xFFFF == 0  # its checksum holds
    for field in (b"|BLY|", b"|CQY|", b"|PCADULTE|", "AEHélène Lefèvre|".encode("cp850")):
        assert field in answer


def test_wrong_pins_unknown_cards_and_lost_cards_as_koha_says_them(
        sandbox: SandboxServer) -> None:
    wrong, unknown, lost = converse(
        sandbox, login(), patron_info("ludotheque", "LU000001", "0000") + b"\r",
        patron_info("ludotheque", "FM000001", "1234") + b"\r",
        patron_info("ludotheque", "LU000004", "0000") + b"\r")[1:]
    assert b"|BLY|CQN|" in wrong
    assert b"|BLN|CQN|" in unknown  # a card of another library is unknown here
    assert unknown[2:16] == b"YYYY          "  # as Koha: the four privileges denied
    assert lost[2:16] == b"YYYYY         "  # the four denied, and card reported lost


def test_nothing_is_answered_before_a_login_and_a_wrong_login_is_940(
        sandbox: SandboxServer) -> None:
    assert converse(sandbox, patron_info("ludotheque", "LU000001", "1234") + b"\r") == [b""]
    refused = converse(sandbox, b"9300CNsomeone|COguess|\r", b"9900302.00\r")
    assert refused == [b"940\r", b""]


def test_a_request_with_a_wrong_checksum_is_asked_again(sandbox: SandboxServer) -> None:
    good = login()
    broken = good[:-5] + b"0000\r"
    assert converse(sandbox, broken)[0].startswith(b"96AZ")


def test_sip2_faults_and_counts(sandbox: SandboxServer) -> None:
    sandbox.faults.inject("centre-doc", "missing-cq", target="sip2")
    before = sandbox.requests.count("centre-doc", "sip2")
    request = patron_info("centre-doc", "CD000001", "1234") + b"\r"
    answers = converse(sandbox, login(), request, request)
    assert b"CQ" not in answers[1] and b"|CQY|" in answers[2]
    assert sandbox.requests.count("centre-doc", "sip2") - before == 2
    sandbox.faults.inject("centre-doc", "unavailable", target="sip2")
    assert converse(sandbox, login(), request)[1] == b""


# -- Koha's REST endpoints -------------------------------------------------------------------


def validation(sandbox: SandboxServer, card: str, pin: str, library: str = "departementale",
               auth: tuple[str, str] | None = AUTH) -> httpx.Response:
    return httpx.post(f"{sandbox.api_url(library)}/auth/password/validation",
                      json={"identifier": card, "password": pin}, auth=auth)


def test_password_validation_and_the_patron(sandbox: SandboxServer) -> None:
    accepted = validation(sandbox, "MD000002", "2468")
    assert accepted.status_code == 201 and accepted.json()["patron_id"] == 2
    patron = httpx.get(f"{sandbox.api_url('departementale')}/patrons/2", auth=AUTH).json()
    assert (patron["cardnumber"], patron["category_id"], patron["patron_card_lost"],
            patron["expired"]) == ("MD000002", "JEUNE", False, False)
    assert "lost" not in patron  # Koha's API has no such field (koha-rest.md, 5.1)
    lost = httpx.get(f"{sandbox.api_url('departementale')}/patrons/4", auth=AUTH).json()
    expired = httpx.get(f"{sandbox.api_url('departementale')}/patrons/3", auth=AUTH).json()
    assert lost["patron_card_lost"] is True and expired["expired"] is True
    assert validation(sandbox, "MD000002", "0000").status_code == 400
    assert validation(sandbox, "XX000002", "2468").status_code == 400
    assert validation(sandbox, "MD000002", "2468", auth=None).status_code == 401
    assert validation(sandbox, "AG000002", "2468", library="reseau-agglo").status_code == 404
    missing = httpx.get(f"{sandbox.api_url('departementale')}/patrons/999", auth=AUTH)
    assert missing.status_code == 404


# -- configuration and listing -----------------------------------------------------------------


def test_every_library_has_a_patrons_table_the_registry_accepts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    path = tmp_path / "network.toml"
    path.write_text(network_toml("http://127.0.0.1:8100", SandboxNetwork(total_records=50),
                                 sip2_port=8101), encoding="utf-8")
    network = load_network(path)  # validates every [patrons] table through the registry
    tables = {lib.id: lib.patrons for lib in network.libraries.values()}
    assert all(table is not None for table in tables.values())
    types = {library_id: table.type for library_id, table in tables.items() if table}
    assert types["departementale"] == "koha-rest" and types["mediatheque-fm"] == "sip2"
    fm = tables["mediatheque-fm"]
    assert fm is not None and fm.card_prefixes == ["FM"]
    assert fm.options["port"] == 8101 and fm.options["institution"] == "mediatheque-fm"
    assert fm.categories["JEUNE"] == "youth" and "COLLECTIV" not in fm.categories


def test_the_patrons_listing_shows_cards_and_pins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--patrons"]) == 0
    listing = capsys.readouterr().out
    assert "FM000001   1234" in listing and "(expired)" in listing
    assert len(library_patrons("mediatheque-fm")) == len(
        [line for line in listing.splitlines() if line.startswith("mediatheque-fm")])
