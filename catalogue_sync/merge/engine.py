"""Running the merge: what changed since the last run, batch by batch, or everything again.

Each batch of changed source records is merged in one transaction together with the merge's
watermark (the last source change number processed), so a merge killed at any moment
resumes after the last committed batch. The watermark's counter row is locked for the whole
batch: two merges (a harvest's and a librarian's command) never interleave.

The first merge of a store, and a full rebuild, merge every record at once, component by
component (see ``rebuild``), with the same code as an incremental run. Clusters and merged
records stay in place meanwhile, so a rebuild that finds the same clusters writes nothing
and every id stays; where clusters do change, ids are inherited as in any run. A rebuild
killed halfway is started again by the next run. Changing ``[merge]`` in network.toml, or an
upgrade that changes the match keys or rules (``KEYS_VERSION``, ``RULES_VERSION``: both are in
the settings' fingerprint), makes the next run a full rebuild by itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from catalogue_sync.config import MergeConfig, NetworkConfig
from catalogue_sync.merge.rebuild import Rebuild
from catalogue_sync.merge.region import Region
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.merge.writer import RegionOutcome
from catalogue_sync.store import Store, matching
from catalogue_sync.store import clusters as stored
from catalogue_sync.store.matching import RecordKey

log = logging.getLogger(__name__)

BATCH = 1000
"""Source records merged per transaction, in an incremental run."""
REBUILD_BATCH = 5000
"""Records merged per transaction in a rebuild: fewer, bigger transactions write each page
of the store fewer times (a fifth less time at 200,000 records on SQLite)."""


@dataclass(slots=True)
class MergeSummary:
    """What a merge run did."""

    full: bool = False
    """Every record was merged again (a full rebuild, or the first merge)."""
    first: bool = False
    """The first merge of this store."""
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
          full: bool = False, batch: int | None = None) -> MergeSummary:
    """Merge what changed since the last run into the union catalogue (``full``: everything)."""
    settings = _settings(config)
    started = time.monotonic()
    kind = _kind(store, settings, full)
    summary = MergeSummary(full=kind != "incremental", first=kind == "first")
    if summary.full:
        rebuild = Rebuild(store, settings, batch or REBUILD_BATCH)
        rebuild.run()
        summary.add(rebuild.outcome, rebuild.records)
    logged: set[str] = set()
    while True:  # after a rebuild: what changed while it ran
        with store.transaction("merging records", writes=True) as connection:
            watermark = stored.lock_counter(connection, stored.MERGE_WATERMARK)
            changes = matching.read_changes(connection, watermark, batch or BATCH)
            if not changes:
                break
            outcome = Region(connection, settings, _now(), logged).run(changes)
            stored.set_counter(connection, stored.MERGE_WATERMARK, changes[-1].change_seq)
        summary.add(outcome, len(changes))
        log.debug("merged a batch", extra={"records": len(changes),
                                           "watermark": changes[-1].change_seq})
    summary.seconds = time.monotonic() - started
    log.info("merge finished", extra={"kind": kind, "records": summary.records,
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


def _kind(store: Store, settings: MergeSettings, full: bool) -> str:
    """"first" (nothing merged yet), "full" (asked, or needed) or "incremental"."""
    watermark, reason = _rebuild_reason(store, settings)
    if watermark == 0:
        return "first"
    if full:
        return "full"
    if reason is not None:
        log.warning("%s: merging everything again", reason)
        return "full"
    return "incremental"


def pending_rebuild(store: Store, config: NetworkConfig | MergeConfig | MergeSettings
                    ) -> str | None:
    """Why the next merge will merge every record again, or None if it need not (the
    store was never merged, or was merged by these settings and this code)."""
    watermark, reason = _rebuild_reason(store, _settings(config))
    return None if watermark == 0 else reason


def _rebuild_reason(store: Store, settings: MergeSettings) -> tuple[int, str | None]:
    """The merge watermark, and why the clusters are not those of ``settings``."""
    with store.transaction("starting the merge") as connection:
        watermark = stored.read_counter(connection, stored.MERGE_WATERMARK)
        before = stored.read_counter(connection, stored.MERGE_SETTINGS)
    if before == 0:
        return watermark, "the last full merge did not finish"
    if before != settings.fingerprint:
        return watermark, ("the [merge] settings or the match keys or rules (their versions) "
                           "changed since the last merge")
    return watermark, None


def _now() -> datetime:
    return datetime.now(UTC)
