"""After an upgrade, a worker that starts brings the store up to the code by itself: the
records an older normalizer (or other settings of their library) derived are normalized
again, and a merge whose keys or rules changed is rebuilt, through the queue like any job."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomlkit
from typer.testing import CliRunner

from catalogue_sync.config import HOLDINGS_PRESETS
from catalogue_sync.merge.settings import MergeSettings
from catalogue_sync.store import clusters
from catalogue_sync.store.schema import counters, source_records
from services.cli import app
from services.sandbox.generator import SandboxNetwork
from services.sandbox.libraries import default_libraries
from services.sandbox.testing import SandboxServer, run_sandbox
from tests.services.harvester.conftest import LIBRARY, Workers, job, open_network, wait_for
from tests.services.harvester.conftest import write_network as network_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    network = SandboxNetwork(seed=6, total_records=200, libraries=default_libraries()[:1])
    with run_sandbox(network, page_size=100, sip2=False) as server:
        yield server


def test_a_worker_started_after_an_upgrade_renormalizes_and_rebuilds_the_merge(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = network_file(tmp_path, sandbox.base_url, sandbox.network, store_url,
                          redis_prefix)
    harvested = CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY])
    assert harvested.exit_code == 0, harvested.output
    network, store = open_network(config)
    # The store as an older release left it: no versions, and other match keys.
    with store.transaction("going back a release", writes=True) as connection:
        connection.execute(sa.update(source_records).values(normalizer_version=0))
        connection.execute(sa.update(counters).where(counters.c.name == clusters.MERGE_SETTINGS)
                           .values(value=12345))
    status = CliRunner().invoke(app, ["--config", str(config), "status"])
    assert "records renormalize" in status.output and "merge run" in status.output

    workers(config).start()

    def versions() -> set[int]:
        return {r.normalizer_version for r in store.iter_records(LIBRARY) if not r.deleted}

    wait_for(lambda: versions() == {1}, "the records to be renormalized")
    fingerprint = MergeSettings.from_config(network).fingerprint

    def merged_with() -> int:
        with store.transaction("reading the merge settings") as connection:
            return clusters.read_counter(connection, clusters.MERGE_SETTINGS)

    wait_for(lambda: merged_with() == fingerprint, "the merge to be rebuilt")
    wait_for(lambda: (state := job(network)) is not None and state.state == "done",
             "the renormalization job to be done")
    state = job(network)
    assert state is not None and state.kind == "renormalize"
    assert state.detail and "0 changed" in state.detail
    status = CliRunner().invoke(app, ["--config", str(config), "status", "--json"])
    assert '"behind": []' in status.output
    store.close()


def test_a_worker_started_after_a_library_s_holdings_mapping_changed_renormalizes_it(
        tmp_path: Path, store_url: str, redis_prefix: str, sandbox: SandboxServer,
        workers: Callable[[Path], Workers]) -> None:
    config = network_file(tmp_path, sandbox.base_url, sandbox.network, store_url,
                          redis_prefix)
    harvested = CliRunner().invoke(app, ["--config", str(config), "harvest", LIBRARY])
    assert harvested.exit_code == 0, harvested.output
    # The librarians now read each item's call number from its barcode's subfield.
    document = tomlkit.parse(config.read_text())
    table = document["libraries"][LIBRARY]  # type: ignore[index]
    preset = table["holdings"]["preset"]  # type: ignore[index]
    table["holdings"]["call_number"] = HOLDINGS_PRESETS[preset]["barcode"]  # type: ignore[index]
    config.write_text(tomlkit.dumps(document))
    network, store = open_network(config)
    status = CliRunner().invoke(app, ["--config", str(config), "status"])
    assert f"records renormalize {LIBRARY}" in status.output

    workers(config).start()

    def call_numbers_are_barcodes() -> bool:
        items = [item for r in store.iter_records(LIBRARY) if not r.deleted
                 for item in r.normalized.items]
        return bool(items) and all(item.call_number == item.barcode for item in items)

    wait_for(call_numbers_are_barcodes, "the records to be derived with the new mapping")
    wait_for(lambda: (state := job(network)) is not None and state.state == "done",
             "the renormalization job to be done")
    state = job(network)
    assert state is not None and state.kind == "renormalize"
    assert state.detail and "0 changed" not in state.detail
    status = CliRunner().invoke(app, ["--config", str(config), "status", "--json"])
    assert '"behind": []' in status.output
    store.close()
