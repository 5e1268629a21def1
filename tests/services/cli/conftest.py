"""Run the command line in this process, as a sysadmin would type it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from catalogue_sync.config import get_settings
from services.cli import main

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


