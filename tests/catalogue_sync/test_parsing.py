"""Parsing pages in worker processes: the same records as in a thread, and no way to lose one.

Real worker processes run here; the functions they are given live at module level so the
workers can import them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from catalogue_sync.config import LibraryConfig
from catalogue_sync.models import RawFormat, RawRecord
from catalogue_sync.parsing import PageParser, PageParsingFailed, Prepared, prepare_page
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork

NETWORK = SandboxNetwork(seed=5, total_records=60)
BROKEN = b"<record><leader>not a leader</leader></record>"
ROOT = Path(__file__).resolve().parents[2]


def library(index: int = 0) -> LibraryConfig:
    sandbox_library = NETWORK.libraries[index]
    data = library_table("http://127.0.0.1:1", sandbox_library).unwrap()
    return LibraryConfig(id=sandbox_library.id, **data)


def page(library_id: str, *extra: RawRecord) -> list[RawRecord]:
    records = [
        RawRecord(r.local_id, r.datestamp, r.deleted, b"" if r.deleted else r.marcxml(),
                  RawFormat.MARCXML, f"test:{library_id}")
        for r in NETWORK.records(library_id)
    ]
    return [*records, *extra]


def raw(local_id: str, data: bytes) -> RawRecord:
    return RawRecord(local_id, None, False, data, RawFormat.MARCXML, "test:extra")


def parse(parser: PageParser, lib: LibraryConfig, records: Sequence[RawRecord]) -> Prepared:
    return asyncio.run(parser.prepare(lib, records))


# Run in the workers ---------------------------------------------------------------------------


def dies_on_poison(lib: LibraryConfig, records: Sequence[RawRecord]) -> Prepared:
    if any(record.local_id == "poison" for record in records):
        os._exit(70)  # as a crash in a C library would end the worker
    return prepare_page(lib, records)


def logs_a_warning(lib: LibraryConfig, records: Sequence[RawRecord]) -> Prepared:
    logging.getLogger("catalogue_sync.marc.parse").warning("logged in worker %d", os.getpid())
    return prepare_page(lib, records)


# Tests ----------------------------------------------------------------------------------------


def test_a_page_parsed_by_a_worker_is_the_page_parsed_in_a_thread() -> None:
    lib = library()
    records = page(lib.id, raw("broken", BROKEN))
    in_thread = parse(PageParser(workers=0), lib, records)
    parser = PageParser(workers=1)
    try:
        in_worker = parse(parser, lib, records)
    finally:
        parser.close()
    assert in_worker == in_thread
    good, problems = in_worker
    assert len(good) == len(records) - 1 and any(record.deleted for record in good)
    # The broken record is a quarantine entry, with its bytes, from the worker too.
    assert [(p.local_id, p.data) for p in problems] == [("broken", BROKEN)]


def test_a_page_that_kills_its_worker_fails_alone() -> None:
    first, second = library(0), library(1)
    parser = PageParser(workers=1, parse_page=dies_on_poison)

    async def both() -> list[Prepared | BaseException]:
        return await asyncio.gather(
            parser.prepare(first, page(first.id, raw("poison", BROKEN))),
            parser.prepare(second, page(second.id)),
            return_exceptions=True,
        )

    try:
        poisoned, healthy = asyncio.run(both())
        # The next page goes to a new pool: the harvest of the other libraries goes on.
        after = parse(parser, second, page(second.id))
    finally:
        parser.close()
    assert isinstance(poisoned, PageParsingFailed)
    assert f"[{first.id}] test:{first.id}" in str(poisoned) and "died twice" in str(poisoned)
    assert not isinstance(healthy, BaseException) and len(healthy[0]) == len(page(second.id))
    assert after == healthy


def test_what_a_worker_logs_reaches_the_harvesters_logging(
        caplog: pytest.LogCaptureFixture) -> None:
    lib = library()
    parser = PageParser(workers=1, parse_page=logs_a_warning)
    try:
        parse(parser, lib, page(lib.id))
    finally:
        parser.close()  # stops the workers, whose log records are handed over before
    (record,) = [r for r in caplog.records if r.getMessage().startswith("logged in worker")]
    assert record.name == "catalogue_sync.marc.parse" and record.levelno == logging.WARNING
    assert record.process != os.getpid()


def test_without_processes_to_be_had_pages_are_parsed_in_threads(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def no_semaphores(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")  # a full /dev/shm in a container

    monkeypatch.setattr("catalogue_sync.parsing.ProcessPoolExecutor", no_semaphores)
    lib = library()
    parser = PageParser(workers=2)
    try:
        good, problems = parse(parser, lib, page(lib.id))
    finally:
        parser.close()
    assert len(good) == len(page(lib.id)) and not problems
    assert parser.workers == 0
    assert "parsing in threads instead" in caplog.text


HARVESTER = """
import asyncio, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
from test_parsing import library, page, PageParser
if __name__ == "__main__":
    parser = PageParser(workers=2)
    lib = library()
    asyncio.run(parser.prepare(lib, page(lib.id)))
    print(*parser._pool._processes, flush=True)
    input()
"""


def test_workers_end_when_the_harvester_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "harvester.py"
    script.write_text(HARVESTER.format(root=str(ROOT), tests=str(Path(__file__).parent)))
    # stderr: the killed harvester's resource tracker complains about its semaphores.
    with subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as harvester:
        assert harvester.stdout is not None
        try:
            workers = [int(pid) for pid in harvester.stdout.readline().split()]
            assert workers and all(running(pid) for pid in workers)
        finally:
            harvester.send_signal(signal.SIGKILL)
            harvester.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(running(pid) for pid in workers)


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever inherited it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
