"""``--log-format json``: one JSON object per log line, for log collectors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.logs import AccessLogFilter
from tests.services.cli.conftest import Run


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The command configures the root logger; later tests find pytest's own again."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_harvest_logs_json_lines_with_their_fields(cli: Run, network_file: Path) -> None:
    code, _out, err = cli("--config", str(network_file), "--log-format", "json",
                          "--log-level", "INFO", "harvest")
    assert code == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    started = next(line for line in lines if line["message"] == "harvest started")
    assert started["level"] == "INFO"
    assert started["logger"] == "catalogue_sync.harvest"
    assert started["mode"] in {"full", "incremental"}
    assert "library" in started and "request_id" not in started


def test_an_unknown_log_format_is_refused(cli: Run) -> None:
    code, _out, err = cli("--log-format", "xml", "status")
    assert code == 2
    assert "--log-format" in err


def test_access_lines_keep_method_path_and_status_only() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0,
                               '%s - "%s %s HTTP/%s" %d',
                               ("192.0.2.7:5123", "GET", "/ressources?ps=abc123", "1.1", 200),
                               None)
    AccessLogFilter().filter(record)
    assert record.getMessage() == "GET /ressources 200"
