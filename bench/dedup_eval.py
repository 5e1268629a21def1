"""Deduplication quality: the merge against truth labels, on two sets of records.

    .venv/bin/python bench/dedup_eval.py                 # 5,000 sandbox records, seed 42; 2 rounds
    .venv/bin/python bench/dedup_eval.py --records 20000 --seed 7 --show 20
    .venv/bin/python bench/dedup_eval.py --variants 4    # four rounds of real-record variants
    .venv/bin/python bench/dedup_eval.py --variants 0    # the sandbox set alone

The sandbox set is the sandbox network's generated records, labelled by
``SandboxNetwork.truth()``. The variant set (``bench/variants/``) is the real MARC records
of tests/fixtures, as shipped and rewritten as other libraries would send them (other
serializations and encodings, ISBN forms, cataloguing habits), with look-alikes that must stay
apart (the fixtures' own, and other authors, editions and volumes derived from them); its
truth is written by hand and by construction. ``--seed`` seeds both.

Each set is stored through the harvest pipeline's own parsing (``prepare_page`` then
``Store.store_page``, in pages, one run per library, as a harvest would) into its own
temporary SQLite store, then merged. Pairwise figures over live source records: a predicted
pair is two records in one merged record, a true pair two records of the same manifestation.
False merges are listed with both records and the rule that joined them; a few missed pairs
with the rules' verdict. A combined line adds up both sets' pairs. Exit status 1 when either
set is below the targets (precision 0.995, recall 0.95) unless ``--no-targets``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.variants import KINDS, ORIGINAL, VariantRecord, VariantSet, build_variant_set  # noqa: E402
from catalogue_sync.config import LibraryConfig, MergeConfig  # noqa: E402
from catalogue_sync.merge.catalogue import clusters, explain, merge  # noqa: E402
from catalogue_sync.merge.keys import match_keys  # noqa: E402
from catalogue_sync.merge.rules import decide  # noqa: E402
from catalogue_sync.merge.settings import MergeSettings  # noqa: E402
from catalogue_sync.models import RawFormat, RawRecord  # noqa: E402
from catalogue_sync.pipeline import prepare_page  # noqa: E402
from catalogue_sync.store import IncomingProblem, PageCounts, Store  # noqa: E402
from services.sandbox.config import library_table  # noqa: E402
from services.sandbox.generator import SandboxNetwork, SandboxRecord  # noqa: E402

PAGE = 500
TARGETS = {"precision": 0.995, "recall": 0.95}
Key = tuple[str, str]
Pair = frozenset[Key]
Label = Callable[[Key], str]


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

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.predicted + other.predicted, self.true + other.true,
                      self.correct + other.correct)

    def below_targets(self) -> list[str]:
        return [name for name, target in TARGETS.items() if getattr(self, name) < target]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A merged set against its truth."""

    scores: Scores
    predicted: set[Pair]
    true: set[Pair]
    where: dict[Key, str]
    """Each live record's merged record."""


# --- storing ---------------------------------------------------------------------------------


def store_library(store: Store, library: LibraryConfig, raws: Sequence[RawRecord]
                  ) -> tuple[int, list[IncomingProblem]]:
    """One full harvest run of a library's records, page by page; (stored, rejected)."""
    run_id = store.start_run(library.id, "full")
    stored, rejected = 0, []
    for start in range(0, len(raws), PAGE):
        records, problems = prepare_page(library, raws[start : start + PAGE])
        store.store_page(library.id, run_id, records, problems, None)
        stored += len(records)
        rejected += problems
    store.finish_run(library.id, run_id, next_since=None, counts=PageCounts())
    return stored, rejected


def load(store: Store, network: SandboxNetwork) -> int:
    """Store every sandbox record as a full harvest would; returns how many."""
    total = 0
    for sandbox_library in network.libraries:
        data = library_table("http://sandbox.invalid", sandbox_library).unwrap()
        library = LibraryConfig(id=sandbox_library.id, **data)
        raws = [_raw(record) for record in network.records(library.id)]
        total += store_library(store, library, raws)[0]
    return total


def _raw(record: SandboxRecord) -> RawRecord:
    data = b"" if record.deleted else record.marcxml()
    return RawRecord(record.local_id, record.datestamp, record.deleted, data,
                     RawFormat.MARCXML, f"sandbox:{record.library_id}/{record.index}")


def load_variants(store: Store, variants: VariantSet) -> tuple[int, list[IncomingProblem]]:
    """Store every variant in its simulated library; (stored, rejected)."""
    by_library: dict[str, list[RawRecord]] = {library: [] for library in variants.libraries}
    for record in variants.records:
        by_library[record.library].append(RawRecord(
            record.local_id, None, False, record.data, record.format,
            f"variants:{record.library}/{record.local_id}"))
    total, rejected = 0, []
    for library_id, raws in by_library.items():
        stored, problems = store_library(store, variants.libraries[library_id], raws)
        total += stored
        rejected += problems
    return total, rejected


# --- scoring and reports -----------------------------------------------------------------------


def pairs_of(groups: Iterable[list[Key]]) -> set[Pair]:
    return {frozenset(pair) for members in groups
            for pair in itertools.combinations(sorted(members), 2)}


def predicted_groups(store: Store) -> dict[str, list[Key]]:
    return {row["id"]: [(m["library"], m["record"]) for m in row["members"]]
            for row in clusters(store)}


def score(store: Store, true: set[Pair]) -> Outcome:
    groups = predicted_groups(store)
    predicted = pairs_of(groups.values())
    where = {member: merged_id for merged_id, members in groups.items() for member in members}
    scores = Scores(len(predicted), len(true), len(predicted & true))
    return Outcome(scores, predicted, true, where)


def print_scores(scores: Scores) -> None:
    print(f"pairs: predicted {scores.predicted}, true {scores.true}, correct {scores.correct}")
    print(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}")


@dataclass(frozen=True, slots=True)
class Listing:
    """How a set's false merges and misses are listed."""

    show: int
    label: Label | None = None
    """A line saying what a record really is, under it."""
    group: Callable[[Pair], str] | None = None
    """Pairs are taken from each group in turn, so the list shows every kind of error."""

    def pick(self, pairs: set[Pair]) -> list[Pair]:
        ordered = sorted(pairs, key=sorted)
        if self.group is None:
            return ordered[: self.show]
        queues: dict[str, list[Pair]] = {}
        for pair in ordered:
            queues.setdefault(self.group(pair), []).append(pair)
        picked = [pair for row in itertools.zip_longest(*queues.values()) for pair in row
                  if pair is not None]
        return picked[: self.show]


def report_errors(store: Store, outcome: Outcome, settings: MergeSettings,
                  listing: Listing) -> None:
    wrong, missed = outcome.predicted - outcome.true, outcome.true - outcome.predicted
    if wrong:
        report_false_merges(store, wrong, outcome.where, listing)
    if missed and listing.show:
        report_missed(store, missed, settings, listing)


def report_false_merges(store: Store, wrong: set[Pair], where: dict[Key, str],
                        listing: Listing) -> None:
    print(f"\nFalse merges ({len(wrong)} pairs):")
    shown = listing.pick(wrong)
    rules: dict[Key, tuple[str, str]] = {}
    for merged_id in {where[next(iter(pair))] for pair in shown}:
        for member in explain(store, merged_id).members:
            rules[(member.library, member.record)] = (member.rule, member.reason)
    for pair in shown:
        first, second = sorted(pair)
        print(f"  {where[first]}")
        for key in (first, second):
            print(f"    {key[0]}:{key[1]}  {_describe(store, key)}  "
                  f"[{' / '.join(rules.get(key, ('?', '?')))}]{_labelled(listing, key)}")


def report_missed(store: Store, missed: set[Pair], settings: MergeSettings,
                  listing: Listing) -> None:
    print(f"\nMissed pairs ({len(missed)}), first {listing.show}:")
    for pair in listing.pick(missed):
        first, second = sorted(pair)
        a, b = (store.get_record(*first), store.get_record(*second))
        if a is None or b is None:  # rejected at parsing: listed with the rejections
            print(f"  {first[0]}:{first[1]} / {second[0]}:{second[1]}: not stored")
            continue
        verdict = decide(match_keys(first[0], a.normalized, settings.blocklist),
                         match_keys(second[0], b.normalized, settings.blocklist),
                         settings.match)
        for key in (first, second):
            print(f"  {key[0]}:{key[1]} {_describe(store, key)}{_labelled(listing, key)}")
        print(f"    -> {verdict.rule}: {verdict.reason}")


def _labelled(listing: Listing, key: Key) -> str:
    return f"\n      {listing.label(key)}" if listing.label else ""


def _describe(store: Store, key: Key) -> str:
    record = store.get_record(*key)
    if record is None:
        return "?"
    n = record.normalized
    return (f"{n.title!r} / {'; '.join(n.authors[:2])} / {n.year} / {n.format.value} / "
            f"isbn {','.join(n.isbns) or '-'}")


# --- the two sets ------------------------------------------------------------------------------


def evaluate_sandbox(args: argparse.Namespace, settings: MergeSettings) -> Scores:
    network = SandboxNetwork(seed=args.seed, total_records=args.records)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/dedup.db")
        store.create_schema()
        started = time.monotonic()
        stored = load(store, network)
        loaded = time.monotonic()
        merge(store, settings)
        merged = time.monotonic()
        outcome = score(store, network.truth().duplicate_pairs("manifestation"))
        print(f"{args.records} sandbox records (seed {args.seed}), {stored} stored in "
              f"{loaded - started:.1f} s; merged in {merged - loaded:.1f} s into "
              f"{len(set(outcome.where.values()))} merged records")
        print_scores(outcome.scores)
        report_errors(store, outcome, settings, Listing(args.show))
        store.close()
    return outcome.scores


def evaluate_variants(args: argparse.Namespace, settings: MergeSettings) -> Scores:
    variants = build_variant_set(rounds=args.variants, seed=args.seed)
    for line in variants.describe():
        print(line)
    truth = {record.key: record for record in variants.records}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/variants.db")
        store.create_schema()
        started = time.monotonic()
        stored, rejected = load_variants(store, variants)
        loaded = time.monotonic()
        merge(store, settings)
        merged = time.monotonic()
        outcome = score(store, variants.true_pairs())
        print(f"{stored} stored ({len(rejected)} rejected) in {loaded - started:.1f} s; "
              f"merged in {merged - loaded:.1f} s into "
              f"{len(set(outcome.where.values()))} merged records")
        print_scores(outcome.scores)
        report_hard_negatives(variants, outcome)
        report_by_kind(variants, outcome)
        report_by_manifestation(truth, outcome)
        for problem in rejected[: args.show]:
            print(f"  rejected {problem.origin}: {problem.reason}")
        report_bridges(store, truth, outcome, args.show)
        listing = Listing(args.show, lambda key: _variant_label(truth[key]),
                          lambda pair: " ".join(sorted(truth[k].manifestation for k in pair)))
        report_errors(store, outcome, settings, listing)
        store.close()
    return outcome.scores


def _variant_label(record: VariantRecord) -> str:
    return f"truth {record.manifestation}; {record.kind} of {record.source}: {record.changes}"


def report_bridges(store: Store, truth: dict[Key, VariantRecord], outcome: Outcome,
                   show: int) -> None:
    """The links of merged records that joined two manifestations: where false merges start."""
    manifestations: dict[str, set[str]] = {}
    for key, merged_id in outcome.where.items():
        manifestations.setdefault(merged_id, set()).add(truth[key].manifestation)
    bridges = []
    for merged_id in sorted(m for m, found in manifestations.items() if len(found) > 1):
        for member in explain(store, merged_id).members:
            key = (member.library, member.record)
            if member.linked and truth[member.linked].manifestation != truth[key].manifestation:
                bridges.append((merged_id, key, member))
    if bridges:
        print(f"links joining two manifestations ({len(bridges)}), first {show}:")
    for merged_id, key, member in bridges[:show]:
        assert member.linked is not None
        print(f"  {merged_id}: {key[0]}:{key[1]} -> {member.linked[0]}:{member.linked[1]}  "
              f"[{member.rule} / {member.reason}]")
        for end in (key, member.linked):
            print(f"      {_variant_label(truth[end])}")


def report_hard_negatives(variants: VariantSet, outcome: Outcome) -> None:
    hard = variants.hard_negative_pairs()
    merged = [pair for pair in hard if pair in outcome.predicted]
    from_fixtures = [pair for pair in merged if hard[pair][1]]
    print(f"hard-negative pairs merged: {len(merged)} of {len(hard)} "
          f"({len(from_fixtures)} between fixtures, {len(merged) - len(from_fixtures)} "
          f"with derived records)")
    for why, count in Counter(hard[pair][0] for pair in merged).most_common():
        print(f"  {count} pairs: {why}")


def report_by_kind(variants: VariantSet, outcome: Outcome) -> None:
    """Records, true pairs, missed and false pairs touching each variant kind."""
    kind_of = {record.key: record.kind for record in variants.records}
    counts: dict[str, Counter[str]] = {}
    for record in variants.records:
        counts.setdefault(record.kind, Counter())["records"] += 1
    for name, pairs in (("true", outcome.true), ("missed", outcome.true - outcome.predicted),
                        ("false", outcome.predicted - outcome.true)):
        for pair in pairs:
            for kind in {kind_of[key] for key in pair}:
                counts[kind][name] += 1
    print("by variant kind (records, true pairs touching it, missed, false):")
    for kind in [ORIGINAL.name, *(kind.name for kind in KINDS)]:
        found = counts.get(kind, Counter())
        print(f"  {kind:<17} {found['records']:>5} {found['true']:>7} {found['missed']:>6} "
              f"{found['false']:>6}")


def report_by_manifestation(truth: dict[Key, VariantRecord], outcome: Outcome) -> None:
    """Where the errors are: missed pairs by manifestation, false pairs by the two merged."""
    missed = Counter(truth[next(iter(pair))].manifestation
                     for pair in outcome.true - outcome.predicted)
    false = Counter(" + ".join(sorted(truth[key].manifestation for key in pair))
                    for pair in outcome.predicted - outcome.true)
    for title, found in (("missed pairs by manifestation", missed),
                         ("false pairs by manifestations merged", false)):
        if found:
            print(f"{title}: " + ", ".join(f"{name} {count}"
                                           for name, count in found.most_common(8)))


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000, help="sandbox records")
    parser.add_argument("--seed", type=int, default=42, help="seeds both sets")
    parser.add_argument("--variants", type=int, default=2,
                        help="rounds of real-record variants (0: no variant set)")
    parser.add_argument("--show", type=int, default=10, help="false merges / misses listed")
    parser.add_argument("--no-targets", action="store_true", help="always exit 0")
    args = parser.parse_args()
    settings = MergeSettings.from_config(MergeConfig())
    print("== Sandbox set")
    results = {"sandbox": evaluate_sandbox(args, settings)}
    if args.variants:
        print("\n== Real-record variant set")
        results["variants"] = evaluate_variants(args, settings)
        combined = results["sandbox"] + results["variants"]
        print(f"\n== Combined: pairs predicted {combined.predicted}, true {combined.true}, "
              f"correct {combined.correct}; precision {combined.precision:.4f}  "
              f"recall {combined.recall:.4f}  F1 {combined.f1:.4f}")
    missed_target = [f"{name} {measure}" for name, scores in results.items()
                     for measure in scores.below_targets()]
    if missed_target:
        print(f"\nbelow target: {', '.join(missed_target)}")
    return 0 if args.no_targets or not missed_target else 1


if __name__ == "__main__":
    sys.exit(main())
