"""The harvest figures in the search service's /metrics, read from the store and the queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from catalogue_sync.config import load_network
from catalogue_sync.pipeline import Harvest
from catalogue_sync.store import Store
from connectors import registry
from services.harvester.queue import JobQueue
from services.sandbox.testing import SandboxServer
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback
from tests.services.harvester.conftest import LIBRARY, write_network


def test_metrics_give_records_runs_and_queue_depth_per_library(
        tmp_path: Path, store: Store, store_url: str, redis_prefix: str,
        sandbox: SandboxServer) -> None:
    network = load_network(write_network(tmp_path, sandbox.base_url, sandbox.network,
                                         store_url, redis_prefix))
    library = network.library(LIBRARY)

    async def harvest() -> None:
        async with httpx.AsyncClient() as client:
            await Harvest(store, library, registry.build(library, client)).run()

    asyncio.run(harvest())
    queue = JobQueue.of(network)
    queue.harvest(LIBRARY)
    queue.check(LIBRARY)
    queue.close()
    live = store.live_count(LIBRARY)
    added = store.runs(LIBRARY)[0].counts.added
    app = create_app(SearchContext(network, store))
    with serve_on_loopback(app, health="/healthz", name="search") as base_url:
        text = httpx.get(f"{base_url}/metrics").text
    assert f'catalogue_sync_library_records{{library="{LIBRARY}"}} {live}.0' in text
    assert f'catalogue_sync_harvest_runs_total{{library="{LIBRARY}",status="ok"}} 1.0' in text
    assert (f'catalogue_sync_harvest_records_total{{change="added",library="{LIBRARY}"}} '
            f'{added}.0') in text
    assert "catalogue_sync_queue_depth 2.0" in text
    assert f'catalogue_sync_library_stale_records{{library="{LIBRARY}"}} 0.0' in text
    assert f'catalogue_sync_harvest_last_success_timestamp_seconds{{library="{LIBRARY}"}}' in text
