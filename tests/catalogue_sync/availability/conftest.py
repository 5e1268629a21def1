"""The sandbox network harvested and merged once, its Koha REST APIs live, and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from availability_support import network_of

from catalogue_sync.merge.catalogue import merge
from catalogue_sync.pipeline import harvest_libraries
from catalogue_sync.store import Store
from connectors import registry
from services.sandbox import SandboxNetwork
from services.sandbox.config import PASSWORD_ENV
from services.sandbox.koha_api import API_PASSWORD
from services.sandbox.testing import SandboxServer, run_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with run_sandbox(SandboxNetwork(seed=23, total_records=300)) as server:
        yield server


@pytest.fixture(autouse=True)
def ils_password(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> Iterator[None]:
    monkeypatch.setenv(PASSWORD_ENV, API_PASSWORD)
    yield
    sandbox.faults.clear()


@pytest.fixture(scope="module")
def store(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The sandbox harvested and merged into a SQLite store, once for the module."""
    path: Path = tmp_path_factory.mktemp("availability") / "catalogue.db"
    opened = Store(f"sqlite:///{path}")
    opened.create_schema()
    network = network_of(sandbox, opened.url)

    async def harvest() -> None:
        async with httpx.AsyncClient() as client:
            outcomes = await harvest_libraries(
                opened, list(network.libraries.values()),
                lambda library: registry.build(library, client))
        assert all(outcome.ok for outcome in outcomes), outcomes

    asyncio.run(harvest())
    merge(opened, network)
    yield opened
    opened.close()
