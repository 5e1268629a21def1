"""The sandbox's network.toml, its command line, and running it as its own process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from catalogue_sync.config import load_network
from catalogue_sync.models import Flavour
from services.sandbox import SandboxNetwork
from services.sandbox.__main__ import main
from services.sandbox.config import network_toml
from services.serving import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_network_toml_declares_every_sandbox_library(tmp_path: Path) -> None:
    network = SandboxNetwork(total_records=100)
    path = tmp_path / "network.toml"
    path.write_text(network_toml("http://127.0.0.1:8100/", network), encoding="utf-8")
    loaded = load_network(path)
    assert list(loaded.libraries) == [lib.id for lib in network.libraries]
    fm = loaded.library("mediatheque-fm")
    assert fm.name == "Médiathèque François-Mitterrand" and fm.flavour is Flavour.UNIMARC
    assert fm.connector.type == "oai-pmh"
    assert fm.connector.options == {"url": "http://127.0.0.1:8100/mediatheque-fm/oai",
                                    "metadata_prefix": "marcxml"}
    assert fm.item_mapping.tag == "995"
    assert loaded.library("departementale").item_mapping.tag == "952"
    assert loaded.library("centre-doc").item_mapping.tag == "852"
    assert loaded.library("reseau-agglo").encoding == "utf-8"  # its leader/09 is blank


def test_the_command_line_writes_the_config(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "network.toml"
    assert main(["--write-config", str(path), "--port", "8123", "--records", "50"]) == 0
    library = load_network(path).library("ludotheque")
    assert library.connector.options["url"] == "http://127.0.0.1:8123/ludotheque/oai"


def test_the_sandbox_runs_as_its_own_process() -> None:
    port, sip2_port = free_port(), free_port()  # never the default ports: a demo may run
    command = [sys.executable, "-m", "services.sandbox", "--port", str(port),
               "--sip2-port", str(sip2_port), "--records", "200", "--seed", "3",
               "--page-size", "20"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline() if process.stdout else ""
        assert f"http://127.0.0.1:{port}" in banner
        health = wait_for(f"http://127.0.0.1:{port}/_health")
        assert set(health["libraries"]) == {
            "mediatheque-fm", "reseau-agglo", "departementale", "ludotheque", "centre-doc"}
        page = httpx.get(f"http://127.0.0.1:{port}/mediatheque-fm/oai",
                         params={"verb": "ListIdentifiers", "metadataPrefix": "marcxml"})
        assert page.text.count("<header") == 20
    finally:
        process.terminate()
        process.communicate(timeout=10)


def wait_for(url: str) -> dict[str, dict[str, object]]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=1)
            if response.status_code == 200:
                body: dict[str, dict[str, object]] = response.json()
                return body
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")
