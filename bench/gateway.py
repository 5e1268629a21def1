"""Gateway speed: the vendors' entitlement check and CAS ticket validation, from another process.

    .venv/bin/python bench/gateway.py                       # 20,000 patrons, 15 s per step
    .venv/bin/python bench/gateway.py --seconds 5 --clients 8
    .venv/bin/python bench/gateway.py --redis redis://127.0.0.1:6379/14 --database URL

The gateway runs as ``catalogue-sync serve gateway`` in a process of its own, on a network of
ten libraries, an API vendor with five resources (rules by library, category and dates) and
a CAS vendor. Its store (a new SQLite file under ``var/bench/gateway/``, or ``--database``)
is filled first with ``--patrons`` pseudonyms as patrons opening resources leave them, and
one API key (with a limit high enough not to be reached). A driver process then sends, from
``--clients`` threads over kept-alive ``http.client`` connections for ``--seconds`` each:

- **check**: ``GET /api/v1/entitlements/check`` with the key, for a known pseudonym (80 %:
  entitled or not, by the resource's rules) or an unknown one (20 %); every answer is
  checked against what the bench expects. Each call also writes its audit row.
- **ticket**: ``GET /cas/login`` with a signed-in session (untimed: it issues the ticket),
  then ``GET /cas/p3/serviceValidate`` for it (timed); the answer must be a success. Skipped
  when the gateway has no CAS endpoint.

It prints requests/s and p50, p95, p99 latency for each step and concurrency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.threads import in_threads  # noqa: E402
from catalogue_sync.config import NetworkConfig, load_network  # noqa: E402
from catalogue_sync.gateway import vendors  # noqa: E402
from catalogue_sync.gateway.pseudonyms import PseudonymKeys, pseudonym  # noqa: E402
from catalogue_sync.gateway.sessions import Patron, Sessions  # noqa: E402
from catalogue_sync.offer import entitled  # noqa: E402
from catalogue_sync.store import Store  # noqa: E402
from catalogue_sync.store import vendors as stored  # noqa: E402
from services.serving import free_port, wait_until_up  # noqa: E402

HERE = ROOT / "var" / "bench" / "gateway"
LIBRARIES = [f"bib{number}" for number in range(10)]
SERVICE = "https://presse.bench.invalid/reseau/"
KEYS_VARIABLE = "CATALOGUE_SYNC_PSEUDONYM_KEYS"
WARM_UP = 3.0


def network_toml(database: str, redis_url: str) -> str:
    """The bench's network: ten libraries, an API vendor's five resources, a CAS vendor."""
    libraries = "".join(
        f'\n[libraries.{library}]\nname = "{library}"\nflavour = "marc21"\n'
        f'connector = {{ type = "oai-pmh", url = "http://{library}.invalid/oai" }}\n'
        for library in LIBRARIES)
    return f'''[network]
name = "Banc d'essai"

[storage]
url = "{database}"

[cache]
redis_url = "{redis_url}"
key_prefix = "bench-gateway"

[gateway]
cookie_secure = false
ticket_seconds = 300
{libraries}
[vendors.filmo]
name = "Filmo"
access = "api"

[vendors.presse]
name = "Presse"
access = "cas"
services = ["{SERVICE}"]

[resources.films]
vendor = "filmo"
name = "Films"
kind = "video"
url = "https://filmo.bench.invalid/"

[resources.films-jeunes]
vendor = "filmo"
name = "Films jeunesse"
kind = "video"
url = "https://filmo.bench.invalid/jeunes"
categories = ["youth"]

[resources.films-nord]
vendor = "filmo"
name = "Films du nord"
kind = "video"
url = "https://filmo.bench.invalid/nord"
libraries = ["bib0", "bib1", "bib2"]

[resources.docs]
vendor = "filmo"
name = "Documentaires"
kind = "video"
url = "https://filmo.bench.invalid/docs"
categories = ["adult"]
libraries = ["bib3", "bib4", "bib5", "bib6"]

[resources.archives]
vendor = "filmo"
name = "Archives"
kind = "video"
url = "https://filmo.bench.invalid/archives"
ends = 2020-12-31

[resources.kiosque]
vendor = "presse"
name = "Kiosque"
kind = "press"
url = "{SERVICE}kiosque"
'''


# Preparing the store, the key and the sessions


def prepare(config: Path, keys: PseudonymKeys, patrons: int, seed: int
            ) -> tuple[str, list[list[object]]]:
    """The API key, and the checks to send: [pseudonym, resource, expected answer]."""
    network = load_network(config)
    store = Store(network.database_url())
    store.create_schema()
    rng = random.Random(seed)
    known = remember(store, network, keys, patrons, rng)
    key = vendors.create_key(store, network, "filmo", label="bench", per_minute=100_000_000)
    store.close()
    resources = [r for r in network.resources.values() if r.vendor == "filmo"]
    today = vendors.utcnow().date()
    checks: list[list[object]] = []
    for _ in range(50_000):
        resource = rng.choice(resources)
        if rng.random() < 0.2:
            alias = "v1." + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz234567", k=26))
            checks.append([alias, resource.id, False])
            continue
        alias, library, category = rng.choice(known)
        checks.append([alias, resource.id, entitled(resource, library, category, today)])
    return key.secret_text, checks


def remember(store: Store, network: NetworkConfig, keys: PseudonymKeys, patrons: int,
             rng: random.Random) -> list[tuple[str, str, str]]:
    """``patrons`` pseudonyms of filmo, as opening its resources leaves them."""
    known = []
    now = vendors.utcnow()
    with store.transaction("remembering the bench's patrons", writes=True) as connection:
        for number in range(patrons):
            library = rng.choice(LIBRARIES)
            category = "youth" if rng.random() < 0.3 else "adult"
            alias = pseudonym(keys.subject(library, f"2900{number:08d}"), "filmo")
            stored.remember_patron(connection, "filmo", alias,
                                   stored.KnownPatron(library, category, now))
            known.append((alias, library, category))
    return known


def sessions_for(network: NetworkConfig, keys: PseudonymKeys, count: int) -> list[str]:
    """Signed-in sessions (their cookie values), opened as the sign-in opens them."""
    client = redis.Redis.from_url(network.redis_url() or "")
    sessions = Sessions(client, prefix=f"{network.cache.key_prefix}:gateway", idle=3600,
                        absolute=3600)
    opened = [sessions.open(Patron(LIBRARIES[n % 10], "adult",
                                   keys.subject(LIBRARIES[n % 10], f"3100{n:08d}"))).id
              for n in range(count)]
    client.close()
    return opened


def forget(redis_url: str) -> None:
    """The bench's Redis keys of earlier runs."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="bench-gateway:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# Serving and driving


@dataclass(frozen=True, slots=True)
class Measured:
    step: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    def line(self) -> str:
        if not self.latencies:
            return f"{self.step:6} {self.clients:>2} clients  no answer  errors {self.errors}"
        ordered = sorted(self.latencies)
        p50, p95, p99 = (ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000
                         for q in (0.5, 0.95, 0.99))
        return (f"{self.step:6} {self.clients:>2} clients  {self.requests:>7,} requests  "
                f"{self.requests / self.seconds:>6.0f} req/s  p50 {p50:5.1f} ms  "
                f"p95 {p95:5.1f} ms  p99 {p99:5.1f} ms  "
                f"mean {statistics.fmean(ordered) * 1000:5.1f} ms  errors {self.errors}")


def serve(config: Path, keys_text: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-c", "from services.cli import main; main()", "--config",
               str(config), "--log-level", "WARNING", "serve", "gateway", "--port", str(port),
               "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, KEYS_VARIABLE: keys_text})
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base_url}/health", lambda: process.poll() is None, "gateway")
    return process, base_url


Call = Callable[[http.client.HTTPConnection, random.Random], bool]
"""One timed call on a connection: whether the answer is the one expected."""


def drive(base_url: str, call: Call, clients: int, seconds: float, step: str) -> Measured:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    parts = urlsplit(base_url)

    def client(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                right = call(connection, rng)
                took = time.perf_counter() - started
                with lock:
                    if right:
                        latencies.append(took)
                    else:
                        errors[0] += 1
        finally:
            connection.close()

    seconds = in_threads(clients, client)
    return Measured(step, clients, len(latencies), errors[0], seconds,
                    latencies)


def checking(key: str, checks: list[list[object]]) -> Call:
    headers = {"Authorization": f"Bearer {key}"}

    def call(connection: http.client.HTTPConnection, rng: random.Random) -> bool:
        alias, resource, expected = rng.choice(checks)
        connection.request("GET", "/api/v1/entitlements/check?" + urlencode(
            {"patron": alias, "resource": resource}), headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        return answer.status == 200 and json.loads(body)["entitled"] == expected

    return call


def ticket_step(base_url: str, sessions: list[str], clients: int, seconds: float
                ) -> Measured:
    """Like drive(), but each thread asks /cas/login for a ticket before each timed
    validation, and only the validation is timed."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    parts = urlsplit(base_url)
    service = SERVICE + "kiosque"

    def client(number: int) -> None:
        cookie = {"Cookie": f"session={sessions[number % len(sessions)]}"}
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            while time.monotonic() < deadline:
                connection.request("GET", "/cas/login?" + urlencode({"service": service}),
                                   headers=cookie)
                answer = connection.getresponse()
                answer.read()
                location = answer.getheader("location") or ""
                ticket = location.partition("ticket=")[2]
                started = time.perf_counter()
                connection.request("GET", "/cas/p3/serviceValidate?" + urlencode(
                    {"service": service, "ticket": ticket}))
                validated = connection.getresponse()
                body = validated.read()
                took = time.perf_counter() - started
                with lock:
                    if ticket and b"authenticationSuccess" in body:
                        latencies.append(took)
                    else:
                        errors[0] += 1
        finally:
            connection.close()

    seconds = in_threads(clients, client)
    # The time includes the untimed logins: requests/s counts validations only.
    return Measured("ticket", clients, len(latencies), errors[0], seconds,
                    latencies)


def has_cas(base_url: str) -> bool:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request("GET", "/cas/p3/serviceValidate")
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer.status == 200


def driver_main(args: argparse.Namespace) -> int:
    """The driver process: warm up, then each step and concurrency; one JSON line each."""
    plan = json.loads(Path(args.plan).read_text())
    call = checking(plan["key"], plan["checks"])
    drive(args.drive, call, 4, WARM_UP, "warm-up")
    results = [drive(args.drive, call, clients, args.seconds, "check")
               for clients in args.clients]
    if has_cas(args.drive):
        ticket_step(args.drive, plan["sessions"], 4, WARM_UP)
        results += [ticket_step(args.drive, plan["sessions"], clients, args.seconds)
                    for clients in args.clients]
    else:
        print(json.dumps({"skipped": "the gateway has no /cas endpoint"}), flush=True)
    for measured in results:
        print(json.dumps({"step": measured.step, "clients": measured.clients,
                          "requests": measured.requests, "errors": measured.errors,
                          "seconds": measured.seconds, "latencies": measured.latencies}),
              flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--patrons", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="gateway processes")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database", help="the store's URL (default: a new SQLite file)")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        return driver_main(args)
    HERE.mkdir(parents=True, exist_ok=True)
    database = HERE / "gateway.sqlite"
    for leftover in HERE.glob("gateway.sqlite*"):
        leftover.unlink()
    config = HERE / "network.toml"
    config.write_text(network_toml(args.database or f"sqlite:///{database}", args.redis))
    keys_text = f"v1:{secrets.token_hex(32)}"
    keys = PseudonymKeys.parse(keys_text)
    forget(args.redis)
    key, checks = prepare(config, keys, args.patrons, args.seed)
    plan = HERE / "plan.json"
    plan.write_text(json.dumps({"key": key, "checks": checks,
                                "sessions": sessions_for(load_network(config), keys, 64)}))
    server, base_url = serve(config, keys_text, args.workers)
    try:
        command = [sys.executable, __file__, "--drive", base_url, "--plan", str(plan),
                   "--seconds", str(args.seconds), "--clients", *map(str, args.clients)]
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        plan.unlink()  # it holds a live API key
    print(f"gateway benchmark: {args.patrons:,} pseudonyms known, {args.workers} gateway "
          f"process(es), store "
          f"{'SQLite' if not args.database else args.database.split(':')[0]}, "
          f"{args.seconds:.0f} s per step and concurrency")
    for line in done.stdout.splitlines():
        result = json.loads(line)
        print(result["skipped"] if "skipped" in result else Measured(**result).line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
