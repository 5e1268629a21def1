"""Deduplication quality: the merge of the sandbox network against its truth labels.

    .venv/bin/python bench/dedup_eval.py                     # 5,000 records, seed 42
    .venv/bin/python bench/dedup_eval.py --records 20000 --seed 7 --show 20

The sandbox network's records are stored through the harvest pipeline's own parsing
(``prepare_page`` then ``Store.store_page``, in pages, as a harvest would; harvesting over
HTTP is tested elsewhere) into a temporary SQLite store, then merged. Pairwise figures over
live source records: a predicted pair is two records in one merged record, a true pair two
records of the same manifestation (``SandboxNetwork.truth()``). False merges are listed
with both records' titles, authors and formats and the rule that joined them; a few missed
pairs are listed with the rule's verdict. Exit status 1 below the targets (precision 0.995,
recall 0.95) unless ``--no-targets``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue_sync.config import LibraryConfig, MergeConfig  # noqa: E402
from catalogue_sync.merge.catalogue import clusters, explain, merge  # noqa: E402
from catalogue_sync.merge.keys import match_keys  # noqa: E402
from catalogue_sync.merge.rules import decide  # noqa: E402
from catalogue_sync.merge.settings import MergeSettings  # noqa: E402
from catalogue_sync.models import RawFormat, RawRecord  # noqa: E402
from catalogue_sync.pipeline import prepare_page  # noqa: E402
from catalogue_sync.store import PageCounts, Store  # noqa: E402
from services.sandbox.config import library_table  # noqa: E402
from services.sandbox.generator import SandboxNetwork, SandboxRecord  # noqa: E402

PAGE = 500
TARGETS = {"precision": 0.995, "recall": 0.95}
Pair = frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Scores:
    predicted: int
    true: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load(store: Store, network: SandboxNetwork) -> int:
    """Store every sandbox record as a full harvest would; returns how many."""
    total = 0
    for sandbox_library in network.libraries:
        data = library_table("http://sandbox.invalid", sandbox_library).unwrap()
        library = LibraryConfig(id=sandbox_library.id, **data)
        run_id = store.start_run(library.id, "full")
        raws = [_raw(record) for record in network.records(library.id)]
        for start in range(0, len(raws), PAGE):
            records, problems = prepare_page(library, raws[start : start + PAGE])
            store.store_page(library.id, run_id, records, problems, None)
            total += len(records)
        store.finish_run(library.id, run_id, next_since=None, counts=PageCounts())
    return total


def _raw(record: SandboxRecord) -> RawRecord:
    data = b"" if record.deleted else record.marcxml()
    return RawRecord(record.local_id, record.datestamp, record.deleted, data,
                     RawFormat.MARCXML, f"sandbox:{record.library_id}/{record.index}")


def pairs_of(groups: Iterable[list[tuple[str, str]]]) -> set[Pair]:
    return {frozenset(pair) for members in groups
            for pair in itertools.combinations(sorted(members), 2)}


def predicted_groups(store: Store) -> dict[str, list[tuple[str, str]]]:
    return {row["id"]: [(m["library"], m["record"]) for m in row["members"]]
            for row in clusters(store)}


def report_false_merges(store: Store, wrong: set[Pair], where: dict[tuple[str, str], str],
                        show: int) -> None:
    print(f"\nFalse merges ({len(wrong)} pairs):")
    shown = sorted(wrong, key=sorted)[:show]
    rules: dict[tuple[str, str], tuple[str, str]] = {}
    for merged_id in {where[next(iter(pair))] for pair in shown}:
        for member in explain(store, merged_id).members:
            rules[(member.library, member.record)] = (member.rule, member.reason)
    for pair in shown:
        first, second = sorted(pair)
        print(f"  {where[first]}")
        for key in (first, second):
            print(f"    {key[0]}:{key[1]}  {_describe(store, key)}  "
                  f"[{' / '.join(rules.get(key, ('?', '?')))}]")


def report_missed(store: Store, missed: set[Pair], settings: MergeSettings, show: int) -> None:
    print(f"\nMissed pairs ({len(missed)}), first {show}:")
    for pair in sorted(missed, key=sorted)[:show]:
        first, second = sorted(pair)
        a, b = (store.get_record(*first), store.get_record(*second))
        assert a is not None and b is not None
        verdict = decide(match_keys(first[0], a.normalized, settings.blocklist),
                         match_keys(second[0], b.normalized, settings.blocklist),
                         settings.match)
        print(f"  {first[0]}:{first[1]} {_describe(store, first)}")
        print(f"  {second[0]}:{second[1]} {_describe(store, second)}")
        print(f"    -> {verdict.rule}: {verdict.reason}")


def _describe(store: Store, key: tuple[str, str]) -> str:
    record = store.get_record(*key)
    if record is None:
        return "?"
    n = record.normalized
    return (f"{n.title!r} / {'; '.join(n.authors[:2])} / {n.year} / {n.format.value} / "
            f"isbn {','.join(n.isbns) or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--show", type=int, default=10, help="false merges / misses listed")
    parser.add_argument("--no-targets", action="store_true", help="always exit 0")
    args = parser.parse_args()
    network = SandboxNetwork(seed=args.seed, total_records=args.records)
    settings = MergeSettings.from_config(MergeConfig())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/dedup.db")
        store.create_schema()
        started = time.monotonic()
        stored = load(store, network)
        loaded = time.monotonic()
        merge(store, settings)
        merged = time.monotonic()
        groups = predicted_groups(store)
        truth = network.truth()
        predicted, true = pairs_of(groups.values()), truth.duplicate_pairs("manifestation")
        scores = Scores(len(predicted), len(true), len(predicted & true))
        print(f"{args.records} sandbox records (seed {args.seed}), {stored} stored in "
              f"{loaded - started:.1f} s; merged in {merged - loaded:.1f} s into "
              f"{len(groups)} merged records")
        print(f"pairs: predicted {scores.predicted}, true {scores.true}, "
              f"correct {scores.correct}")
        print(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  "
              f"F1 {scores.f1:.4f}")
        where = {member: merged_id for merged_id, members in groups.items()
                 for member in members}
        if predicted - true:
            report_false_merges(store, predicted - true, where, args.show)
        if true - predicted and args.show:
            report_missed(store, true - predicted, settings, args.show)
        store.close()
    missed_target = [name for name, target in TARGETS.items()
                     if getattr(scores, name) < target]
    if missed_target:
        print(f"\nbelow target: {', '.join(missed_target)}")
    return 0 if args.no_targets or not missed_target else 1


if __name__ == "__main__":
    sys.exit(main())
