"""Stored records follow the normalizer: each carries the version that derived it, and an
upgrade's new version normalizes them again from their raw bytes (``records renormalize``,
or the next harvest), on SQLite and PostgreSQL, over the sandbox's real OAI-PMH records."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from catalogue_sync import renormalize as renormalizing
from catalogue_sync.config import (
    HOLDINGS_PRESETS,
    ConnectorConfig,
    LibraryConfig,
    MergeConfig,
    NetworkConfig,
    StorageConfig,
)
from catalogue_sync.kbart import read_kbart
from catalogue_sync.merge.catalogue import clusters, merge, merged_for
from catalogue_sync.models import Flavour, RawRecord
from catalogue_sync.offer import ResourceConfig, VendorConfig
from catalogue_sync.online import OnlineSource, import_titles
from catalogue_sync.pipeline import LibraryOutcome, harvest_libraries, prepare_page
from catalogue_sync.renormalize import RenormalizeCounts, renormalize, sources, stale_counts
from catalogue_sync.store import Store, StoredRecord
from catalogue_sync.store.renormalizing import ORIGIN
from catalogue_sync.store.schema import renormalize_state, source_records
from connectors import registry
from services.sandbox.config import library_table
from services.sandbox.generator import SandboxNetwork
from services.sandbox.testing import SandboxServer, run_sandbox
from tests.renormalizing import MARK, bump_normalizer, parse_module, touched

CONFIG = MergeConfig()
ROMANS = Path(__file__).parents[1] / "fixtures" / "kbart" / "lirenligne_romans.txt"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=5, total_records=150), page_size=50,
                     sip2=False) as server:
        yield server


def libraries(sandbox: SandboxServer) -> list[LibraryConfig]:
    return [LibraryConfig(id=lib.id, **library_table(sandbox.base_url, lib).unwrap())
            for lib in sandbox.network.libraries]


def reconfigured(sandbox: SandboxServer, library: str, **settings: Any
                 ) -> list[LibraryConfig]:
    """The libraries as network.toml declares them once ``library``'s table is changed:
    each setting replaces its value, a table (a dict) is updated key by key."""
    configs = []
    for lib in sandbox.network.libraries:
        table = library_table(sandbox.base_url, lib).unwrap()
        for name, value in settings.items() if lib.id == library else ():
            table[name] = {**table.get(name, {}), **value} if isinstance(value, dict) else value
        configs.append(LibraryConfig(id=lib.id, **table))
    return configs


def call_numbers_are_barcodes(sandbox: SandboxServer) -> tuple[str, list[LibraryConfig]]:
    """The first library and the network once its holdings mapping reads each item's call
    number from the subfield of its barcode."""
    first = sandbox.network.libraries[0]
    barcode = HOLDINGS_PRESETS[first.holdings]["barcode"]
    return first.id, reconfigured(sandbox, first.id, holdings={"call_number": barcode})


def harvest(store: Store, sandbox: SandboxServer, *, full: bool = False,
            configs: list[LibraryConfig] | None = None) -> dict[str, LibraryOutcome]:
    async def run() -> list[LibraryOutcome]:
        async with httpx.AsyncClient() as client:
            # Parsed in this process, where the tests install their normalizer.
            return await harvest_libraries(store, configs or libraries(sandbox),
                                           lambda lib: registry.build(lib, client),
                                           full=full, parse_workers=0)

    outcomes = {outcome.library: outcome for outcome in asyncio.run(run())}
    assert all(outcome.ok for outcome in outcomes.values()), outcomes
    return outcomes


def live(store: Store) -> dict[tuple[str, str], StoredRecord]:
    return {(r.library, r.local_id): r for r in store.iter_records() if not r.deleted}


def renormalize_all(store: Store, sandbox: SandboxServer, **options: Any
                    ) -> RenormalizeCounts:
    total = RenormalizeCounts()
    for library in libraries(sandbox):
        outcome = renormalize(store, library, **options)
        assert outcome.complete and outcome.version == 2
        total.add(outcome.counts)
    return total


def test_stored_records_carry_the_version_that_derived_them(store: Store,
                                                           sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    assert {record.normalizer_version for record in live(store).values()} == {1}
    ids = libraries(sandbox)
    assert all(count.stale == 0 for count in stale_counts(store, ids))


def test_a_new_version_rewrites_what_changed_and_the_merge_remerges_only_that(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = live(store)
    merged_before = {row["id"]: row for row in clusters(store)}
    bump_normalizer(monkeypatch)
    ids = libraries(sandbox)
    assert sum(count.stale for count in stale_counts(store, ids)) == len(before)

    counts = renormalize_all(store, sandbox, batch=40)

    after = live(store)
    changed = {key for key, record in before.items() if touched(record.normalized)}
    assert 0 < len(changed) < len(before)
    assert (counts.checked, counts.changed, counts.quarantined) == (len(before), len(changed), 0)
    assert after.keys() == before.keys()
    assert {record.normalizer_version for record in after.values()} == {2}
    for key, record in after.items():
        old = before[key]
        if key in changed:
            assert record.normalized.title == f"{old.normalized.title}{MARK}"
            assert record.change_seq > old.change_seq
        else:
            assert record.normalized == old.normalized and record.change_seq == old.change_seq
    assert sum(count.stale for count in stale_counts(store, ids)) == 0

    summary = merge(store, CONFIG)
    assert not summary.full and summary.records == len(changed)
    # A merged record that held none of the changed records is left as it was.
    untouched = {merged_id: row for merged_id, row in merged_before.items()
                 if not any((m["library"], m["record"]) in changed for m in row["members"])}
    now = {row["id"]: row for row in clusters(store)}
    assert untouched and all(now[merged_id] == row for merged_id, row in untouched.items())
    for key in changed:
        shown = merged_for(store, *key)
        assert shown is not None and shown.display is not None
        assert MARK in str(shown.display) or shown.member_count > 1


def test_a_full_harvest_renormalizes_an_unchanged_record_an_older_version_derived(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = live(store)
    bump_normalizer(monkeypatch)

    outcomes = harvest(store, sandbox, full=True)

    changed = {key for key, record in before.items() if touched(record.normalized)}
    assert sum(o.counts.updated for o in outcomes.values()) == len(changed)
    tombstones = sum(record.deleted for record in store.iter_records())
    assert sum(o.counts.unchanged for o in outcomes.values()) == (
        len(before) - len(changed) + tombstones)
    after = live(store)
    assert {record.normalizer_version for record in after.values()} == {2}
    for key in changed:
        assert after[key].normalized.title == f"{before[key].normalized.title}{MARK}"
    assert all(after[key].change_seq == before[key].change_seq for key in before
               if key not in changed)
    assert merge(store, CONFIG).records == len(changed)
    # Harvested again by the same version: nothing left to do.
    outcomes = harvest(store, sandbox, full=True)
    assert sum(o.counts.updated for o in outcomes.values()) == 0


def test_a_record_stored_by_a_newer_version_is_not_taken_back_by_an_older_one(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    bump_normalizer(monkeypatch, version=3)
    harvest(store, sandbox)
    monkeypatch.undo()  # a worker not yet upgraded harvests the same records
    outcomes = harvest(store, sandbox, full=True)
    assert sum(o.counts.updated for o in outcomes.values()) == 0
    assert {record.normalizer_version for record in live(store).values()} == {3}


def test_renormalizing_interrupted_after_two_batches_resumes_after_them(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = live(store)
    bump_normalizer(monkeypatch)
    library = libraries(sandbox)[0]
    mine = {key for key in before if key[0] == library.id}
    batches: list[int] = []

    def killed_after_two(library_id: str, counts: RenormalizeCounts) -> None:
        batches.append(counts.checked)
        if len(batches) == 2:
            raise KeyboardInterrupt  # what a kill leaves: two batches committed

    with pytest.raises(KeyboardInterrupt):
        renormalize(store, library, batch=10, progress=killed_after_two)
    versions = [live(store)[key].normalizer_version for key in mine]
    assert versions.count(2) == 20

    outcome = renormalize(store, library, batch=10)

    assert outcome.resumed and outcome.complete
    changed = {key for key in mine if touched(before[key].normalized)}
    assert (outcome.counts.checked, outcome.counts.changed) == (len(mine), len(changed))
    after = live(store)
    assert after.keys() == before.keys()
    assert all(after[key].normalizer_version == 2 for key in mine)
    assert len({record.change_seq for record in after.values()}) == len(after)
    assert merge(store, CONFIG).records == len(changed)


def test_a_failure_inside_a_batch_writes_nothing_of_it(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    bump_normalizer(monkeypatch)
    library = libraries(sandbox)[0]
    calls = 0
    real = renormalizing.stored.save_cursor

    def fail_second(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the process dies before the commit")
        real(*args, **kwargs)

    monkeypatch.setattr(renormalizing.stored, "save_cursor", fail_second)
    with pytest.raises(RuntimeError):
        renormalize(store, library, batch=10)
    mine = [r for r in live(store).values() if r.library == library.id]
    assert sum(r.normalizer_version == 2 for r in mine) == 10
    monkeypatch.setattr(renormalizing.stored, "save_cursor", real)
    outcome = renormalize(store, library, batch=10)
    assert outcome.resumed and outcome.counts.checked == len(mine)
    assert all(r.normalizer_version == 2 for r in live(store).values()
               if r.library == library.id)


def test_a_record_that_no_longer_parses_is_quarantined_and_kept(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    library = libraries(sandbox)[0]
    victim = next(r for r in live(store).values() if r.library == library.id)
    bump_normalizer(monkeypatch)
    strict = parse_module.normalize

    def refuse_victim(record: Any, *args: Any, **kwargs: Any) -> Any:
        normalized = strict(record, *args, **kwargs)
        if normalized.local_id == victim.local_id:
            raise ValueError("a rule of the new version trips on this record")
        return normalized

    monkeypatch.setattr(parse_module, "normalize", refuse_victim)
    outcome = renormalize(store, library)
    assert outcome.counts.quarantined == 1
    kept = store.get_record(library.id, victim.local_id)
    assert kept is not None and not kept.deleted and kept.normalized == victim.normalized
    assert kept.normalizer_version == 1
    entries = store.quarantine_list(library.id)
    assert [(e.local_id, e.origin, e.data) for e in entries] == [
        (victim.local_id, ORIGIN, victim.data)]
    assert "trips on this record" in entries[0].reason
    assert stale_counts(store, [library])[0].unreadable == 1
    assert stale_counts(store, [library])[0].stale == 0
    # Run again: one entry still, not two; fixed code releases it.
    renormalize(store, library)
    assert len(store.quarantine_list(library.id)) == 1
    monkeypatch.setattr(parse_module, "normalize", strict)
    assert renormalize(store, library).counts.checked == 1
    assert store.quarantine_list(library.id) == []
    assert stale_counts(store, [library])[0].unreadable == 0


def test_a_store_made_before_versions_upgrades_and_renormalizes(
        store: Store, store_url: str, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    with store.transaction("making the store of an older release", writes=True) as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP INDEX ix_source_records_normalizer")
        connection.exec_driver_sql("ALTER TABLE source_records DROP COLUMN normalizer_version")
    store.close()
    upgraded = Store(store_url)
    upgraded.create_schema()
    upgraded.create_schema()  # every start runs it: a second time changes nothing
    try:
        with upgraded.transaction("reading the schema") as connection:
            indexes = {index["name"] for index in sa.inspect(connection).get_indexes(
                source_records.name)}
        assert "ix_source_records_normalizer" in indexes
        before = live(upgraded)
        assert {record.normalizer_version for record in before.values()} == {0}
        ids = libraries(sandbox)
        assert sum(count.stale for count in stale_counts(upgraded, ids)) == len(before)
        for library in libraries(sandbox):
            outcome = renormalize(upgraded, library)
            assert outcome.counts.changed == 0  # the same code: only the version is stamped
        after = live(upgraded)
        assert {record.normalizer_version for record in after.values()} == {1}
        assert all(after[key].change_seq == before[key].change_seq for key in before)
    finally:
        upgraded.close()


def test_a_vendor_package_s_titles_are_renormalized_too(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    library = LibraryConfig(id="niort", name="Niort", flavour=Flavour.MARC21,
                            connector=ConnectorConfig(type="marc-file", path="dump.mrc"))
    network = NetworkConfig(
        storage=StorageConfig(url=store.url), libraries={"niort": library},
        vendors={"lirenligne": VendorConfig(id="lirenligne", name="Lire en ligne",
                                            access="api")},
        resources={"livres": ResourceConfig(id="livres", vendor="lirenligne", name="Livres",
                                            kind="e-book", url="https://lirenligne.example/",
                                            packages=["romans"])})
    source = sources(network)["lirenligne.romans"]
    assert isinstance(source, OnlineSource)
    import_titles(store, source, read_kbart(ROMANS.read_bytes(), ROMANS.name), ROMANS.name)
    before = {r.local_id: r for r in store.iter_records(source.id) if not r.deleted}
    bump_normalizer(monkeypatch)
    assert stale_counts(store, [source])[0].stale == len(before) > 0

    outcome = renormalize(store, source)

    changed = {key for key, record in before.items() if touched(record.normalized)}
    assert changed and (outcome.counts.checked, outcome.counts.changed) == (len(before),
                                                                          len(changed))
    for record in store.iter_records(source.id):
        assert record.normalizer_version == 2
        assert record.normalized.format == before[record.local_id].normalized.format
        marked = f"{before[record.local_id].normalized.title}{MARK}"
        assert (record.normalized.title == marked) == (record.local_id in changed)


def test_an_incremental_harvest_sending_an_unchanged_record_derives_it_anew(
        store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    harvest(store, sandbox)
    library = libraries(sandbox)[0]
    stored = [r for r in live(store).values() if r.library == library.id]
    changed = next(r for r in stored if touched(r.normalized))
    same = next(r for r in stored if not touched(r.normalized))
    bump_normalizer(monkeypatch)
    # The source lists both again, unchanged (a datestamp touched by the ILS).
    raws = [RawRecord(r.local_id, r.datestamp, False, r.data, r.format, "oai")
            for r in (changed, same)]
    records, problems = prepare_page(library, raws)
    run_id, _ = store.resume_or_start_run(library.id, "incremental")
    counts = store.store_page(library.id, run_id, records, problems, None)

    assert (counts.updated, counts.unchanged, counts.added) == (1, 1, 0)
    now_changed = store.get_record(library.id, changed.local_id)
    now_same = store.get_record(library.id, same.local_id)
    assert now_changed is not None and now_same is not None
    assert now_changed.normalized.title == f"{changed.normalized.title}{MARK}"
    assert now_changed.change_seq > changed.change_seq
    assert now_same.normalized == same.normalized and now_same.change_seq == same.change_seq
    assert now_changed.normalizer_version == now_same.normalizer_version == 2


def test_a_changed_holdings_mapping_makes_that_library_s_records_stale_and_renormalizing_rederives_them(  # noqa: E501
        store: Store, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    merge(store, CONFIG)
    before = live(store)
    first, configs = call_numbers_are_barcodes(sandbox)
    mine = {key for key in before if key[0] == first}

    counts = {count.library: count for count in stale_counts(store, configs)}

    assert counts[first].stale == counts[first].settings == len(mine) > 0
    assert all(count.stale == 0 for library, count in counts.items() if library != first)
    outcome = renormalize(store, configs[0])
    changed = {key for key in mine if any(item.call_number != item.barcode
                                          for item in before[key].normalized.items)}
    assert outcome.complete and outcome.digest == configs[0].normalizer_settings.digest
    assert (outcome.counts.checked, outcome.counts.changed) == (len(mine), len(changed))
    assert changed
    after = live(store)
    for key in mine:
        items = after[key].normalized.items
        assert [item.call_number for item in items] == [item.barcode for item in items]
        assert after[key].settings_digest == outcome.digest
    assert all(after[key].change_seq == before[key].change_seq for key in mine - changed)
    assert all(after[key] == before[key] for key in before if key not in mine)
    assert all(count.stale == 0 for count in stale_counts(store, configs))
    summary = merge(store, CONFIG)
    assert not summary.full and summary.records == len(changed)
    # Settings have no order: the table as it was makes them stale again.
    assert stale_counts(store, libraries(sandbox)[:1])[0].settings == len(mine)


def test_a_full_harvest_rederives_a_library_s_records_with_its_new_settings(
        store: Store, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    before = live(store)
    first, configs = call_numbers_are_barcodes(sandbox)

    outcomes = harvest(store, sandbox, full=True, configs=configs)

    after = live(store)
    assert outcomes[first].counts.updated > 0
    assert all(o.counts.updated == 0 for library, o in outcomes.items() if library != first)
    for (library, local_id), record in after.items():
        items = record.normalized.items
        if library == first:
            assert [item.call_number for item in items] == [item.barcode for item in items]
        else:
            assert record == before[library, local_id]
    assert all(count.stale == 0 for count in stale_counts(store, configs))


def test_a_change_of_settings_the_normalizer_does_not_read_leaves_every_record_current(
        store: Store, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    first = sandbox.network.libraries[0]
    own = HOLDINGS_PRESETS[first.holdings]["call_number"]
    configs = reconfigured(
        sandbox, first.id, name="Autre nom", schedule="every 6h", contact="accueil@autre.fr",
        opac_url="https://opac.autre.fr/{record}", commune="Poitiers", patrons=None,
        # The preset's own subfield, spelled out: the same items, so the same settings.
        holdings={"call_number": own})

    assert all(count.stale == 0 for count in stale_counts(store, configs))
    assert renormalize(store, configs[0]).counts.checked == 0
    outcomes = harvest(store, sandbox, full=True, configs=configs)
    assert sum(o.counts.updated for o in outcomes.values()) == 0


def test_a_store_made_before_settings_digests_upgrades_and_checks_each_record_once(
        store: Store, store_url: str, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    with store.transaction("making the store of an older release", writes=True) as connection:
        connection.exec_driver_sql("ALTER TABLE source_records DROP COLUMN settings_digest")
        connection.exec_driver_sql("ALTER TABLE renormalize_state DROP COLUMN settings_digest")
    store.close()
    upgraded = Store(store_url)
    upgraded.create_schema()
    upgraded.create_schema()  # every start runs it: a second time changes nothing
    try:
        with upgraded.transaction("reading the schema") as connection:
            for table in (source_records, renormalize_state):
                assert "settings_digest" in {column["name"] for column in
                                             sa.inspect(connection).get_columns(table.name)}
        before = live(upgraded)
        assert {record.settings_digest for record in before.values()} == {""}
        # Which settings derived them is not known: each is checked once.
        counts = stale_counts(upgraded, libraries(sandbox))
        assert sum(count.settings for count in counts) == len(before)
        for library in libraries(sandbox):
            outcome = renormalize(upgraded, library)
            assert outcome.counts.changed == 0  # the same settings: only they are stamped
        after = live(upgraded)
        assert all(after[key].change_seq == before[key].change_seq for key in before)
        assert all(count.stale == 0 for count in stale_counts(upgraded, libraries(sandbox)))
        assert "" not in {record.settings_digest for record in after.values()}
    finally:
        upgraded.close()


def test_an_interrupted_renormalization_starts_over_when_the_settings_changed_meanwhile(
        store: Store, sandbox: SandboxServer) -> None:
    harvest(store, sandbox)
    _, configs = call_numbers_are_barcodes(sandbox)
    stopped = renormalize(store, configs[0], batch=10, should_stop=iter([False, True]).__next__)
    assert not stopped.complete and stopped.counts.checked == 10

    # Back to the table as it was: the ten records done are stale to it too.
    original = libraries(sandbox)[0]
    outcome = renormalize(store, original, batch=10)

    assert not outcome.resumed and outcome.complete
    assert outcome.counts.checked == 10
    assert stale_counts(store, [original])[0].stale == 0
