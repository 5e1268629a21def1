"""The dashboard over real HTTP on a loopback port, its sessions and job queue in the real
Redis (under this test's own prefix), its accounts in CATALOGUE_SYNC_ADMINS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Protocol

import httpx
import pytest
import tomlkit

from catalogue_sync.config import (
    CacheConfig,
    ConnectorConfig,
    HarvesterConfig,
    LibraryConfig,
    NetworkConfig,
    StorageConfig,
    get_settings,
)
from catalogue_sync.models import Flavour
from catalogue_sync.store import Store
from services.harvester.queue import JobQueue
from services.search.admin.passwords import hash_password
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import serve_on_loopback
from tests.conftest import REDIS_URL

NAME, PASSWORD = "marie", "correct horse battery staple"
CHEAP = {"n": 2**10, "r": 8, "p": 1}
"""A cheap scrypt for tests: the cost is read back from each hash."""


@pytest.fixture(autouse=True)
def admins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One account (marie), and no Redis from the environment: each test's network names
    its own."""
    monkeypatch.setenv("CATALOGUE_SYNC_ADMINS", f"{NAME}:{hash_password(PASSWORD, **CHEAP)}")
    monkeypatch.delenv("CATALOGUE_SYNC_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def with_redis(network: NetworkConfig, prefix: str, url: str = REDIS_URL) -> NetworkConfig:
    """``network`` with Redis, its keys under ``prefix``."""
    return network.model_copy(update={
        "cache": CacheConfig(redis_url=url, key_prefix=prefix),
        "harvester": HarvesterConfig(namespace=prefix)})


def small_network(store_url: str) -> NetworkConfig:
    """Two member libraries never harvested (the queue's workers are not running)."""
    libraries = {
        "mediatheque-niort": LibraryConfig(
            id="mediatheque-niort", name="Médiathèque de Niort", flavour=Flavour.UNIMARC,
            schedule="every 6h", connector=ConnectorConfig(type="marc-file", path="niort.mrc")),
        "parthenay": LibraryConfig(
            id="parthenay", name="Bibliothèque de Parthenay", flavour=Flavour.UNIMARC,
            connector=ConnectorConfig(type="marc-file", path="parthenay.mrc")),
    }
    return NetworkConfig(storage=StorageConfig(url=store_url), libraries=libraries)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'var' / 'catalogue-sync.db'}")
    store.create_schema()
    yield store
    store.close()


class Serve(Protocol):
    def __call__(self, network: NetworkConfig, store: Store, queue: JobQueue | None = None
                 ) -> str: ...


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(network, store)``: the search service on a loopback port; its URL. With
    ``queue``, the dashboard queues its jobs there."""
    with ExitStack() as stack:

        def start(network: NetworkConfig, store: Store, queue: JobQueue | None = None) -> str:
            app = create_app(SearchContext(network=network, store=store))
            stack.callback(app.state.admin.close)  # the lifespan is off on loopback
            if queue is not None:
                app.state.admin.use_queue(queue)
            return stack.enter_context(serve_on_loopback(app, health="/health", name="admin"))

        yield start


@pytest.fixture
def dashboard_url(serve: Serve, sqlite_store: Store, redis_prefix: str) -> str:
    """The dashboard of two libraries, on SQLite, with Redis."""
    return serve(with_redis(small_network(sqlite_store.url), redis_prefix), sqlite_store)


TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def network_file(redis_prefix: str, tmp_path: Path) -> Path:
    """A network.toml of an empty network whose dashboard keeps its sessions in the test's
    Redis prefix: for ``catalogue-sync serve search`` started as a process."""
    document = tomlkit.document()
    document.add("storage", {"url": f"sqlite:///{tmp_path / 'search.db'}"})
    document.add("index", {"path": str(tmp_path / "index")})
    document.add("cache", {"redis_url": REDIS_URL, "key_prefix": redis_prefix})
    path = tmp_path / "network.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def network(sqlite_store: Store, redis_prefix: str) -> NetworkConfig:
    """A small network whose dashboard and queue keep to this test's Redis prefix."""
    return with_redis(small_network(sqlite_store.url), redis_prefix)


@pytest.fixture
def queue(network: NetworkConfig) -> Iterator[JobQueue]:
    """The queue the workers read, as they would open it."""
    opened = JobQueue.of(network)
    yield opened
    opened.close()


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found[1]


def sign_in(client: httpx.Client, name: str = NAME, password: str = PASSWORD,
            next_path: str = "/admin") -> httpx.Response:
    """Sign in as a browser does: the form, then its POST (redirects not followed)."""
    form = client.get("/admin/connexion")
    return client.post("/admin/connexion", data={
        "csrf": csrf_of(form.text), "next": next_path, "nom": name, "mot_de_passe": password})


@pytest.fixture
def client(dashboard_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dashboard_url, headers={"Accept": "text/html"}) as opened:
        yield opened


@pytest.fixture
def admin_client(client: httpx.Client) -> httpx.Client:
    """A browser signed in as marie."""
    assert sign_in(client).status_code == 303
    return client
