"""The search service starts, over a real store, from the command line as from a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from services.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[3]


def test_the_service_answers_health_and_publishes_its_openapi(search_url: str) -> None:
    assert httpx.get(f"{search_url}/health").json() == {"status": "ok"}
    schema = httpx.get(f"{search_url}/openapi.json").json()
    assert schema["info"]["title"] == "catalogue-sync search"


def test_serve_search_runs_the_service_on_the_given_port(tmp_path: Path, store_url: str,
                                                        ) -> None:
    network = tmp_path / "network.toml"
    network.write_text(f'[storage]\nurl = "{store_url}"\n')
    port = free_port()
    command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
               str(network), "serve", "search", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", lambda: process.poll() is None,
                      "search")
    finally:
        process.terminate()
        process.communicate(timeout=10)
