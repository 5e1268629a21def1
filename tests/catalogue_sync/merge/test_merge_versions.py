"""The match keys and the rules carry versions: a meta-test fails when what they derive from
the fixture records changes without a new version, and a new version makes the next merge
rebuild the union catalogue (it is in the settings' fingerprint), on both databases."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
from typing import Any

import pytest

from catalogue_sync.config import MergeConfig
from catalogue_sync.merge import MatchKeys, blocking_keys, decide, keys, rules, same_work
from catalogue_sync.merge.catalogue import merge
from catalogue_sync.merge.engine import pending_rebuild
from catalogue_sync.merge.profiles import to_json
from catalogue_sync.models import RawFormat
from catalogue_sync.store import IncomingRecord, Store
from tests.catalogue_sync.marc.test_normalizer_version import check_version
from tests.catalogue_sync.merge.conftest import FIXTURES, RECORD_FILES, library_of, read_record

CONFIG = MergeConfig()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def keys_output(catalogue: dict[str, MatchKeys]) -> dict[str, Any]:
    return {name: {**to_json(found), "blocking": blocking_keys(found)}
            for name, found in catalogue.items()}


def rules_output(catalogue: dict[str, MatchKeys]) -> list[Any]:
    decisions = []
    for (one, a), (two, b) in itertools.combinations(sorted(catalogue.items()), 2):
        decision = decide(a, b)
        decisions.append([one, two, decision.merge, decision.rule, decision.reason,
                          decision.conflict, same_work(a, b)])
    return decisions


def test_the_match_keys_change_only_with_their_version(catalogue: dict[str, MatchKeys]
                                                       ) -> None:
    check_version("keys", keys.KEYS_VERSION, _digest(keys_output(catalogue)), "KEYS_VERSION")


def test_the_decisions_change_only_with_the_rules_version(catalogue: dict[str, MatchKeys]
                                                          ) -> None:
    output = rules_output(catalogue)
    assert any(row[2] for row in output) and not all(row[2] for row in output)
    # Decided on the keys: a new keys version records the rules' digest anew.
    check_version("rules", rules.RULES_VERSION, _digest(output), "RULES_VERSION",
                  also=f" (keys {keys.KEYS_VERSION})")


def store_fixtures(store: Store) -> None:
    for name in RECORD_FILES:
        library = library_of(name)
        normalized = read_record(name)
        assert normalized.local_id is not None
        run_id = store.start_run(library, "incremental")
        data = (FIXTURES / name).read_bytes()
        kind = RawFormat.MARCXML if name.endswith(".xml") else RawFormat.ISO2709
        record = IncomingRecord(normalized.local_id, None, False, data, kind, normalized)
        store.store_page(library, run_id, [record], [], None)


@pytest.mark.parametrize("constant", ["KEYS_VERSION", "RULES_VERSION"])
def test_a_new_keys_or_rules_version_makes_the_next_merge_a_rebuild(
        store: Store, monkeypatch: pytest.MonkeyPatch, constant: str) -> None:
    store_fixtures(store)
    merge(store, CONFIG)
    assert pending_rebuild(store, CONFIG) is None
    assert not merge(store, CONFIG).full
    module = importlib.import_module(f"catalogue_sync.merge.{constant.split('_')[0].lower()}")
    monkeypatch.setattr(module, constant, getattr(module, constant) + 1)
    reason = pending_rebuild(store, CONFIG)
    assert reason is not None and "keys or rules" in reason
    summary = merge(store, CONFIG)
    assert summary.full and summary.records == len(RECORD_FILES)
    assert pending_rebuild(store, CONFIG) is None
    assert not merge(store, CONFIG).full
