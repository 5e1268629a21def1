"""Search speed: the HTTP search API over a big union catalogue, driven from another process.

    .venv/bin/python bench/search.py                    # 1,910,000 sources: 1,013,507 merged
    .venv/bin/python bench/search.py --records 200000 --seconds 15 --workers 1
    .venv/bin/python bench/search.py --cache redis://127.0.0.1:6379/14   # answers cached
    .venv/bin/python bench/search.py --keep-index      # the index of the last run, as it is

The catalogue is the one ``bench/merge.py`` builds: the sandbox generator's network of ten
libraries, ``--records`` source records stored as a harvest stores them, merged by the first
merge. It is kept under ``var/bench/search/`` once merged, and indexed again on each run
(the indexing time is printed). Then ``catalogue-sync serve search`` runs as its own
process, and a driver process sends a mix of realistic searches, every one answered with its
facets: title words, author surnames, both, ISBNs as typed (with or without hyphens), words
with a library or format filter, browsing with a filter, and later pages. The mix is drawn
from the catalogue's own records. The driver runs ``--seconds`` at each concurrency (1 and 8
clients by default) after a warm-up, and prints p50, p95 and p99 latency and requests/s.
The service runs ``--workers`` processes (two: one per core of the machine it was written
on); without ``--cache`` every answer is computed, with it the answers are kept in that
Redis (emptied first) as a deployment does, and the share served from it is printed.
The driver sends with ``http.client`` on kept-alive connections, the cheapest client the
standard library has, so that it takes as little as it can of the cores it shares.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench import merge as merge_bench  # noqa: E402
from bench.threads import in_threads  # noqa: E402
from catalogue_sync.config import load_network  # noqa: E402
from catalogue_sync.index.indexer import CatalogueIndex  # noqa: E402
from catalogue_sync.store import Store  # noqa: E402
from services.sandbox.config import network_toml  # noqa: E402
from services.serving import free_port, wait_until_up  # noqa: E402

HERE = ROOT / "var" / "bench" / "search"
SAMPLE = 20_000
"""Merged records the queries are drawn from."""
MIX = 50_000
"""Searches in the mix: more than a run sends, so that a search seldom comes twice."""
WARM_UP = 200


# The catalogue and its index


def catalogue(records: int, libraries: int, cache: str | None) -> Path:
    """A network file over a merged store of ``records`` source records (built if missing)."""
    HERE.mkdir(parents=True, exist_ok=True)
    database = HERE / f"catalogue_{records}_{libraries}.sqlite"
    config = HERE / f"network_{records}_{libraries}.toml"
    url = f"sqlite:///{database}"
    if not database.exists():
        target = merge_bench.Target("sqlite", records, libraries, merge_bench.DEFAULT_POSTGRES)
        if not target.exists():
            print(f"loading {records:,} records (kept for later runs)...", flush=True)
            target.prepare_kept()
            merge_bench.load(target.kept(), records, libraries)
        shutil.copyfile(merge_bench.sqlite_path(target.kept()), database)
        print("merging...", flush=True)
        merge_bench.run_child("full", url)
    network = merge_bench.network(records, libraries)
    text = network_toml("http://sandbox.invalid", network, database=url)
    text += f'\n[index]\npath = "index_{records}_{libraries}"\nwriter_memory_mb = 512\n'
    if cache:
        text += f'\n[cache]\nredis_url = "{cache}"\nkey_prefix = "bench-search"\n'
    config.write_text(text)
    return config


def build_index(config: Path) -> str:
    network = load_network(config)
    store = Store(network.database_url())
    started = time.monotonic()
    run = CatalogueIndex.of(network).rebuild(store)
    store.close()
    return (f"indexed {run.indexed:,} merged records in {time.monotonic() - started:.0f} s "
            f"(peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")


# The queries


def queries(config: Path, seed: int) -> list[dict[str, Any]]:
    """The mix of searches, drawn from a sample of the catalogue's merged records."""
    network = load_network(config)
    engine = sa.create_engine(network.database_url())
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT display FROM merged_records WHERE NOT deleted ORDER BY random() LIMIT :n"),
            {"n": SAMPLE}).scalars().all()
    engine.dispose()
    rng = random.Random(seed)
    records = [json.loads(row) if isinstance(row, str) else row for row in rows]
    libraries = list(network.libraries)
    return [_query(rng, rng.choice(records), libraries) for _ in range(MIX)]


def _query(rng: random.Random, record: dict[str, Any], libraries: list[str]
           ) -> dict[str, Any]:
    words = [w for w in (record.get("title") or "").split()
             if len(w) > 3 and w.lower() not in _FUNCTION_WORDS] or ["histoire"]
    surname = (record.get("authors") or ["Martin"])[0].split(",")[0]
    kind = rng.random()
    if kind < 0.35:
        return {"q": " ".join(rng.sample(words, min(len(words), rng.choice((1, 2)))))}
    if kind < 0.50:
        return {"q": surname}
    if kind < 0.60:
        return {"q": f"{rng.choice(words)} {surname}"}
    if kind < 0.70 and record.get("isbns"):
        isbn = record["isbns"][0]
        return {"q": f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12:]}"
                if len(isbn) == 13 and rng.random() < 0.5 else isbn}
    if kind < 0.85:
        facet = ({"library": rng.choice(libraries)} if rng.random() < 0.5
                 else {"format": record.get("format") or "book"})
        return {"q": rng.choice(words), **facet}
    if kind < 0.92:
        return {"q": "", "library": rng.choice(libraries)}
    return {"q": rng.choice(words), "page": rng.choice((2, 3))}


_FUNCTION_WORDS = frozenset({"sous", "dans", "pour", "avec", "vers", "chez", "entre", "leurs",
                             "their", "with", "from", "into"})


# Serving and driving


@dataclass(frozen=True, slots=True)
class Measured:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    cached: int = 0

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50, p95, p99 = (ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000
                         for q in (0.5, 0.95, 0.99))
        return (f"{self.clients} client{'s' if self.clients > 1 else ' '}  "
                f"{self.requests:>6,} requests  {self.requests / self.seconds:>6.0f} req/s  "
                f"p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  p99 {p99:5.1f} ms  "
                f"mean {statistics.fmean(ordered) * 1000:5.1f} ms  errors {self.errors}"
                + (f"  from the cache {self.cached / self.requests:.0%}" if self.cached else ""))


def serve(config: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
               str(config), "--log-level", "WARNING", "serve", "search", "--port", str(port),
               "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT)
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base_url}/health", lambda: process.poll() is None, "search")
    return process, base_url


def drive(base_url: str, mix: list[dict[str, Any]], clients: int, seconds: float
          ) -> Measured:
    """Send searches from ``clients`` threads for ``seconds``; every answer is checked."""
    latencies: list[float] = []
    errors, cached = [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    host, port = base_url.removeprefix("http://").split(":")
    paths = [f"/api/v1/search?{urlencode(params)}" for params in mix]

    def client(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            while time.monotonic() < deadline:
                path = rng.choice(paths)
                started = time.perf_counter()
                connection.request("GET", path)
                answer = connection.getresponse()
                body = answer.read()
                took = time.perf_counter() - started
                with lock:
                    if answer.status == 200 and b'"facets":' in body:
                        latencies.append(took)
                        cached[0] += answer.getheader("X-Cache") == "hit"
                    else:
                        errors[0] += 1
        finally:
            connection.close()

    seconds = in_threads(clients, client)
    return Measured(clients, len(latencies), errors[0], seconds, latencies,
                    cached[0])


def driver_main(args: argparse.Namespace) -> int:
    """The driver process: warm up, then measure each concurrency; one JSON line each."""
    mix = json.loads(Path(args.queries).read_text())
    drive(args.drive, mix[:WARM_UP], 1, 5)
    for clients in args.clients:
        measured = drive(args.drive, mix, clients, args.seconds)
        print(json.dumps({"clients": clients, "requests": measured.requests,
                          "errors": measured.errors, "seconds": measured.seconds,
                          "latencies": measured.latencies, "cached": measured.cached}),
              flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_910_000)
    parser.add_argument("--libraries", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="search service processes")
    parser.add_argument("--keep-index", action="store_true",
                        help="search the index an earlier run built instead of indexing again")
    parser.add_argument("--cache", metavar="REDIS_URL",
                        help="keep answers in this Redis (emptied of the bench's keys first)")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        return driver_main(args)
    config = catalogue(args.records, args.libraries, args.cache)
    if args.keep_index and CatalogueIndex.of(load_network(config)).state() is not None:
        print("index of an earlier run kept (--keep-index)", flush=True)
    else:
        print(build_index(config), flush=True)
    mix_file = HERE / "queries.json"
    mix_file.write_text(json.dumps(queries(config, args.seed)))
    if args.cache:
        forget(args.cache)
    server, base_url = serve(config, args.workers)
    try:
        command = [sys.executable, __file__, "--drive", base_url, "--queries", str(mix_file),
                   "--seconds", str(args.seconds), "--clients", *map(str, args.clients)]
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"search benchmark: {args.records:,} source records, {args.workers} worker "
          f"process(es), {'answers cached in Redis' if args.cache else 'no cache'}, "
          f"{args.seconds:.0f} s per concurrency, every search with its facets")
    for line in done.stdout.splitlines():
        print(Measured(**json.loads(line)).line())
    return 0


def forget(redis_url: str) -> None:
    """Empty the cache of the bench's earlier answers: every run starts cold."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="bench-search:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
