"""Harvest throughput: N sandbox records over OAI-PMH into SQLite and PostgreSQL.

    .venv/bin/python bench/harvest.py                      # 100,000 records, both databases
    .venv/bin/python bench/harvest.py --sizes 20000,100000 --databases sqlite

Each run starts the sandbox (``python -m services.sandbox``) as its own process on a free
loopback port, writes a network.toml for it, and runs ``catalogue-sync harvest`` as another
process (``harvest --no-merge``: the harvest alone) into a fresh store: a new SQLite file, or
the PostgreSQL bench database dropped and created again. The harvest is timed wall-clock,
from start to exit of its process. The peak RSS of the harvester's main process and of the
sandbox come from the kernel's accounting of each child (``wait4``). The harvester's parsing
workers are its descendants, so its total peak memory (PSS summed over its processes, shared
pages counted once) and their CPU time are sampled from /proc every 0.5 s. The machine's CPU
busy share during the harvest (all cores, every process: PostgreSQL's too) comes from
/proc/stat. ``catalogue-sync status --json`` must then show every record (live or deleted)
and none in quarantine, or the run is marked MISMATCH and the script exits with status 1.

Every run gets a fresh sandbox, so each harvest pays alike for the sandbox building its
records on first request (``--warm`` fetches every list once beforehand, to time the
harvester alone). The figures are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
import psycopg
import sqlalchemy as sa
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.sandbox.config import network_toml  # noqa: E402
from services.sandbox.generator import SandboxNetwork  # noqa: E402

DEFAULT_POSTGRES_URL = (
    "postgresql+psycopg://catalogue_sync:catalogue_sync@127.0.0.1:5432/catalogue_sync_bench"
)
SANDBOX_START_SECONDS = 120.0
STOP_SECONDS = 10.0
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


@dataclass(frozen=True, slots=True)
class Usage:
    """What the kernel accounted for one child process."""

    peak_rss_mb: float
    cpu_seconds: float

    @classmethod
    def of(cls, rusage: resource.struct_rusage) -> Usage:
        # Linux reports ru_maxrss in KiB.
        return cls(rusage.ru_maxrss / 1024, rusage.ru_utime + rusage.ru_stime)


@dataclass(frozen=True, slots=True)
class Result:
    database: str
    records: int
    seconds: float
    harvester_main: Usage
    harvester: Usage
    """All the harvester's processes: peak of their summed PSS, their summed CPU time."""
    sandbox: Usage
    busy: float
    """Share of the machine's CPU time (all cores) spent busy during the harvest."""
    check: str

    @property
    def rate(self) -> float:
        return self.records / self.seconds


class Children:
    """The processes this script started; every one is stopped on the way out."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str], log: Path, env: dict[str, str] | None = None
              ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                       env=env, stdin=subprocess.DEVNULL)
        self.running.append(process)
        return process

    def reap(self, process: subprocess.Popen[bytes]) -> tuple[int, Usage]:
        """Wait for the process to end: its exit code and its own resource usage."""
        _, status, rusage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        self.running.remove(process)
        return process.returncode, Usage.of(rusage)

    def stop(self, process: subprocess.Popen[bytes]) -> Usage:
        """SIGTERM (SIGKILL if it lingers), then reap: the usage over its whole life."""
        process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                self.running.remove(process)
                return Usage.of(rusage)
            time.sleep(0.05)
        process.kill()
        return self.reap(process)[1]

    def stop_all(self) -> None:
        for process in list(self.running):
            with suppress(ProcessLookupError, ChildProcessError):
                process.terminate()
        for process in list(self.running):
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()


class TreeSampler(threading.Thread):
    """Peak memory (PSS, summed) and CPU time of a process and its descendants, from /proc.

    PSS counts a page shared by several processes (the forked workers share their parent's)
    once in all, where summing RSS would count it in each.
    """

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(name=f"sample-{pid}", daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_pss = 0
        self.cpu: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self, main: Usage) -> Usage:
        """The tree's usage; the main process's CPU time is ``main``'s, exact from wait4."""
        self._stop_event.set()
        self.join()
        others = sum(cpu for pid, cpu in self.cpu.items() if pid != self.pid)
        return Usage(self.peak_pss / 1024, main.cpu_seconds + others)

    def sample(self) -> None:
        pss = 0
        for pid in descendants(self.pid):
            with suppress(OSError, ValueError, IndexError):  # it ended meanwhile
                pss += kib(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss:")
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
        self.peak_pss = max(self.peak_pss, pss)


def descendants(pid: int) -> list[int]:
    """The process and all its descendants, from /proc/PID/task/TID/children."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        with suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
    return found


def kib(text: str, key: str) -> int:
    line = next(line for line in text.splitlines() if line.startswith(key))
    return int(line.split()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not of its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_times() -> tuple[int, int]:
    """Busy and total jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SANDBOX_START_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the sandbox exited with status {process.returncode}")
            with suppress(httpx.TransportError):
                if client.get(f"{base_url}/_health").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"the sandbox did not answer at {base_url}")


def warm(base_url: str, network: SandboxNetwork) -> None:
    """Fetch every list once, so the sandbox has rendered (and cached) every record."""
    with httpx.Client(timeout=120.0) as client:
        for library in network.libraries:
            params = {"verb": "ListRecords", "metadataPrefix": "marcxml"}
            while True:
                body = client.get(f"{base_url}/{library.id}/oai", params=params).content
                token = TOKEN.search(body)
                if token is None:
                    break
                params = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()}


def recreate_database(url: str) -> None:
    """Drop and create the (bench) database named in ``url``, as its owner."""
    target = sa.make_url(url)
    name = target.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    target = sa.make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(target.database or "")))


def harvester_argv() -> list[str]:
    script = Path(sys.executable).with_name("catalogue-sync")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from services.cli import main; main()"]


def child_env(config: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    # The environment would win over the file's [storage] url: set it to this run's store.
    env.update(CATALOGUE_SYNC_CONFIG=str(config), CATALOGUE_SYNC_DATABASE_URL=database_url,
               CATALOGUE_SYNC_LOG_LEVEL="INFO", PYTHONPATH=str(ROOT))
    return env


def harvest_only(env: dict[str, str]) -> list[str]:
    """``--no-merge`` where harvest also merges (so older checkouts can be measured too)."""
    usage = subprocess.run([*harvester_argv(), "harvest", "--help"], env=env, cwd=ROOT,
                           capture_output=True, text=True).stdout
    return ["--no-merge"] if "--no-merge" in usage else []


def check_store(config: Path, env: dict[str, str], expected: int) -> str:
    """'ok' when every record is in the store (live or deleted) and none in quarantine."""
    out = subprocess.run([*harvester_argv(), "--config", str(config), "status", "--json"],
                         env=env, cwd=ROOT, capture_output=True, check=True).stdout
    libraries = json.loads(out)["libraries"]
    stored = sum(lib["records"] + lib["deleted"] for lib in libraries)
    quarantined = sum(lib["quarantined"] for lib in libraries)
    failed = [lib["id"] for lib in libraries if lib["last_error"]]
    if stored == expected and not quarantined and not failed:
        return "ok"
    return f"MISMATCH: {stored} stored, {quarantined} quarantined, failed {failed}"


def run_one(children: Children, args: argparse.Namespace, database: str, records: int,
            work: Path) -> Result:
    """One sandbox, one harvest into a fresh store, its figures."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    network = SandboxNetwork(seed=args.seed, total_records=records)
    expected = sum(catalogue.count for catalogue in network.catalogues.values())
    if database == "postgresql":
        url = args.postgres_url
        recreate_database(url)
    else:
        url = f"sqlite:///{work / 'catalogue-sync.db'}"
    config = work / "network.toml"
    config.write_text(network_toml(base_url, network, database=url), encoding="utf-8")
    sandbox = children.start(
        [sys.executable, "-m", "services.sandbox", "--port", str(port), "--records",
         str(records), "--seed", str(args.seed), "--page-size", str(args.page_size)],
        work / "sandbox.log",
    )
    wait_for_health(base_url, sandbox)
    if args.warm:
        warm(base_url, network)
    env = child_env(config, url)
    argv = [*harvester_argv(), "--config", str(config), "harvest", *harvest_only(env),
            "--concurrency", str(args.concurrency)]
    busy_before, total_before = cpu_times()
    started = time.perf_counter()
    harvester = children.start(argv, work / "harvest.log", env)
    sampler = TreeSampler(harvester.pid)
    sampler.start()
    status, main_usage = children.reap(harvester)
    seconds = time.perf_counter() - started
    busy_after, total_after = cpu_times()
    tree_usage = sampler.stop(main_usage)
    sandbox_usage = children.stop(sandbox)
    if status != 0:
        check = f"FAILED: harvest exited with {status}, see {work / 'harvest.log'}"
    else:
        check = check_store(config, env, expected)
    busy = (busy_after - busy_before) / max(total_after - total_before, 1)
    return Result(database, expected, seconds, main_usage, tree_usage, sandbox_usage, busy,
                  check)


def table(results: list[Result]) -> str:
    head = ("| database | records | seconds | records/s | harvester peak MB, main RSS / all PSS "
            "| harvester CPU s | sandbox peak RSS MB | sandbox CPU s | machine CPU busy "
            "| check |")
    rule = "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    rows = [
        f"| {r.database} | {r.records:,} | {r.seconds:.1f} | {r.rate:,.0f} "
        f"| {r.harvester_main.peak_rss_mb:.0f} / {r.harvester.peak_rss_mb:.0f} "
        f"| {r.harvester.cpu_seconds:.1f} "
        f"| {r.sandbox.peak_rss_mb:.0f} | {r.sandbox.cpu_seconds:.1f} | {r.busy:.0%} "
        f"| {r.check} |"
        for r in results
    ]
    return "\n".join([head, rule, *rows])


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--records", type=int, default=100_000,
                     help="records in the sandbox network (default 100000)")
    cli.add_argument("--sizes", type=_ints, metavar="N,N...",
                     help="several sizes in turn, e.g. 20000,100000 (overrides --records)")
    cli.add_argument("--databases", type=_databases, default=["sqlite", "postgresql"],
                     metavar="sqlite,postgresql")
    cli.add_argument("--page-size", type=int, default=100, help="OAI-PMH records per page")
    cli.add_argument("--concurrency", type=int, default=4, help="libraries harvested at once")
    cli.add_argument("--seed", type=int, default=42)
    cli.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                     help="the bench database; dropped and created again for each run, so "
                          "its name must contain 'bench'")
    cli.add_argument("--warm", action="store_true",
                     help="fetch every list once before timing: the harvester alone")
    cli.add_argument("--keep", action="store_true",
                     help="keep the work directories (config, logs, SQLite files) and the "
                          "last PostgreSQL database")
    return cli


def _ints(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


def _databases(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown database(s): {', '.join(sorted(unknown))}")
    return names


@contextmanager
def interrupted_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the children are stopped either way."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sizes = args.sizes or [args.records]
    children = Children()
    results: list[Result] = []
    base = Path(tempfile.mkdtemp(prefix="catalogue-sync-bench-"))
    try:
        with interrupted_on_sigterm():
            for records in sizes:
                for database in args.databases:
                    work = base / f"{database}-{records}"
                    work.mkdir()
                    print(f"harvesting {records:,} records into {database}...", flush=True)
                    results.append(run_one(children, args, database, records, work))
                    print(table(results[-1:]).splitlines()[-1], flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
            if "postgresql" in args.databases:
                with suppress(psycopg.Error):
                    drop_database(args.postgres_url)
    print()
    print(f"{os.cpu_count()} CPUs; page size {args.page_size}; concurrency "
          f"{args.concurrency}; {'warm' if args.warm else 'cold'} sandbox")
    print(table(results))
    return 0 if all(r.check == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
