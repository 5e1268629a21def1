"""OAI-PMH provider speed on a big union catalogue: is every page as fast as the first?

    .venv/bin/python bench/oai.py                             # 1,000,000 merged records
    .venv/bin/python bench/oai.py --records 100000 --database postgresql

The union catalogue is written straight into the tables (merged records whose display
records are the sandbox's own, copied under new ids, with two or three member libraries
each): the provider reads only ``merged_records`` and ``cluster_members``. Then it times,
through ``OaiProvider.answer`` (no HTTP):

1. Identify (earliestDatestamp);
2. the first page of ListRecords (marcxml), which also counts the list (completeListSize);
3. pages resumed near the start, the middle and the end of the list (stateless tokens);
4. the first sync of the library sets, then ListIdentifiers of one library, first and last
   pages; an incremental ListRecords (from= the last hour).

Each timing is the median of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from catalogue_sync.config import ConnectorConfig, LibraryConfig, NetworkConfig
from catalogue_sync.export.oai import OaiProvider, RetryLater
from catalogue_sync.export.oai.tokens import ListQuery, Resumption, encode
from catalogue_sync.models import Flavour
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MERGED_SEQ, lock_counter, set_counter
from catalogue_sync.store.oai import OAI_SETS_SEQ, Position, Window
from catalogue_sync.store.schema import cluster_members, merged_records, oai_set_records

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("mediatheque-fm", "reseau-agglo", "departementale", "ludotheque", "centre-doc")
START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20_000
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
"""Where the PostgreSQL run works, in a schema of its own (CATALOGUE_SYNC_BENCH_DATABASE_URL
overrides it)."""


def main() -> None:
    options = _arguments()
    url = _database(options.database, options.records)
    store = Store(url)
    store.create_schema()
    _load(store, options.records)
    _forget_sets(store)
    provider = OaiProvider(store, _network())
    base = "http://localhost/oai"

    def answer(*pairs: tuple[str, str]) -> Callable[[], bytes]:
        return lambda: provider.answer(list(pairs), base)

    records = ("verb", "ListRecords"), ("metadataPrefix", "marcxml")
    _time("Identify", answer(("verb", "Identify")), options.repeat)
    _time("ListRecords, first page (counts the list)", answer(*records), options.repeat)
    for share in (0.01, 0.5, 0.99):
        token = _token(store, options.records, share)
        _time(f"ListRecords, page resumed at {share:.0%}",
              answer(("verb", "ListRecords"), ("resumptionToken", token)), options.repeat)
    started, refusals = time.perf_counter(), 0
    while True:  # as a harvester told to come back would
        try:
            provider.answer([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"),
                             ("set", LIBRARIES[4])], base)
            break
        except RetryLater:
            refusals += 1
    label = f"first sync of the library sets ({refusals} x 503)"
    print(f"{label:<52} {time.perf_counter() - started:>9.1f} s")
    _time(f"ListIdentifiers set={LIBRARIES[4]}, first page",
          answer(("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"),
                 ("set", LIBRARIES[4])), options.repeat)
    recent = (START + timedelta(seconds=options.records - 3_600)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _time("ListRecords from= the last hour", answer(*records, ("from", recent)),
          options.repeat)
    store.close()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def _database(kind: str, records: int) -> str:
    if kind == "postgresql":
        server = os.environ.get("CATALOGUE_SYNC_BENCH_DATABASE_URL", DEFAULT_POSTGRES)
        schema = f"bench_oai_{records}"
        engine = sa.create_engine(server)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine.dispose()
        url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)
    path = ROOT / "var" / "bench" / "oai" / f"catalogue-{records}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _network() -> NetworkConfig:
    connector = ConnectorConfig.model_validate({"type": "oai-pmh", "url": "http://x/oai"})
    libraries = {library: LibraryConfig(id=library, name=library, flavour=Flavour.MARC21,
                                        connector=connector)
                 for library in LIBRARIES}
    return NetworkConfig(libraries=libraries)


def _load(store: Store, count: int) -> None:
    """Merged records m000000000000.., one a second from START, unless already there."""
    with store.transaction("counting") as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(merged_records)
                              ).scalar_one() >= count:
            return
    displays = json.loads((Path(__file__).parent / "oai_displays.json").read_text())
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        rows, members = zip(*_rows(first, min(BATCH, count - first), displays), strict=True)
        with store.transaction("loading", writes=True) as connection:
            connection.execute(sa.insert(merged_records), list(rows))
            connection.execute(sa.insert(cluster_members), [m for ms in members for m in ms])
    with store.transaction("counting", writes=True) as connection:
        lock_counter(connection, MERGED_SEQ)  # as a merge leaves it
        set_counter(connection, MERGED_SEQ, count)
    print(f"loaded {count:,} merged records in {time.perf_counter() - started:.0f} s")


def _forget_sets(store: Store) -> None:
    """Empty the set log, so that its first sync is timed on every run; and gather the
    planner's statistics, as autovacuum would have on a live database."""
    with store.transaction("forgetting the sets", writes=True) as connection:
        connection.execute(sa.delete(oai_set_records))
        lock_counter(connection, OAI_SETS_SEQ)
        set_counter(connection, OAI_SETS_SEQ, 0)
    with store.transaction("analyzing", writes=True) as connection:
        connection.exec_driver_sql("ANALYZE")


def _rows(first: int, count: int, displays: list[dict[str, object]]
          ) -> Iterator[tuple[dict[str, object], list[dict[str, object]]]]:
    for number in range(first, first + count):
        merged_id = f"m{number:012x}"
        libraries = [LIBRARIES[(number + k) % 5] for k in range(2 + number % 2)]
        display = dict(displays[number % len(displays)])
        display["holdings"] = [{"library": library, "record": str(number), "items": []}
                               for library in libraries]
        row = {"id": merged_id, "work": "work", "deleted": number % 97 == 0,
               "replaced_by": None, "display": display, "member_count": len(libraries),
               "change_seq": number + 1, "updated_at": START + timedelta(seconds=number)}
        members: list[dict[str, object]] = [
            {"library": library, "local_id": str(number), "merged_id": merged_id,
             "component": merged_id, "rule": "bench", "reason": "bench",
             "linked_library": None, "linked_record": None} for library in libraries]
        yield row, ([] if row["deleted"] else members)


def _token(store: Store, count: int, share: float) -> str:
    number = int(count * share)
    query = ListQuery("ListRecords", "marcxml", None, Window())
    after = Position(START + timedelta(seconds=number), f"m{number:012x}")
    return encode(Resumption(query, after, count, number))


def _time(label: str, run: Callable[[], bytes], repeat: int) -> None:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    print(f"{label:<52} {statistics.median(timings):>9.1f} ms")


if __name__ == "__main__":
    main()
