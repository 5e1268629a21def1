"""Harvest throughput of the harvester service against its number of worker processes.

    .venv/bin/python bench/workers.py                  # 20 libraries, 1,000,000 records, 1, 2, 4
    .venv/bin/python bench/workers.py --records 100000 --workers 1,2 --databases sqlite
    .venv/bin/python bench/workers.py --smoke          # 2 libraries, 2,000 records, 1 and 2

The sandbox (``python -m services.sandbox --libraries L``) serves L libraries (the five
default ones, then copies of them under new ids) as its own process on a free loopback
port, and is warmed first: every list is fetched once, so that the harvesters are timed,
not the sandbox's first rendering of each record. The same warm sandbox serves every
setting; nothing is changed at its source between them.

For each number of workers N: a fresh store (the PostgreSQL bench database dropped and
created again, or a new SQLite file), a fresh Redis namespace (``[harvester] namespace``),
and ``catalogue-sync serve harvester --concurrency N`` started as one process: N worker
processes, each running one job at a time (with N = 1 the process is the worker itself).
Once every worker has logged that it is ready, the L harvests are queued, as
``harvest ID... --queue`` does, and timed wall-clock from the first queued to the last one
done (the ``done`` time each worker records in the job's state). records/s = records
stored / those seconds.

A harvest that changed something queues a merge and index update (``refresh``). This script
measures the harvest: by default it holds those updates back (it sets the flag that says
one is already waiting, so the workers queue none), as ``bench/harvest.py`` times
``harvest --no-merge``. With ``--refresh`` they run as in service, and *queue empty s* is
the time from the first job queued until the queue is empty, merge and index included.

During each setting the machine's CPU busy share comes from /proc/stat (every process:
PostgreSQL's too), and the CPU time of the workers (all their processes) and of the sandbox
from /proc/PID/stat, and of the PostgreSQL server (every process named ``postgres``: other
databases' work too, if any); *other CPU s* is the machine's busy time minus those three:
Redis, this script's polling, and whatever else ran. The workers' peak memory is their
summed PSS. Afterwards ``catalogue-sync status --json`` must show every record (live or
deleted), none in quarantine and no failed library, or the setting is marked MISMATCH and
the script exits with status 1. The figures are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
import sqlalchemy as sa
import tomlkit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harvest import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    Children,
    TreeSampler,
    Usage,
    _databases,
    _ints,
    check_store,
    child_env,
    cpu_seconds,
    cpu_times,
    descendants,
    drop_database,
    free_port,
    harvester_argv,
    interrupted_on_sigterm,
    recreate_database,
    wait_for_health,
    warm,
)
from catalogue_sync.config import HarvesterConfig  # noqa: E402
from catalogue_sync.store import Store  # noqa: E402
from services.harvester.queue import JobQueue, JobState  # noqa: E402
from services.sandbox.config import network_toml  # noqa: E402
from services.sandbox.generator import SandboxNetwork  # noqa: E402
from services.sandbox.libraries import network_libraries  # noqa: E402

DEFAULT_POSTGRES_WORKERS_URL = str(sa.make_url(DEFAULT_POSTGRES_URL).set(
    database="catalogue_sync_bench_workers").render_as_string(hide_password=False))
"""A bench database of its own, so that a bench/harvest.py run cannot drop it meanwhile."""
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
READY = "harvester worker ready"
"""What each worker logs once it consumes the queue."""
READY_SECONDS = 120.0
POLL_SECONDS = 0.25
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class RunFailed(Exception):
    """A setting could not be measured: a job failed, the workers died, or time ran out."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Clocks at one instant: wall time, the machine's busy jiffies, CPU time of the
    workers (all their processes) and of the sandbox."""

    wall: float
    busy: int
    total: int
    workers_cpu: float
    sandbox_cpu: float
    postgres_cpu: float

    @classmethod
    def take(cls, workers: int, sandbox: int) -> Snapshot:
        busy, total = cpu_times()
        return cls(time.time(), busy, total, tree_cpu(workers), cpu_seconds(sandbox),
                   postgres_cpu())


@dataclass(frozen=True, slots=True)
class Result:
    database: str
    workers: int
    libraries: int
    records: int
    seconds: float
    """From the first harvest queued to the last one done."""
    drained: float
    """From the first job queued until the queue was empty."""
    workers_cpu: float
    sandbox_cpu: float
    postgres_cpu: float
    busy_cpu: float
    """Busy core-seconds of the whole machine over the harvests."""
    busy: float
    """Share of the machine's CPU time (all cores) spent busy over the harvests."""
    workers_peak_mb: float
    check: str

    @property
    def rate(self) -> float:
        return self.records / self.seconds


@dataclass(frozen=True, slots=True)
class Setting:
    """What one setting runs against: the warm sandbox and the network it serves."""

    network: SandboxNetwork
    base_url: str
    sandbox_pid: int
    expected: int


def tree_cpu(pid: int) -> float:
    """User + system CPU time of a process and its descendants alive now."""
    total = 0.0
    for member in descendants(pid):
        with suppress(OSError, ValueError, IndexError):  # it ended meanwhile
            total += cpu_seconds(member)
    return total


def postgres_cpu() -> float:
    """CPU time of the PostgreSQL server's processes: the live ones, and through the
    postmaster's account of its reaped children, those that ended."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            name, _, rest = stat.read_text().partition(") ")
            if name.endswith("(postgres"):
                total += sum(int(field) for field in rest.split()[11:15])
    return total / CLOCK_TICKS


def write_config(work: Path, setting: Setting, database_url: str, redis_url: str,
                 namespace: str) -> Path:
    """The sandbox's network.toml, with this run's store, Redis and queue namespace."""
    document = tomlkit.parse(network_toml(setting.base_url, setting.network,
                                          database=database_url))
    document["cache"] = {"redis_url": redis_url}
    document["harvester"] = {"namespace": namespace}
    config = work / "network.toml"
    config.write_text(tomlkit.dumps(document), encoding="utf-8")
    return config


def fresh_store(args: argparse.Namespace, database: str, work: Path) -> str:
    """An empty store with its tables (made here once, not by N workers at once)."""
    if database == "postgresql":
        url: str = args.postgres_url
        recreate_database(url)
    else:
        url = f"sqlite:///{work / 'catalogue-sync.db'}"
    store = Store(url)
    store.create_schema()
    store.close()
    return url


def workers_env(config: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = child_env(config, database_url)
    # The environment would win over the file's [cache] redis_url: set it to the same.
    env.update(CATALOGUE_SYNC_REDIS_URL=redis_url, SANDBOX_ILS_PASSWORD="unused")
    return env


def start_workers(children: Children, config: Path, env: dict[str, str], count: int,
                  log: Path) -> subprocess.Popen[bytes]:
    """``serve harvester --concurrency count``, returned once every worker is ready."""
    argv = [*harvester_argv(), "--config", str(config), "serve", "harvester",
            "--concurrency", str(count)]
    process = children.start(argv, log, env)
    deadline = time.monotonic() + READY_SECONDS
    while log.read_text(encoding="utf-8", errors="replace").count(READY) < count:
        if process.poll() is not None:
            raise RunFailed(f"the workers exited with status {process.returncode}, see {log}")
        if time.monotonic() > deadline:
            raise RunFailed(f"the workers were not ready after {READY_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return process


def stop_workers(children: Children, process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the supervisor (which stops its workers); any worker left is killed."""
    workers = descendants(process.pid)[1:]
    children.stop(process)
    for pid in workers:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def hold_refresh_back(queue: JobQueue) -> None:
    """Set the flag that says a merge and index update is already waiting, so that the
    harvests queue none (``JobQueue.refresh``); the namespace is dropped afterwards."""
    queue.hold_refreshes()


def forget(redis_url: str, namespace: str) -> None:
    """Delete every key of the run's namespace."""
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(f"{namespace}:*", count=1000):
            client.delete(key)
    finally:
        client.close()


def harvest_states(queue: JobQueue, libraries: list[str]) -> list[JobState]:
    """The latest job of each library, refusing any that failed."""
    jobs = queue.jobs()
    states = [jobs[library] for library in libraries if library in jobs]
    failed = [f"{state.library}: {state.detail}" for state in states if state.state == "failed"]
    if failed:
        raise RunFailed(f"failed harvests: {'; '.join(failed)}")
    return states


def wait_until(done: Callable[[], bool], process: subprocess.Popen[bytes], seconds: float,
               what: str) -> None:
    """Poll ``done()`` until it is true, as long as the workers run and time remains."""
    deadline = time.monotonic() + seconds
    while not done():
        if process.poll() is not None:
            raise RunFailed(f"the workers exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RunFailed(f"{what} took more than {seconds:.0f} s")
        time.sleep(POLL_SECONDS)


def last_done(queue: JobQueue, libraries: list[str], process: subprocess.Popen[bytes],
              seconds: float) -> float:
    """Wait for every library's harvest to be done; when the last one was (Unix time)."""
    found: list[JobState] = []

    def all_done() -> bool:
        found[:] = harvest_states(queue, libraries)
        return len(found) == len(libraries) and all(s.state == "done" for s in found)

    wait_until(all_done, process, seconds, "the harvests")
    return max(state.at.timestamp() for state in found)


def measure(queue: JobQueue, setting: Setting, process: subprocess.Popen[bytes],
            seconds: float) -> tuple[Snapshot, float, Snapshot, float]:
    """Queue every harvest; the clocks before, the last done time, the clocks after it was
    seen, and when the queue was empty."""
    libraries = [library.id for library in setting.network.libraries]
    before = Snapshot.take(process.pid, setting.sandbox_pid)
    for library in libraries:
        queue.harvest(library, origin="bench")
    done = last_done(queue, libraries, process, seconds)
    after = Snapshot.take(process.pid, setting.sandbox_pid)
    wait_until(lambda: queue.depth() == 0, process, seconds, "emptying the queue")
    return before, done, after, time.time()


def result(database: str, workers: int, setting: Setting, before: Snapshot, done: float,
           after: Snapshot, drained: float, peak_mb: float, check: str) -> Result:
    busy, total = after.busy - before.busy, after.total - before.total
    return Result(database, workers, len(setting.network.libraries), setting.expected,
                  done - before.wall, drained - before.wall,
                  after.workers_cpu - before.workers_cpu,
                  after.sandbox_cpu - before.sandbox_cpu,
                  after.postgres_cpu - before.postgres_cpu, busy / CLOCK_TICKS,
                  busy / max(total, 1), peak_mb, check)


def failed(database: str, workers: int, setting: Setting, reason: str) -> Result:
    nan = math.nan
    return Result(database, workers, len(setting.network.libraries), setting.expected, nan,
                  nan, nan, nan, nan, nan, nan, nan, f"FAILED: {reason}")


def run_one(children: Children, args: argparse.Namespace, setting: Setting, database: str,
            workers: int, work: Path) -> Result:
    """One fresh store and namespace, ``workers`` worker processes, every library harvested."""
    namespace = f"bench-workers-{os.getpid()}-{database}-{workers}"
    url = fresh_store(args, database, work)
    config = write_config(work, setting, url, args.redis, namespace)
    env = workers_env(config, url, args.redis)
    queue = JobQueue(args.redis, HarvesterConfig(namespace=namespace))
    process = None
    try:
        if not args.refresh:
            hold_refresh_back(queue)
        process = start_workers(children, config, env, workers, work / "workers.log")
        sampler = TreeSampler(process.pid)
        sampler.start()
        before, done, after, drained = measure(queue, setting, process, args.timeout)
        sampler.sample()
        peak = sampler.stop(Usage(0.0, 0.0)).peak_rss_mb
    except RunFailed as exc:
        return failed(database, workers, setting, f"{exc}; see {work}")
    finally:
        if process is not None:
            stop_workers(children, process)
        queue.close()
        forget(args.redis, namespace)
    check = check_store(config, env, setting.expected)
    return result(database, workers, setting, before, done, after, drained, peak, check)


def start_sandbox(children: Children, args: argparse.Namespace, network: SandboxNetwork,
                  base: Path) -> Setting:
    """The sandbox as its own process, warmed: every list fetched once."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    sandbox = children.start(
        [sys.executable, "-m", "services.sandbox", "--port", str(port), "--sip2-port", "0",
         "--records", str(args.records), "--libraries", str(args.libraries), "--seed",
         str(args.seed), "--page-size", str(args.page_size)], base / "sandbox.log")
    wait_for_health(base_url, sandbox)
    started = time.perf_counter()
    warm(base_url, network)
    print(f"warmed the sandbox in {time.perf_counter() - started:.0f} s", flush=True)
    expected = sum(catalogue.count for catalogue in network.catalogues.values())
    return Setting(network, base_url, sandbox.pid, expected)


def table(results: list[Result]) -> str:
    head = ("| database | workers | libraries | records | seconds | records/s | speed-up "
            "| workers CPU s | sandbox CPU s | PostgreSQL CPU s | other CPU s "
            "| machine CPU busy "
            "| workers peak MB (PSS) | queue empty s | check |")
    rule = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    return "\n".join([head, rule, *(row(r, results) for r in results)])


def row(r: Result, results: list[Result]) -> str:
    first = next(other for other in results if other.database == r.database)
    other_cpu = r.busy_cpu - r.workers_cpu - r.sandbox_cpu - r.postgres_cpu
    return (f"| {r.database} | {r.workers} | {r.libraries} | {r.records:,} | {r.seconds:.1f} "
            f"| {r.rate:,.0f} | {r.rate / first.rate:.2f}× | {r.workers_cpu:.1f} "
            f"| {r.sandbox_cpu:.1f} | {r.postgres_cpu:.1f} | {other_cpu:.1f} | {r.busy:.0%} "
            f"| {r.workers_peak_mb:,.0f} | {r.drained:.1f} | {r.check} |")


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    cli.add_argument("--records", type=int, default=1_000_000,
                     help="records in the sandbox network (default 1000000)")
    cli.add_argument("--libraries", type=int, default=20, help="sandbox libraries (default 20)")
    cli.add_argument("--workers", type=_ints, default=[1, 2, 4], metavar="N,N...",
                     help="worker processes of each setting, in turn (default 1,2,4)")
    cli.add_argument("--databases", type=_databases, default=["postgresql"],
                     metavar="postgresql,sqlite", help="stores to measure (default postgresql)")
    cli.add_argument("--smoke", action="store_true",
                     help="a quick check that it all works: 2 libraries, 2,000 records, "
                          "workers 1,2")
    cli.add_argument("--refresh", action="store_true",
                     help="let the harvests queue their merge and index updates (held back "
                          "by default); 'queue empty s' then includes them")
    cli.add_argument("--page-size", type=int, default=100, help="OAI-PMH records per page")
    cli.add_argument("--seed", type=int, default=42)
    cli.add_argument("--postgres-url", default=DEFAULT_POSTGRES_WORKERS_URL,
                     help="the bench database; dropped and created again for each setting, "
                          "so its name must contain 'bench'")
    cli.add_argument("--redis", default=DEFAULT_REDIS_URL,
                     help="the Redis of the queue; each setting uses a namespace of its own, "
                          "deleted afterwards")
    cli.add_argument("--timeout", type=float, default=3600.0,
                     help="seconds a setting may take before it is given up")
    cli.add_argument("--keep", action="store_true",
                     help="keep the work directory (configs, logs, SQLite files) and the last "
                          "PostgreSQL database")
    return cli


def arguments(argv: list[str] | None) -> argparse.Namespace:
    args = parser().parse_args(argv)
    if args.smoke:
        args.records, args.libraries, args.workers = 2000, 2, [1, 2]
    return args


def run_all(children: Children, args: argparse.Namespace, base: Path) -> list[Result]:
    network = SandboxNetwork(seed=args.seed, total_records=args.records,
                             libraries=network_libraries(args.libraries))
    setting = start_sandbox(children, args, network, base)
    results: list[Result] = []
    for database in args.databases:
        for workers in args.workers:
            work = base / f"{database}-{workers}"
            work.mkdir()
            print(f"harvesting {setting.expected:,} records of {args.libraries} libraries "
                  f"into {database} with {workers} worker(s)...", flush=True)
            results.append(run_one(children, args, setting, database, workers, work))
            print(row(results[-1], results), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    children = Children()
    base = Path(tempfile.mkdtemp(prefix="catalogue-sync-bench-workers-"))
    try:
        with interrupted_on_sigterm():
            results = run_all(children, args, base)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        clean_up(args, base)
    print()
    print(f"{os.cpu_count()} CPUs; {args.libraries} libraries; page size {args.page_size}; "
          f"warm sandbox; merge and index updates "
          f"{'included' if args.refresh else 'held back'}")
    print(table(results))
    return 0 if all(r.check == "ok" for r in results) else 1


def clean_up(args: argparse.Namespace, base: Path) -> None:
    if args.keep:
        print(f"kept {base}")
        return
    shutil.rmtree(base, ignore_errors=True)
    if "postgresql" in args.databases:
        with suppress(psycopg.Error):
            drop_database(args.postgres_url)


if __name__ == "__main__":
    sys.exit(main())
