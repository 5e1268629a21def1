"""bench/search.py runs end to end on a small catalogue (its figures are not checked here:
benchmarks are measured by hand, on an idle machine)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_search_benchmark_builds_serves_and_drives_a_small_catalogue() -> None:
    done = subprocess.run(
        [sys.executable, "bench/search.py", "--records", "3000", "--seconds", "0.5",
         "--clients", "1", "2"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if "req/s" in line]
    assert [line.split()[0] for line in lines] == ["1", "2"], done.stdout
    for line in lines:
        requests = int(re.search(r"([\d,]+) requests", line)[1].replace(",", ""))  # type: ignore[index]
        assert requests > 0, line
