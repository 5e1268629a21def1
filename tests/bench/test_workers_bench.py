"""bench/workers.py runs end to end on two small libraries with one and two workers (its
figures are not checked here: benchmarks are measured by hand, on an idle machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.harvest import DEFAULT_POSTGRES_URL
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_workers_benchmark_harvests_every_library_with_one_then_two_workers() -> None:
    # A database of this session's own: a benchmark run meanwhile keeps its own.
    url = sa.make_url(DEFAULT_POSTGRES_URL).set(
        database=f"catalogue_sync_bench_smoke_{os.getpid()}")
    done = subprocess.run(
        [sys.executable, "bench/workers.py", "--smoke", "--redis", REDIS_URL,
         "--postgres-url", url.render_as_string(hide_password=False)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    table = done.stdout[done.stdout.index("| database | workers |"):].splitlines()
    rows = [line.split(" | ") for line in table[2:] if line.startswith("| postgresql")]
    assert [(cells[1], cells[2], cells[3]) for cells in rows] == [
        ("1", "2", "2,000"), ("2", "2", "2,000")], done.stdout
    assert all(line.endswith("| ok |") for line in table[2:]), done.stdout
