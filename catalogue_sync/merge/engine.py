"""Running the merge: what changed since the last run, batch by batch, or everything again.

Each batch of changed source records is merged in one transaction together with the merge's
watermark (the last source change number processed), so a merge killed at any moment
resumes after the last committed batch. The watermark's counter row is locked for the whole
batch: two merges (a harvest's and a librarian's command) never interleave.

A full rebuild first computes every record's match profile again (the keys may have
changed with the code or the blocklist), then merges every record from change 0 with the
same code as an incremental run. Clusters and merged records stay in place meanwhile, so a
rebuild that finds the same clusters writes nothing and every id stays; where clusters do
change, ids are inherited as in any run. A rebuild killed halfway is finished by the next
run. Changing ``[merge]`` in network.toml makes the next run a full rebuild by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from catalogue_sync.config import MergeConfig, NetworkConfig
from catalogue_sync.merge.region import Region, save_profiles
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.merge.writer import RegionOutcome
from catalogue_sync.store import Store, matching
from catalogue_sync.store import clusters as stored
from catalogue_sync.store.matching import RecordKey

log = logging.getLogger(__name__)

BATCH = 1000
"""Source records merged per transaction."""


@dataclass(slots=True)
class MergeSummary:
    """What a merge run did."""

    full: bool = False
    records: int = 0
    """Source records processed (changed, added or deleted since the last run)."""
    created: int = 0
    changed: int = 0
    deleted: int = 0
    """Merged records that became tombstones."""
    seconds: float = 0.0

    def add(self, outcome: RegionOutcome, records: int) -> None:
        self.records += records
        self.created += outcome.created
        self.changed += outcome.changed
        self.deleted += outcome.deleted


def merge(store: Store, config: NetworkConfig | MergeConfig | MergeSettings, *,
          full: bool = False, batch: int = BATCH) -> MergeSummary:
    """Merge what changed since the last run into the union catalogue (``full``: everything)."""
    settings = _settings(config)
    started = time.monotonic()
    summary = MergeSummary(full=_begin(store, settings, full, batch))
    logged: set[str] = set()
    while True:
        with store.transaction("merging records", writes=True) as connection:
            watermark = stored.lock_counter(connection, stored.MERGE_WATERMARK)
            changes = matching.read_changes(connection, watermark, batch)
            if not changes:
                break
            outcome = Region(connection, settings, _now(), logged).run(changes)
            stored.set_counter(connection, stored.MERGE_WATERMARK, changes[-1].change_seq)
        summary.add(outcome, len(changes))
        log.debug("merged a batch", extra={"records": len(changes),
                                           "watermark": changes[-1].change_seq})
    summary.seconds = time.monotonic() - started
    log.info("merge finished", extra={"full": summary.full, "records": summary.records,
                                      "new": summary.created, "changed": summary.changed,
                                      "deleted": summary.deleted,
                                      "seconds": round(summary.seconds, 2)})
    return summary


def merge_records(store: Store, config: NetworkConfig | MergeConfig | MergeSettings,
                  records: Iterable[RecordKey]) -> RegionOutcome:
    """Merge these records again now, with the regions they reach (after a correction)."""
    settings = _settings(config)
    with store.transaction("merging corrected records", writes=True) as connection:
        stored.lock_counter(connection, stored.MERGE_WATERMARK)  # one merge at a time
        states = matching.read_sources(connection, records)
        return Region(connection, settings, _now()).run(list(states.values()))


def _settings(config: NetworkConfig | MergeConfig | MergeSettings) -> MergeSettings:
    return config if isinstance(config, MergeSettings) else MergeSettings.from_config(config)


def _begin(store: Store, settings: MergeSettings, full: bool, batch: int) -> bool:
    """Prepare a full rebuild if asked or if the settings changed; whether it is one."""
    with store.transaction("starting the merge", writes=True) as connection:
        stored.lock_counter(connection, stored.MERGE_WATERMARK)
        before = stored.lock_counter(connection, stored.MERGE_SETTINGS)
        if before != settings.fingerprint and _merged_before(connection):
            log.warning("the [merge] settings changed since the last merge: rebuilding all")
            full = True
        if not full:
            stored.set_counter(connection, stored.MERGE_SETTINGS, settings.fingerprint)
            return False
    _profile_everything(store, settings, batch)
    with store.transaction("starting a full merge", writes=True) as connection:
        stored.lock_counter(connection, stored.MERGE_WATERMARK)
        # Only now: a rebuild killed while profiling is started again by the next run.
        stored.set_counter(connection, stored.MERGE_WATERMARK, 0)
        stored.set_counter(connection, stored.MERGE_SETTINGS, settings.fingerprint)
    return True


def _profile_everything(store: Store, settings: MergeSettings, batch: int) -> None:
    """Compute every record's match profile and keys again, batch by batch."""
    after = 0
    while True:
        with store.transaction("computing match profiles", writes=True) as connection:
            changes = matching.read_changes(connection, after, batch)
            save_profiles(connection, settings, changes)
        if len(changes) < batch:
            return
        after = changes[-1].change_seq


def _merged_before(connection: sa.Connection) -> bool:
    return stored.read_counter(connection, stored.MERGE_WATERMARK) > 0


def _now() -> datetime:
    return datetime.now(UTC)
