"""The search service's memory under a burst of dashboard sign-ins, with the real scrypt cost
(32 MiB a check): the real server, started as ``catalogue-sync serve search`` starts it, in
a process of its own whose peak resident memory (``VmHWM``) is read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from services.search.admin.passwords import hash_password
from services.search.admin.state import ATTEMPTS_PER_ADDRESS
from services.serving import free_port, wait_until_up
from tests.services.search.admin.conftest import csrf_of

ROOT = Path(__file__).resolve().parents[4]
MIB = 1024 * 1024
BOUND = 160 * MIB
"""Growth allowed: two checks at once (64 MiB) and room for the requests themselves; twenty
checks at once would be 640 MiB."""

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads the peak resident memory from /proc")


@contextmanager
def search_service(config: Path) -> Iterator[tuple[str, int]]:
    """``catalogue-sync serve search`` with one account at the real cost; URL and pid."""
    port = free_port()
    env = {**os.environ, "CATALOGUE_SYNC_ADMINS": f"marie:{hash_password('le bon')}",
           "CATALOGUE_SYNC_REDIS_URL": "", "CATALOGUE_SYNC_DATABASE_URL": "",
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from services.cli import main; main()", "--config",
         str(config), "serve", "search", "--port", str(port)],
        cwd=config.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base_url}/health", lambda: process.poll() is None, "search")
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def peak_memory(pid: int) -> int:
    """The process's peak resident memory so far, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/PID/status")


def wrong_sign_in(base_url: str, name: str) -> int:
    with httpx.Client(base_url=base_url, timeout=60) as browser:
        token = csrf_of(browser.get("/admin/connexion").text)
        return browser.post("/admin/connexion", headers={"Origin": base_url},
                            data={"csrf": token, "nom": name, "mot_de_passe": "x"}
                            ).status_code


def test_a_burst_of_sign_ins_keeps_the_service_s_memory_bounded(network_file: Path) -> None:
    with search_service(network_file) as (base_url, pid):
        assert wrong_sign_in(base_url, "personne") == 401  # one check: its 32 MiB counted
        before = peak_memory(pid)
        names = [f"visiteur{n}" for n in range(ATTEMPTS_PER_ADDRESS - 1)]
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            statuses = list(pool.map(lambda name: wrong_sign_in(base_url, name), names))
        grown = peak_memory(pid) - before
    assert set(statuses) <= {401, 503}
    assert grown < BOUND, f"the peak grew by {grown // MIB} MiB for {len(names)} sign-ins"
