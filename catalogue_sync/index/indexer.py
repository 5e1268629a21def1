"""The index's life: built from the union catalogue, kept up to date from its changes, and
rebuilt beside itself then swapped in, so searches go on during a rebuild.

    var/index/                     ([index] path in network.toml)
        CURRENT                    the generation searches use ("gen-000003"), replaced
                                   atomically (write, fsync, rename)
        gen-000003/                a tantivy index, and state.json: {"schema": 1,
                                   "watermark": 1234, "store": "sqlite:///...", ...}
        gen-000002/                the generation before, kept for searchers still on it
        .lock                      held while writing, so two updates never interleave

``update`` applies the merged records whose ``change_seq`` is above the watermark, in change
order, deletions included, then commits and only then writes the new watermark. A crash
between the two makes the next update apply some changes again, which is harmless: each is
"delete this id, add its current document". The watermark lives with the index rather than
in the store's counters for the same reason: it must describe this index's content. An index
directory deleted, restored from a backup or copied to another search server then carries a
watermark that is true of it, and a missing one means "build from scratch".

``rebuild`` builds a new generation from every live merged record (its watermark is the
catalogue's latest change number read before the first page, so changes made meanwhile are
applied by the next update), then points CURRENT at it. The next update is a rebuild too
when the schema changed (``SCHEMA_VERSION``) or the store is not the one the index was built
from (another URL, or a store started again whose last change is below the watermark).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import tantivy

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import StoreError
from catalogue_sync.index import analysis
from catalogue_sync.index.documents import SCHEMA_VERSION, build_schema, index_document
from catalogue_sync.store import Store
from catalogue_sync.store.clusters import MergedRecord, changed_page, last_change_seq, live_page

log = logging.getLogger(__name__)

BATCH = 1000
"""Merged records read from the store at a time."""
COMMIT_EVERY = 100_000
"""An update commits (and saves its watermark) this often, so a long one keeps its work."""
MB = 1_000_000
HEAP_PER_THREAD = 40 * MB
STATE_FILE = "state.json"

Mode = Literal["first", "incremental", "rebuild"]


@dataclass(frozen=True, slots=True)
class IndexRun:
    """What an update or a rebuild did."""

    mode: Mode
    indexed: int
    """Documents added or replaced."""
    deleted: int
    """Merged records that became tombstones, taken out."""
    watermark: int
    seconds: float


@dataclass(frozen=True, slots=True)
class IndexState:
    """The generation in use and what it has seen."""

    generation: str
    schema: int
    watermark: int
    store: str
    """The store it was built from (URL, password hidden)."""


class CatalogueIndex:
    """The index directory of one network: opening, updating and rebuilding it."""

    def __init__(self, path: Path, *, writer_memory_mb: int = 128) -> None:
        self.path = path
        self.writer_memory = writer_memory_mb * MB

    @classmethod
    def of(cls, network: NetworkConfig) -> CatalogueIndex:
        """The index network.toml's ``[index]`` describes."""
        return cls(network.index_path(), writer_memory_mb=network.index.writer_memory_mb)

    def state(self) -> IndexState | None:
        """The generation in use, or None when no index was built yet."""
        try:
            generation = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
            saved = json.loads((self.path / generation / STATE_FILE).read_text(encoding="utf-8"))
            return IndexState(generation, int(saved["schema"]), int(saved["watermark"]),
                              str(saved.get("store", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def open(self) -> tuple[str, tantivy.Index]:
        """The generation in use and its tantivy index, for searching."""
        state = self.state()
        if state is None:
            raise StoreError(f"no search index in {self.path} yet: build it with "
                             "`catalogue-sync index`")
        with self._translated("opening"):
            index = tantivy.Index.open(str(self.path / state.generation))
            analysis.register(index)
        return state.generation, index

    def update(self, store: Store) -> IndexRun:
        """Apply the union catalogue's changes since the last update; build the index first
        if there is none (or its schema is outdated)."""
        with self._locked():
            state = self.state()
            if state is None:
                return self._build(store, "first")
            if not _still_valid(state, store):
                return self._build(store, "rebuild")
            return self._apply_changes(store, state)

    def rebuild(self, store: Store) -> IndexRun:
        """Index every live merged record into a new generation, then swap it in."""
        with self._locked():
            return self._build(store, "rebuild")

    # Updating

    def _apply_changes(self, store: Store, state: IndexState) -> IndexRun:
        started = time.monotonic()
        directory = self.path / state.generation
        indexed = deleted = pending = 0
        watermark = state.watermark
        with self._translated("updating"):
            index = tantivy.Index.open(str(directory))
            analysis.register(index)
            writer = self._writer(index)
            for rows in _changes(store, watermark):
                added = _replace(writer, rows)
                indexed, deleted = indexed + added, deleted + len(rows) - added
                watermark, pending = rows[-1].change_seq, pending + len(rows)
                if pending >= COMMIT_EVERY:
                    self._commit(writer, directory, watermark, store)
                    pending = 0
            if pending:
                self._commit(writer, directory, watermark, store)
            writer.wait_merging_threads()
        return _finished("incremental", indexed, deleted, watermark, started)

    def _build(self, store: Store, mode: Mode) -> IndexRun:
        started = time.monotonic()
        previous = self.state()
        generation = self._next_generation()
        directory = self.path / generation
        directory.mkdir(parents=True)
        with store.transaction("reading the union catalogue's last change") as connection:
            watermark = last_change_seq(connection)
        with self._translated("building"):
            index = tantivy.Index(build_schema(), path=str(directory), reuse=False)
            analysis.register(index)
            writer = self._writer(index)
            indexed = sum(_add(writer, row) for rows in _live(store) for row in rows)
            self._commit(writer, directory, watermark, store)
            writer.wait_merging_threads()
        _write_atomically(self.path / "CURRENT", generation)
        self._remove_old(keep={generation, previous.generation if previous else ""})
        return _finished(mode, indexed, 0, watermark, started)

    def _writer(self, index: tantivy.Index) -> tantivy.IndexWriter:
        threads = max(1, min(os.cpu_count() or 1, self.writer_memory // HEAP_PER_THREAD, 8))
        return index.writer(heap_size=self.writer_memory, num_threads=threads)

    def _commit(self, writer: tantivy.IndexWriter, directory: Path, watermark: int,
                store: Store) -> None:
        writer.commit()
        state = {"schema": SCHEMA_VERSION, "watermark": watermark, "store": store.url,
                 "updated_at": datetime.now(UTC).isoformat(timespec="seconds")}
        _write_atomically(directory / STATE_FILE, json.dumps(state))

    # The directory

    def _next_generation(self) -> str:
        numbers = [int(path.name[4:]) for path in self._generations()]
        return f"gen-{max(numbers, default=0) + 1:06d}"

    def _generations(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return [path for path in self.path.iterdir()
                if path.is_dir() and path.name.startswith("gen-") and path.name[4:].isdigit()]

    def _remove_old(self, keep: set[str]) -> None:
        for path in self._generations():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time, across processes (a harvest's update and an `index
        --rebuild` typed meanwhile wait for each other)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / ".lock").open("a")
        except OSError as exc:
            raise StoreError(f"search index {self.path}: {exc.strerror or exc}") from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """tantivy's errors (ValueError, OSError) as StoreError naming the index."""
        try:
            yield
        except (ValueError, OSError) as exc:
            raise StoreError(f"search index {self.path}: {doing} failed: {exc}") from exc


def _still_valid(state: IndexState, store: Store) -> bool:
    """Whether updates can go on from the index's watermark, or it must be built again."""
    if state.schema != SCHEMA_VERSION or state.store != store.url:
        return False
    with store.transaction("reading the union catalogue's last change") as connection:
        return last_change_seq(connection) >= state.watermark


def _changes(store: Store, after: int) -> Iterator[list[MergedRecord]]:
    while True:
        with store.transaction("reading the union catalogue's changes") as connection:
            rows = changed_page(connection, after, BATCH)
        if not rows:
            return
        yield rows
        after = rows[-1].change_seq


def _live(store: Store) -> Iterator[list[MergedRecord]]:
    after = ""
    while True:
        with store.transaction("reading the union catalogue") as connection:
            rows = live_page(connection, after, BATCH)
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _replace(writer: tantivy.IndexWriter, rows: list[MergedRecord]) -> int:
    """Each record's document in place of its old one (none for a tombstone); how many
    were added."""
    for row in rows:
        writer.delete_documents_by_term("id", row.id)
    return sum(_add(writer, row) for row in rows)


def _add(writer: tantivy.IndexWriter, row: MergedRecord) -> bool:
    """Add a live merged record's document; False for a tombstone."""
    if row.deleted or row.display is None:
        return False
    writer.add_document(index_document(row.id, row.work, row.display))
    return True


def _finished(mode: Mode, indexed: int, deleted: int, watermark: int,
              started: float) -> IndexRun:
    run = IndexRun(mode, indexed, deleted, watermark, time.monotonic() - started)
    log.info("index %s", "updated" if mode == "incremental" else "built",
             extra={"mode": mode, "indexed": indexed, "deleted": deleted,
                    "watermark": watermark, "seconds": round(run.seconds, 2)})
    return run


def _write_atomically(path: Path, text: str) -> None:
    """Readers see the old content or the new, never a part: write aside, fsync, rename."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
