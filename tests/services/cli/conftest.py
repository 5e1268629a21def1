"""Run the command line in this process, as a sysadmin would type it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalogue_sync.config import get_settings
from services.cli import main
from services.sandbox.config import network_toml
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> Run:
    """Run ``catalogue-sync ARGS`` in this process; returns (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CATALOGUE_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CATALOGUE_SYNC_DATABASE_URL", raising=False)
    get_settings.cache_clear()

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["catalogue-sync", *args])
        with pytest.raises(SystemExit) as ended:
            main()
        out, err = capsys.readouterr()
        code = ended.value.code
        return (code if isinstance(code, int) else 0 if code is None else 1), out, err

    return run




@pytest.fixture
def page_size() -> int:
    """OAI-PMH page size of the sandbox; a test module may override it."""
    return 20


@pytest.fixture
def sandbox(page_size: int) -> Iterator[SandboxServer]:
    """A small sandbox network over real HTTP on loopback."""
    with run_sandbox(SandboxNetwork(seed=11, total_records=250), page_size=page_size) as server:
        yield server


@pytest.fixture
def network_file(sandbox: SandboxServer, tmp_path: Path, store_url: str) -> Path:
    """network.toml declaring the sandbox's libraries, on the test's store."""
    path = tmp_path / "network.toml"
    path.write_text(network_toml(sandbox.base_url, sandbox.network, database=store_url))
    return path
