"""The search API's response cache, with the real Redis (a key prefix of its own per test,
removed afterwards) and with Redis down or coming back: the same answers, cached or not;
an index update makes the cached answers obsolete at once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from catalogue_sync.cache import ResponseCache
from catalogue_sync.config import NetworkConfig, Settings, load_network
from catalogue_sync.errors import ConfigError
from catalogue_sync.index.indexer import CatalogueIndex
from catalogue_sync.index.searcher import Searcher
from catalogue_sync.merge.catalogue import split
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import live_page
from services.search.app import create_app
from services.search.context import SearchContext
from services.serving import free_port, serve_on_loopback
from tests.conftest import REDIS_URL

QUERIES: list[dict[str, Any]] = [
    {}, {"q": "histoire"}, {"q": "roman", "sort": "title", "page": 2, "page_size": 5},
    {"library": ["mediatheque-fm", "ludotheque"], "available": "true", "lang": "en"},
]


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own in the test Redis database; its keys are removed."""
    name = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def index(store: Store, merged_network: NetworkConfig, tmp_path: Path) -> CatalogueIndex:
    catalogue_index = CatalogueIndex(tmp_path / "index", writer_memory_mb=32)
    catalogue_index.update(store)
    return catalogue_index


@contextmanager
def serving(network: NetworkConfig, store: Store, index: CatalogueIndex,
            cache: ResponseCache) -> Iterator[str]:
    context = SearchContext(network=network, store=store, searcher=Searcher(index),
                            cache=cache)
    try:
        with serve_on_loopback(create_app(context), health="/health", name="api") as url:
            yield f"{url}/api/v1/search"
    finally:
        cache.close()


def ask(url: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
    response = httpx.get(url, params=params, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response


def keys(prefix: str) -> list[bytes]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(f"{prefix}:*"))
    finally:
        client.close()


def test_a_repeated_search_is_answered_from_redis(
        merged_network: NetworkConfig, store: Store, index: CatalogueIndex, prefix: str) -> None:
    cache = ResponseCache(REDIS_URL, prefix=prefix, ttl=30)
    with serving(merged_network, store, index, cache) as url:
        first = ask(url, q="histoire", library=["mediatheque-fm", "centre-doc"])
        assert first.headers["x-cache"] == "miss"
        again = ask(url, q="  histoire ", library=["centre-doc", "mediatheque-fm"],
                    headers={"Accept-Language": "fr-FR"})
        assert again.headers["x-cache"] == "hit" and again.content == first.content
        assert ask(url, q="histoire", lang="en").headers["x-cache"] == "miss"
        stored = keys(prefix)
        assert len(stored) == 2
        client = redis.Redis.from_url(REDIS_URL)
        assert all(0 < client.ttl(key) <= 30 for key in stored)
        # What a hit answers is what Redis holds: change it there, and the answer changes.
        key = next(key for key in stored if client.get(key) == first.content)
        client.set(key, json.dumps({**first.json(), "total": -1}).encode(), ex=30)
        client.close()
        assert ask(url, q="histoire", library=["mediatheque-fm", "centre-doc"]).json()[
            "total"] == -1


def test_an_index_update_makes_the_cached_answers_obsolete(
        merged_network: NetworkConfig, store: Store, index: CatalogueIndex, prefix: str) -> None:
    with store.transaction("reading") as connection:
        shared = next(merged for merged in live_page(connection, "", 100_000)
                      if len((merged.display or {})["holdings"]) > 1)
    title = (shared.display or {})["title"]
    cache = ResponseCache(REDIS_URL, prefix=prefix, ttl=300)
    with serving(merged_network, store, index, cache) as url:
        before = ask(url, q=f'"{title}"')
        assert ask(url, q=f'"{title}"').headers["x-cache"] == "hit"
        holding = (shared.display or {})["holdings"][-1]
        split(store, holding["library"], holding["record"], config=merged_network)
        assert ask(url, q=f'"{title}"').headers["x-cache"] == "hit"  # the index is unchanged
        index.update(store)
        after = ask(url, q=f'"{title}"')
        assert after.headers["x-cache"] == "miss"
        assert after.json()["total"] == before.json()["total"] + 1  # the record split off
        assert ask(url, q=f'"{title}"').headers["x-cache"] == "hit"
        index.rebuild(store)  # a new generation: obsolete too, with the same content
        rebuilt = ask(url, q=f'"{title}"')
        assert rebuilt.headers["x-cache"] == "miss" and rebuilt.content == after.content


def test_with_redis_down_the_answers_are_the_same(
        merged_network: NetworkConfig, store: Store, index: CatalogueIndex, prefix: str,
        caplog: pytest.LogCaptureFixture) -> None:
    with serving(merged_network, store, index, ResponseCache.off()) as url:
        uncached = [ask(url, **params).content for params in QUERIES]
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.WARNING, logger="catalogue_sync.cache"), \
            serving(merged_network, store, index, ResponseCache(closed, prefix=prefix)) as url:
        for _ in range(2):
            answers = [ask(url, **params) for params in QUERIES]
            assert [answer.content for answer in answers] == uncached
            assert {answer.headers["x-cache"] for answer in answers} == {"off"}
    warnings = [r.getMessage() for r in caplog.records if r.name == "catalogue_sync.cache"]
    assert len(warnings) == 1 and "unavailable" in warnings[0]  # said once, not per search
    with serving(merged_network, store, index, ResponseCache(REDIS_URL, prefix=prefix)) as url:
        assert [ask(url, **params).content for params in QUERIES] == uncached


def test_caching_resumes_when_redis_comes_back(
        merged_network: NetworkConfig, store: Store, index: CatalogueIndex, prefix: str,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    cache = ResponseCache(f"redis://127.0.0.1:{port}/0", prefix=prefix, retry_after=0.2)
    with caplog.at_level(logging.WARNING, logger="catalogue_sync.cache"), \
            serving(merged_network, store, index, cache) as url:
        assert ask(url, q="histoire").headers["x-cache"] == "off"
        with redis_server(port, tmp_path):
            time.sleep(0.3)
            assert ask(url, q="histoire").headers["x-cache"] == "miss"
            assert ask(url, q="histoire").headers["x-cache"] == "hit"
        assert ask(url, q="histoire").headers["x-cache"] == "off"  # down again: still answers
    said = [r.getMessage() for r in caplog.records if r.name == "catalogue_sync.cache"]
    assert ["unavailable" in s for s in said] == [True, False, True]
    assert "caching resumed" in said[1]


@contextmanager
def redis_server(port: int, directory: Path) -> Iterator[None]:
    """A Redis server of this test's own on ``port``, stopped afterwards."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def test_the_cache_is_set_in_network_toml_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text('[cache]\nredis_url = "redis://127.0.0.1:6379/3"\nttl_seconds = 20\n'
                    'key_prefix = "poitiers"\n', encoding="utf-8")
    network = load_network(path)
    cache = ResponseCache.of(network, Settings(redis_url=None))
    assert (cache.where, cache.ttl, cache.prefix, cache.state) == (
        "redis://127.0.0.1:6379/3", 20, "poitiers", "up")
    secret = ResponseCache.of(network, Settings(redis_url="redis://:s3cret@cache.local:6380/1"))
    assert secret.where == "redis://:***@cache.local:6380/1"  # logged without the password
    assert ResponseCache.of(NetworkConfig(), Settings(redis_url=None)).state == "off"
    path.write_text('[cache]\nredis_url = "http://127.0.0.1:6379"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cache\.redis_url: a Redis URL starts with"):
        load_network(path)
    cache.close()
    secret.close()
