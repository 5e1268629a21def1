"""The harvester service's figures for Prometheus, read from the store and the queue.

Workers come and go (and a killed one takes its in-memory counters with it), so the figures
are not counted in the workers: the store holds every run of every worker, and the search
service, which is scraped anyway, exports them. Read at most once a minute; a scrape in
between gets the same figures.

    catalogue_sync_library_records{library}                 live records
    catalogue_sync_library_quarantined{library}             records in quarantine
    catalogue_sync_library_stale_records{library}           live records an older normalizer
                                                            or other settings of the library
                                                            derived (``records renormalize``)
    catalogue_sync_harvest_runs_total{library,status}       runs, ok or failed
    catalogue_sync_harvest_records_total{library,change}    added, updated, deleted, quarantined
    catalogue_sync_harvest_last_success_timestamp_seconds{library}
    catalogue_sync_queue_depth                              jobs queued or running
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import CatalogueError, QueueUnavailable
from catalogue_sync.renormalize import stale_counts
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue

log = logging.getLogger(__name__)

CHANGES = ("added", "updated", "deleted", "quarantined")
KEEP_SECONDS = 60.0


class HarvestCollector(Collector):
    """Collects the harvest figures; registered on the search service's registry."""

    def __init__(self, network: NetworkConfig, store: Store) -> None:
        self.network = network
        self.store = store
        self._kept: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        now = time.monotonic()
        if self._kept is None or now - self._kept[0] > KEEP_SECONDS:
            self._kept = (now, self._read())
        yield from self._kept[1]

    def _read(self) -> list[Metric]:
        try:
            return [*self._libraries(), *self._runs(), *self._queue()]
        except CatalogueError as exc:  # the store is down: /readyz says so, metrics are empty
            log.warning("harvest metrics unavailable: %s", exc)
            return []

    def _libraries(self) -> list[Metric]:
        records = GaugeMetricFamily("catalogue_sync_library_records",
                                    "Live records of each library", labels=["library"])
        quarantined = GaugeMetricFamily("catalogue_sync_library_quarantined",
                                        "Records of each library in quarantine",
                                        labels=["library"])
        success = GaugeMetricFamily("catalogue_sync_harvest_last_success_timestamp_seconds",
                                    "When each library's last harvest succeeded",
                                    labels=["library"])
        for status in self.store.status(list(self.network.libraries)):
            records.add_metric([status.id], status.records)
            quarantined.add_metric([status.id], status.quarantined)
            if status.last_harvest is not None:
                success.add_metric([status.id], status.last_harvest.timestamp())
        return [records, quarantined, success, self._stale()]

    def _stale(self) -> Metric:
        stale = GaugeMetricFamily("catalogue_sync_library_stale_records",
                                  "Live records of each library an older version of the "
                                  "normalizer or other settings of it derived", labels=["library"])
        for count in stale_counts(self.store, self.network.libraries.values()):
            stale.add_metric([count.library], count.stale)
        return stale

    def _runs(self) -> list[Metric]:
        runs = CounterMetricFamily("catalogue_sync_harvest_runs", "Harvest runs by outcome",
                                   labels=["library", "status"])
        changes = CounterMetricFamily("catalogue_sync_harvest_records",
                                      "Records harvested, by change", labels=["library",
                                                                              "change"])
        per_library: dict[str, dict[str, int]] = {}
        for (library, status), (count, counts) in sorted(self.store.run_totals().items()):
            runs.add_metric([library, status.value], count)
            tally = per_library.setdefault(library, dict.fromkeys(CHANGES, 0))
            for change in CHANGES:
                tally[change] += getattr(counts, change)
        for library, tally in per_library.items():
            for change, value in tally.items():
                changes.add_metric([library, change], value)
        return [runs, changes]

    def _queue(self) -> list[Metric]:
        if self.network.redis_url() is None:
            return []
        queue = JobQueue.of(self.network)
        try:
            depth = GaugeMetricFamily("catalogue_sync_queue_depth",
                                      "Harvester jobs queued or running")
            depth.add_metric([], queue.depth())
            return [depth]
        except QueueUnavailable as exc:
            log.warning("queue depth unavailable: %s", exc)
            return []
        finally:
            queue.close()
