"""The address the gateway's sign-in throttle counts, against the real server started as
``catalogue-sync serve gateway`` starts it, signing in against the sandbox's SIP2 server: a
client that rotates X-Forwarded-For is still counted at its own address, unless the proxy
it comes through is trusted (CATALOGUE_SYNC_TRUSTED_PROXIES). And the per-address limit
lets a whole library's computers behind one address fail as a busy day does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
import tomlkit

from services.sandbox.config import PASSWORD_ENV, library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer, run_sandbox
from tests.conftest import REDIS_URL
from tests.services.gateway.conftest import Browsers
from tests.services.serve_command import ROOT, serve_command

PER_ADDRESS = 3
LIBRARY = "mediatheque-fm"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=3, total_records=50)) as server:
        yield server


@pytest.fixture
def network_file(sandbox: SandboxServer, redis_prefix: str, tmp_path: Path) -> Path:
    """A network of one library whose patrons sign in over SIP2, few attempts per address."""
    library = next(lib for lib in sandbox.network.libraries if lib.id == LIBRARY)
    document = tomlkit.document()
    document.add("storage", {"url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    document.add("cache", {"redis_url": REDIS_URL, "key_prefix": redis_prefix})
    document.add("gateway", {"cookie_secure": False, "attempts_per_address": PER_ADDRESS})
    libraries = tomlkit.table(is_super_table=True)
    libraries.add(LIBRARY, library_table(sandbox.base_url, library,
                                         sip2_port=sandbox.sip2_port))
    document.add("libraries", libraries)
    path = tmp_path / "network.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def gateway(network_file: Path, trusted: str = "") -> AbstractContextManager[str]:
    return serve_command(network_file, "gateway", {
        "CATALOGUE_SYNC_PSEUDONYM_KEYS": "v1:" + "ab" * 32, PASSWORD_ENV: API_PASSWORD,
        "CATALOGUE_SYNC_REDIS_URL": "", "CATALOGUE_SYNC_DATABASE_URL": "",
        "CATALOGUE_SYNC_TRUSTED_PROXIES": trusted})


def wrong_sign_in(base_url: str, attempt: int, forwarded_for: str) -> int:
    """A sign-in with an unknown card (a new one each time: only the address adds up)."""
    with httpx.Client(base_url=base_url, timeout=10) as browser:
        browser.get("/connexion")
        answer = browser.post("/connexion", headers={"X-Forwarded-For": forwarded_for},
                              data={"csrf": browser.cookies["signin-csrf"],
                                    "carte": f"FM99{attempt:04d}", "code": "0000"})
        return answer.status_code


def test_a_client_rotating_x_forwarded_for_is_still_limited_at_its_own_address(
        network_file: Path) -> None:
    with gateway(network_file) as base_url:
        statuses = [wrong_sign_in(base_url, n, f"203.0.113.{n}")
                    for n in range(PER_ADDRESS + 1)]
    assert statuses == [401] * PER_ADDRESS + [429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(
        network_file: Path) -> None:
    with gateway(network_file, trusted="127.0.0.1") as base_url:
        statuses = [wrong_sign_in(base_url, n, "198.51.100.1, 203.0.113.7")
                    for n in range(PER_ADDRESS + 1)]
        other = wrong_sign_in(base_url, 99, "203.0.113.8")
    assert statuses == [401] * PER_ADDRESS + [429]
    assert other == 401, "another patron behind the same proxy is not locked out"


def test_a_class_of_thirty_mistyping_twice_at_one_library_locks_nobody_out(
        browsers: Browsers) -> None:
    """All from one address, as a library's public computers behind its NAT: 60 failures,
    and the next patron still signs in (the per-address limit is set for this)."""
    def mistype(pupil: int) -> list[int]:
        browser = browsers.new()
        browser.get("/connexion")
        return [browser.post("/connexion", data={
            "csrf": browser.cookies["signin-csrf"], "carte": f"2900{pupil:07d}",
            "code": "0000"}).status_code for _ in range(2)]

    with ThreadPoolExecutor(max_workers=15) as pool:
        statuses = [status for pair in pool.map(mistype, range(30)) for status in pair]
    assert statuses == [401] * 60
    assert browsers.signed_in("adult").get("/ressources").status_code == 200


def test_a_trusted_proxy_that_is_no_address_stops_the_command_saying_so(
        network_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from services.cli import main; main()", "--config",
         str(network_file), "serve", "gateway", "--workers", "2"],
        env={**os.environ, "CATALOGUE_SYNC_TRUSTED_PROXIES": "10.0.0.5, proxy.lan",
             "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "CATALOGUE_SYNC_TRUSTED_PROXIES: 'proxy.lan' is not an IP address" in done.stderr
