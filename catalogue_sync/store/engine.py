"""Opening the database behind the store, and turning its errors into StoreError."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL

from catalogue_sync.errors import StoreError

# Drivers we know how to tune; a bare "postgresql://" means psycopg 3, the one installed.
POSTGRES_ALIASES = {"postgresql", "postgres", "postgresql+psycopg"}
SQLITE_BUSY_SECONDS = 30


def parse_url(url: str) -> URL:
    """The URL as SQLAlchemy understands it, with PostgreSQL pointed at psycopg 3."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"record store: not a database URL: {redact(url)}") from exc
    if parsed.drivername in POSTGRES_ALIASES:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redact(url: str) -> str:
    """A URL string with any password blanked, for URLs SQLAlchemy could not parse."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def create_engine(url: URL) -> sa.Engine:
    """An engine for ``url``; SQLite is set up for one writer and many readers."""
    safe = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"record store at {safe}: cannot open: {exc}") from exc


def _sqlite_engine(url: URL) -> sa.Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    event.listen(engine, "connect", _tune_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers (the dashboard) never block the harvest's writer. synchronous=NORMAL is
    # safe with WAL: a crash of the process loses nothing committed; a power cut may lose
    # the last pages, but records and cursor together, so a resume stays exact.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WRITES = "catalogue_sync_writes"
"""Execution option marking a connection whose transaction will write."""


def _begin_sqlite(connection: sa.Connection) -> None:
    # The sqlite3 module would start a transaction only at the first write, so reads before
    # it would see another snapshot than the write. A writer takes the write lock at once
    # (IMMEDIATE), waiting for the busy timeout: a deferred transaction that reads first and
    # then writes fails at once if another writer committed in between.
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


@contextmanager
def translated_errors(url: URL, doing: str) -> Iterator[None]:
    """Turn database errors into StoreError naming the URL without its password."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"record store at {describe(url)}: {doing}: {reason(exc, url)}") from exc


def describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def reason(exc: sa.exc.SQLAlchemyError, url: URL) -> str:
    """The driver's own first line, without SQL text or parameters (they may hold records)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    text = lines[0] if lines else type(original).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text
