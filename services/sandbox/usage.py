"""Usage history for the sandbox network's digital offer, so that its charts and reports
have months to show: ``python -m services.sandbox.usage [--months 6] [--seed 7]``.

The gateway writes one usage event per resource opened (hour, resource, library, patron
category, salted session hash); this writes events of the same shape for the past months,
as if patrons of each library had opened the network's resources: more in the big
libraries, fewer on weekends and in August, a few sessions opening a resource more than
once. Small cells stay small on purpose: some fall under the suppression threshold and show
as gaps, as a real network's would. Only the store of network.toml (CATALOGUE_SYNC_CONFIG) is
written, and only when it holds no usage event yet (``--force`` adds more anyway).
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from catalogue_sync.config import NetworkConfig, get_settings, load_network
from catalogue_sync.offer import ResourceConfig
from catalogue_sync.store import Store
from catalogue_sync.store.schema import usage_events

DAILY_SESSIONS = {"presse": 9.0, "autoformation": 2.5, "livres": 5.0}
"""Sessions a day in the biggest library, per resource (others: 3)."""
ADULT_SHARE = 0.8


def events(network: NetworkConfig, *, months: int, seed: int,
           now: datetime | None = None) -> Iterator[dict[str, object]]:
    """Usage event rows for the ``months`` before ``now``, the same for the same seed."""
    rng = random.Random(seed)
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    day = end - timedelta(days=30 * months)
    sizes = _library_weights(network)
    while day < end:
        for resource in network.resources.values():
            for library, weight in sizes.items():
                if resource.libraries and library not in resource.libraries:
                    continue
                yield from _day(rng, resource, library, weight, day)
        day += timedelta(days=1)


def _library_weights(network: NetworkConfig) -> dict[str, float]:
    """The biggest library 1.0, the others by their rank: the first is the biggest."""
    ids = [library.id for library in network.libraries.values() if library.patrons]
    return {library: 1.0 / (rank + 1) for rank, library in enumerate(ids)}


def _day(rng: random.Random, resource: ResourceConfig, library: str, weight: float,
         day: datetime) -> Iterator[dict[str, object]]:
    mean = DAILY_SESSIONS.get(resource.id, 3.0) * weight * _season(day)
    for _ in range(_poisson(rng, mean)):
        category = "adult" if rng.random() < ADULT_SHARE else "youth"
        if resource.categories and category not in resource.categories:
            continue
        session = hashlib.sha256(rng.randbytes(16)).hexdigest()
        hour = day.replace(hour=rng.choice(range(9, 22)))
        for _ in range(1 + (rng.random() < 0.3)):  # some open it twice, later
            yield {"hour": hour, "resource": resource.id, "library": library,
                   "category": category, "session_hash": session}


def _season(day: datetime) -> float:
    weekend = 0.6 if day.weekday() >= 5 else 1.0
    return weekend * (0.5 if day.month == 8 else 1.0)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means here."""
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def write(store: Store, rows: Iterator[dict[str, object]], batch: int = 5000) -> int:
    written, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            written += _insert(store, chunk)
            chunk = []
    return written + (_insert(store, chunk) if chunk else 0)


def _insert(store: Store, rows: list[dict[str, object]]) -> int:
    with store.transaction("writing sandbox usage events", writes=True) as connection:
        connection.execute(sa.insert(usage_events), rows)
    return len(rows)


def has_usage(store: Store) -> bool:
    with store.transaction("counting usage events") as connection:
        return connection.execute(sa.select(usage_events.c.id).limit(1)).first() is not None


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m services.sandbox.usage", description=__doc__
                                  .split("\n\n")[0])
    cli.add_argument("--config", type=Path, default=None, help="network.toml (default: "
                     "CATALOGUE_SYNC_CONFIG or ./network.toml)")
    cli.add_argument("--months", type=int, default=6)
    cli.add_argument("--seed", type=int, default=7)
    cli.add_argument("--force", action="store_true", help="add events even if some exist")
    args = cli.parse_args(argv)
    network = load_network(args.config or get_settings().config)
    if not network.resources:
        cli.error(f"{network.path} declares no [resources]: nothing to use")
    store = Store(network.database_url())
    try:
        store.create_schema()
        if has_usage(store) and not args.force:
            print("usage events already stored; none added (--force adds more)")
            return 0
        count = write(store, events(network, months=args.months, seed=args.seed))
    finally:
        store.close()
    print(f"wrote {count} usage events over {args.months} months "
          f"for {len(network.resources)} resources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
