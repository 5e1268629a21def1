"""The search service starts, over a real store, from the command line as from a test."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.cli.serve import tcp_listener
from services.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[3]


def test_the_service_answers_health_and_publishes_its_openapi(search_url: str) -> None:
    assert httpx.get(f"{search_url}/health").json() == {"status": "ok"}
    schema = httpx.get(f"{search_url}/openapi.json").json()
    assert schema["info"]["title"] == "catalogue-sync search"


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_search_runs_the_service_on_the_given_port(tmp_path: Path, store_url: str,
                                                        workers: int) -> None:
    network = tmp_path / "network.toml"
    network.write_text(f'[storage]\nurl = "{store_url}"\n'
                       f'[index]\npath = "{tmp_path / "index"}"\n')
    port = free_port()
    command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
               str(network), "serve", "search", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_with_checkout_path())
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base_url}/health", lambda: process.poll() is None, "search")
        # Every worker opened the network file's store: a record it lacks is a clear 404.
        for _ in range(4):
            answer = httpx.get(f"{base_url}/api/v1/records/missing")
            assert answer.status_code == 404, answer.text
    finally:
        process.terminate()
        _, logged = process.communicate(timeout=20)
    # Every worker logs as the command does: its access lines reach the command's stderr.
    assert "GET /api/v1/records/missing 404" in logged, logged[-2000:]


def _with_checkout_path() -> dict[str, str]:
    """The environment, with this checkout importable from another working directory."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}


def test_the_workers_listener_gets_connections_without_nagle_s_delay() -> None:
    """asyncio sets TCP_NODELAY on what it accepts from the workers' shared socket."""
    listener = tcp_listener("127.0.0.1", 0)
    port = listener.getsockname()[1]
    nodelay: list[int] = []

    class Accepted(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Accepted, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            while not nodelay:
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(asyncio.wait_for(accept_one(), 10))
    assert nodelay == [1]
