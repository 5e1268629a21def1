"""Merge speed and memory: a full merge of a big network, then an incremental one.

    .venv/bin/python bench/merge.py                                  # 1,000,000 records
    .venv/bin/python bench/merge.py --records 100000 --changes 2000
    .venv/bin/python bench/merge.py --database postgresql

The network is the sandbox's five libraries and five more catalogued the same way under
other ids (``--libraries``), ``--records`` source records in all. They are stored as a
harvest stores them (``prepare_page`` then ``Store.store_page``), generated and parsed on
every core; the loaded store is kept under ``var/bench/merge/`` (SQLite) or as a template
database (PostgreSQL) and reused by later runs with the same figures, since loading a
million records takes longer than merging them.

Then, each in a child process of its own so that its peak RSS is the merge's alone:

1. full: the first merge of every record (``merge run`` on an empty union catalogue);
2. incremental: ``--changes`` live records are changed or deleted at their source (nine in
   ten changed, one in ten deleted, spread over the libraries), stored as an incremental
   harvest stores them, and merged (``merge run``);
3. rebuild: every record merged again over that catalogue (``merge run --full``), which
   finds the same clusters and so writes nothing.

Prints seconds, records per second and peak RSS of each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from catalogue_sync.config import LibraryConfig, MergeConfig  # noqa: E402
from catalogue_sync.merge.catalogue import merge  # noqa: E402
from catalogue_sync.merge.settings import MergeSettings  # noqa: E402
from catalogue_sync.models import RawFormat, RawRecord  # noqa: E402
from catalogue_sync.parsing import Prepared, prepare_page  # noqa: E402
from catalogue_sync.store import PageCounts, Store  # noqa: E402
from services.sandbox.config import library_table  # noqa: E402
from services.sandbox.generator import SandboxNetwork  # noqa: E402
from services.sandbox.libraries import SandboxLibrary, default_libraries  # noqa: E402

CHUNK = 2000
"""Records generated and parsed per task, and stored per page."""
SEED = 42
CHANGED_AT = datetime(2026, 6, 1, tzinfo=UTC)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def libraries(count: int) -> list[SandboxLibrary]:
    """The sandbox's libraries, then copies of them under new ids, ``count`` in all."""
    base = default_libraries()
    found = []
    for n in range(count):
        library = base[n % len(base)]
        if n >= len(base):
            library = dataclasses.replace(library, id=f"{library.id}-{n // len(base) + 1}")
        found.append(library)
    return found


def network(records: int, library_count: int) -> SandboxNetwork:
    return SandboxNetwork(seed=SEED, total_records=records, libraries=libraries(library_count))


def library_config(library: SandboxLibrary) -> LibraryConfig:
    return LibraryConfig(id=library.id, **library_table("http://sandbox.invalid", library).unwrap())


def raw(network: SandboxNetwork, library: str, index: int) -> RawRecord:
    record = network.record(library, index)
    data = b"" if record.deleted else record.marcxml()
    return RawRecord(record.local_id, record.datestamp, record.deleted, data,
                     RawFormat.MARCXML, f"sandbox:{library}/{index}")


# Loading, in worker processes

_worker_network: SandboxNetwork | None = None


def _start_worker(records: int, library_count: int) -> None:
    global _worker_network
    _worker_network = network(records, library_count)


def _prepare(task: tuple[str, int, int]) -> Prepared:
    library, start, stop = task
    assert _worker_network is not None
    config = library_config(_worker_network.library(library))
    return prepare_page(config, [raw(_worker_network, library, i) for i in range(start, stop)])


def load(url: str, records: int, library_count: int) -> int:
    """Store every record of the network as full harvests would; how many were stored."""
    store = Store(url)
    store.create_schema()
    plan = network(records, library_count)
    tasks = [(lib.id, start, min(start + CHUNK, plan.catalogue(lib.id).count))
             for lib in plan.libraries
             for start in range(0, plan.catalogue(lib.id).count, CHUNK)]
    runs = {lib.id: store.start_run(lib.id, "full") for lib in plan.libraries}
    stored = 0
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, initializer=_start_worker,
                             initargs=(records, library_count)) as pool:
        for (library, _, _), (good, problems) in zip(tasks, pool.map(_prepare, tasks),
                                                     strict=True):
            store.store_page(library, runs[library], good, problems, None)
            stored += len(good)
            if stored % 100_000 < CHUNK:
                print(f"  loaded {stored:,} records", flush=True)
    for library, run_id in runs.items():
        store.finish_run(library, run_id, next_since=None, counts=PageCounts())
    store.close()
    return stored


def change(url: str, records: int, library_count: int, changes: int) -> int:
    """Change or delete ``changes`` live records at their sources and store them."""
    plan = network(records, library_count)
    store = Store(url)
    stamp = int(CHANGED_AT.timestamp())
    per_library = _spread(changes, len(plan.libraries))
    for lib, count in zip(plan.libraries, per_library, strict=True):
        deleted = count // 10
        changed, gone = plan.catalogue(lib.id).tick(count - deleted, deleted, stamp)
        run_id = store.start_run(lib.id, "incremental")
        config = library_config(lib)
        indexes = sorted(changed + gone)
        for start in range(0, len(indexes), CHUNK):
            page = [raw(plan, lib.id, i) for i in indexes[start : start + CHUNK]]
            good, problems = prepare_page(config, page)
            store.store_page(lib.id, run_id, good, problems, None)
        store.finish_run(lib.id, run_id, next_since=None, counts=PageCounts())
    store.close()
    return changes


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


# The databases


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """Where the loaded network is kept, and where each run works on a copy of it."""

    kind: str
    records: int
    library_count: int
    postgres_admin: str

    @property
    def name(self) -> str:
        return f"merge_{self.records}_{self.library_count}"

    def kept(self) -> str:
        if self.kind == "sqlite":
            path = ROOT / "var" / "bench" / "merge" / f"{self.name}.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{path}"
        return self._postgres_url(f"cs_bench_{self.name}_template")

    def working(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{ROOT / 'var' / 'bench' / 'merge' / f'{self.name}-working.sqlite'}"
        return self._postgres_url(f"cs_bench_{self.name}_working")

    def exists(self) -> bool:
        if self.kind == "sqlite":
            return sqlite_path(self.kept()).exists()
        return self._database_exists(f"cs_bench_{self.name}_template")

    def copy(self) -> str:
        """A fresh working copy of the loaded network; its URL."""
        if self.kind == "sqlite":
            working = sqlite_path(self.working())
            for suffix in ("-wal", "-shm"):  # a stale log would be replayed into the copy
                working.with_name(working.name + suffix).unlink(missing_ok=True)
            shutil.copyfile(sqlite_path(self.kept()), working)
            return self.working()
        self._admin(f"DROP DATABASE IF EXISTS cs_bench_{self.name}_working")
        self._admin(f"CREATE DATABASE cs_bench_{self.name}_working "
                    f"TEMPLATE cs_bench_{self.name}_template")
        return self.working()

    def prepare_kept(self) -> None:
        if self.kind == "sqlite":
            sqlite_path(self.kept()).unlink(missing_ok=True)
        else:
            self._admin(f"DROP DATABASE IF EXISTS cs_bench_{self.name}_template")
            self._admin(f"CREATE DATABASE cs_bench_{self.name}_template")

    def _postgres_url(self, database: str) -> str:
        return sa.make_url(self.postgres_admin).set(database=database).render_as_string(
            hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self.postgres_admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
        engine.dispose()

    def _database_exists(self, name: str) -> bool:
        engine = sa.create_engine(self.postgres_admin)
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": name}).first()
        engine.dispose()
        return found is not None


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


# Timed phases, each in a child process


def child(phase: str, url: str) -> dict[str, Any]:
    """Run one merge here and report it (this process exists for that alone); the merge's
    own log (its phases and their seconds) goes to standard error."""
    logging.basicConfig(level=logging.INFO, format="  %(message)s", stream=sys.stderr)
    logging.getLogger("catalogue_sync.merge.region").setLevel(logging.ERROR)  # capped keys
    store = Store(url)
    settings = MergeSettings.from_config(MergeConfig())
    summary = merge(store, settings, full=phase == "rebuild")
    store.close()
    return {"phase": phase, "records": summary.records, "created": summary.created,
            "changed": summary.changed, "deleted": summary.deleted,
            "seconds": summary.seconds,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(phase: str, url: str) -> dict[str, Any]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--child", phase, "--url", url],
                          check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - started
    return result


def merged_count(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text(
            "SELECT count(*) FROM merged_records WHERE NOT deleted")).scalar_one()
    engine.dispose()
    return int(count)


def report(result: dict[str, Any]) -> str:
    rate = result["records"] / result["seconds"] if result["seconds"] else 0.0
    return (f"{result['phase']:<12} {result['records']:>10,} records  "
            f"{result['seconds']:>8.1f} s  {rate:>8,.0f} rec/s  "
            f"peak RSS {result['peak_rss_mib']:>7,.0f} MiB  (new {result['created']:,}, "
            f"changed {result['changed']:,}, deleted {result['deleted']:,})")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--libraries", type=int, default=10)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CATALOGUE_SYNC_BENCH_POSTGRES", DEFAULT_POSTGRES),
        help="a PostgreSQL URL allowed to create databases")
    parser.add_argument("--reload", action="store_true",
                        help="load the network again even if a loaded copy is kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    return parser


def phases(args: argparse.Namespace) -> Iterator[str]:
    target = Target(args.database, args.records, args.libraries, args.postgres_url)
    if args.reload or not target.exists():
        target.prepare_kept()
        started = time.monotonic()
        stored = load(target.kept(), args.records, args.libraries)
        yield (f"loaded {stored:,} records from {args.libraries} libraries in "
               f"{time.monotonic() - started:.0f} s (kept for later runs)")
    url = target.copy()
    yield report(run_child("full", url))
    yield f"{'':<12} {merged_count(url):,} merged records"
    change(url, args.records, args.libraries, args.changes)
    yield report(run_child("incremental", url))
    yield report(run_child("rebuild", url))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.url)))
        return 0
    print(f"merge benchmark: {args.records:,} records, {args.libraries} libraries, "
          f"{args.changes:,} changes, {args.database}, {os.cpu_count()} cores")
    for line in phases(args):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
