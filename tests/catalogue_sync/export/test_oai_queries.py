"""The OAI-PMH provider's list queries read an index range, whatever the page: what keeps
page 10,000 of a million-record harvest as fast as the first (bench/oai.py measures it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from catalogue_sync.store import Store
from catalogue_sync.store.oai import Position, Window, count_listed, list_page

AFTER = Position(datetime(2025, 3, 14, tzinfo=UTC), "m0123456789ab")
WINDOW = Window(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


@contextmanager
def statements(connection: sa.Connection) -> Iterator[list[tuple[str, Any]]]:
    """The SQL the connection runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


def plans(tmp_path: Path, run: Any) -> list[str]:
    """SQLite's query plan of each statement ``run(connection)`` executes."""
    store = Store(f"sqlite:///{tmp_path / 'catalogue.db'}")
    store.create_schema()
    try:
        with store.transaction("planning") as connection:
            with statements(connection) as seen:
                run(connection)
            return [" / ".join(row[3] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)) for statement, parameters in seen]
    finally:
        store.close()


def test_a_page_of_the_whole_catalogue_is_an_index_range(tmp_path: Path) -> None:
    [plan] = plans(tmp_path, lambda c: list_page(c, WINDOW, None, AFTER, 101))
    assert "USING INDEX ix_merged_records_updated_at" in plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan


def test_a_page_of_a_library_set_is_an_index_range(tmp_path: Path) -> None:
    [plan] = plans(tmp_path, lambda c: list_page(c, WINDOW, "niort", AFTER, 101))
    assert "USING INDEX ix_oai_set_records_list" in plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan


def test_counting_a_window_reads_the_index_only(tmp_path: Path) -> None:
    [plan] = plans(tmp_path, lambda c: count_listed(c, WINDOW, None))
    assert "USING COVERING INDEX ix_merged_records_updated_at" in plan
