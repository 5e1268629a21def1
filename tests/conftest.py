"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from catalogue_sync.cache import ResponseCache
from catalogue_sync.store import Store

# ---------------------------------------------------------------------------------------
# The record store, on SQLite and on PostgreSQL

# `make test` sets this to the role and database scripts/ensure-services.sh creates.
POSTGRES_TEST_URL = sa.make_url(os.environ.get(
    "CATALOGUE_SYNC_TEST_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/catalogue_sync_test",
))
POSTGRES_SERVER = POSTGRES_TEST_URL.set(database="postgres")
POSTGRES_TEST_DATABASE = POSTGRES_TEST_URL.database or "catalogue_sync_test"


@pytest.fixture(scope="session")
def postgres_test_url() -> Iterator[str]:
    """A schema of its own in the test database, for this test session.

    The database is created if absent. Each session works in its own schema so that
    engineers running the suite at the same time do not drop each other's tables. No server
    is a failure, not a skip: `make test` guarantees one.
    """
    _create_test_database()
    schema = f"test_{os.getpid()}"
    in_schema = POSTGRES_TEST_URL.update_query_dict({"options": f"-csearch_path={schema}"})
    url = in_schema.render_as_string(hide_password=False)
    _reset_schema(url, schema)
    yield url
    _reset_schema(url, schema, recreate=False)


def _create_test_database() -> None:
    admin = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": POSTGRES_TEST_DATABASE},
            ).first()
            if exists is None:
                connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_TEST_DATABASE}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_SERVER.render_as_string()} ({exc.orig}); "
            "the postgres "
            "tests need it: start the server, or deselect them with -m 'not postgres'",
            pytrace=False,
        )
    except sa.exc.ProgrammingError:
        pass  # another session created it between our check and our CREATE
    finally:
        admin.dispose()


def _reset_schema(url: str, schema: str, *, recreate: bool = True) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if recreate:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty record store: a SQLite file, or a freshly emptied PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'catalogue-sync.db'}"
    url: str = request.getfixturevalue("postgres_test_url")
    _reset_schema(url, f"test_{os.getpid()}")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A record store with its schema created, closed after the test."""
    opened = Store(store_url)
    opened.create_schema()
    yield opened
    opened.close()


REDIS_URL = os.environ.get("CATALOGUE_SYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
"""The real Redis of the tests (its database 15; every test keeps to a prefix of its own)."""


@pytest.fixture
def response_cache(redis_prefix: str) -> Iterator[ResponseCache]:
    """A cache in the real Redis, under a key prefix of this test's own, emptied afterwards."""
    cache = ResponseCache(REDIS_URL, prefix=redis_prefix, ttl=60)
    yield cache
    cache.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the real Redis, its keys deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    delete_prefix(prefix)


def delete_prefix(prefix: str) -> None:
    """Delete the keys under ``prefix`` in the real Redis (for module-scoped prefixes)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
