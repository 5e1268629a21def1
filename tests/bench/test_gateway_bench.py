"""bench/gateway.py runs end to end on a few patrons (its figures are not checked here:
benchmarks are measured by hand, on an idle machine)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def test_the_gateway_benchmark_serves_and_drives_checks() -> None:
    done = subprocess.run(
        [sys.executable, "bench/gateway.py", "--patrons", "200", "--seconds", "0.5",
         "--clients", "1", "2", "--redis", REDIS_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    checks = [line for line in done.stdout.splitlines() if line.startswith("check")]
    assert [line.split()[1] for line in checks] == ["1", "2"], done.stdout
    for line in checks:
        assert int(re.search(r"([\d,]+) requests", line)[1].replace(",", "")) > 0  # type: ignore[index]
        assert line.endswith("errors 0"), line
