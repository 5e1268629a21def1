"""One sandbox library's records: where each comes from, its datestamp, its state.

Record ``i`` of a library maps to a manifestation slot through an affine permutation of its
pool (``(step * j + offset) mod size``), so a library never holds a manifestation twice and
two libraries overlap as much as their pool shares imply, without storing any mapping.

Only datestamps, deletion flags and versions are stored (a few bytes a record); records are
rendered on demand and their serialized bytes kept, so a page is served by joining bytes.
Datestamps are kept sorted per OAI set for O(log n) range selection with ``bisect``.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from math import gcd

from catalogue_sync.models import Flavour, Format
from services.sandbox.describe import describe
from services.sandbox.families_other import group
from services.sandbox.holdings import ItemData, holdings_fields, items
from services.sandbox.libraries import SandboxLibrary
from services.sandbox.marc21 import to_marc21
from services.sandbox.marcio import MarcRecord, iso2709, marcxml
from services.sandbox.unimarc import to_unimarc
from services.sandbox.works import (
    FORMAT_SETS,
    SETS,
    SLOTS,
    Manifestation,
    Pool,
    mix,
    slot_format,
    text_code,
)

INDEX_BITS = 24
"""A sort key is ``datestamp << INDEX_BITS | index``: datestamp order, then record order."""
INDEX_MASK = (1 << INDEX_BITS) - 1
YEAR = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class PoolShare:
    """The records ``start`` to ``start + count`` of a library come from one pool."""

    pool: Pool
    start: int
    count: int
    size: int
    step: int
    offset: int

    def slot(self, index: int) -> int:
        return (self.step * (index - self.start) + self.offset) % self.size


def coprime_step(size: int, wanted: int) -> int:
    """A multiplier coprime with ``size`` (so the affine map is a permutation)."""
    step = wanted % size or 1
    while gcd(step, size) != 1:
        step += 1
    return step


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class LibraryCatalogue:
    """The records of one sandbox library, their datestamps and deletions."""

    def __init__(
        self, seed: int, library: SandboxLibrary, shares: list[PoolShare], anchor: int
    ) -> None:
        self.seed = seed
        self.library = library
        self.code = text_code(library.id)
        self.shares = shares
        self.count = sum(share.count for share in shares)
        self.anchor = anchor
        self.migration = anchor - YEAR - mix(seed, self.code, 1) % YEAR
        self.lock = threading.RLock()
        self.datestamps = [self.initial_datestamp(i) for i in range(self.count)]
        self.versions = [0] * self.count
        self.deleted = bytearray(
            mix(seed, self.code, i, 9) % 10_000 < library.deleted_share * 10_000
            for i in range(self.count)
        )
        self.ticks = 0
        self._sorted: dict[str | None, list[int]] = {}
        self._rendered: dict[tuple[int, int], bytes] = {}

    def initial_datestamp(self, index: int) -> int:
        """A quarter of the records keep the datestamp of the migration to the current ILS."""
        h = mix(self.seed, self.code, index, 8)
        if h % 4 == 0:
            return self.migration
        return self.anchor - (h >> 8) % (6 * YEAR)

    def share_of(self, index: int) -> PoolShare:
        for share in self.shares:
            if index < share.start + share.count:
                return share
        raise IndexError(f"{self.library.id} has no record {index}")

    def manifestation(self, index: int) -> Manifestation:
        share = self.share_of(index)
        slot = share.slot(index)
        return group(self.seed, share.pool, slot // SLOTS).manifestations[slot % SLOTS]

    def format(self, index: int) -> Format:
        """The record's format without building its group (cheap: hashes only)."""
        share = self.share_of(index)
        slot = share.slot(index)
        return slot_format(self.seed, share.pool, slot // SLOTS, slot % SLOTS)

    def sets(self, index: int) -> tuple[str, ...]:
        return FORMAT_SETS[self.format(index)] if self.library.sets else ()

    def find(self, local_id: str) -> int | None:
        """The index of a local record id, or None."""
        prefix = self.library.id_prefix
        if not local_id.startswith(prefix) or not local_id[len(prefix):].isdigit():
            return None
        index = int(local_id[len(prefix):]) - self.library.id_start
        if not 0 <= index < self.count or self.library.local_id(index) != local_id:
            return None
        return index

    def marc(self, index: int, version: int, modified: int) -> MarcRecord:
        """Build the record; the same (index, version, modified) always gives the same record."""
        manifestation = self.manifestation(index)
        rng = random.Random(mix(self.seed, self.code, index, 10))
        created = utc(min(self.initial_datestamp(index), modified))
        desc = describe(self.library, index, manifestation, rng, created, utc(modified))
        fields = holdings_fields(self.library, self.copies(index, version, modified))
        if self.library.flavour is Flavour.UNIMARC:
            return to_unimarc(desc, self.library, fields)
        return to_marc21(desc, self.library, fields)

    def copies(self, index: int, version: int | None = None, modified: int | None = None
               ) -> list[ItemData]:
        """The copies a record's holdings list (at a version: its current one by default)."""
        if version is None or modified is None:
            version, modified = self.versions[index], self.datestamps[index]
        item_rng = random.Random(mix(self.seed, self.code, index, version, 11))
        return items(self.library, index, self.manifestation(index), item_rng, utc(modified))

    def marcxml(self, index: int) -> bytes:
        """The current MARCXML of a record (rendered once per version, then kept)."""
        return self.render_marcxml(index, self.versions[index], self.datestamps[index])

    def render_marcxml(self, index: int, version: int, modified: int) -> bytes:
        found = self._rendered.get((index, version))
        if found is None:
            found = marcxml(self.marc(index, version, modified))
            self._rendered[(index, version)] = found
        return found

    def render_iso2709(self, index: int, version: int, modified: int) -> bytes:
        """ISO 2709 is only asked for by dumps, so it is not kept."""
        return iso2709(self.marc(index, version, modified))

    def sorted_keys(self, set_spec: str | None) -> list[int]:
        """Sort keys of the records in a set (None: all), rebuilt after each tick."""
        with self.lock:
            if not self._sorted:
                self._sorted = self._build_indexes()
            return self._sorted.get(set_spec, [])

    def _build_indexes(self) -> dict[str | None, list[int]]:
        """One pass over the records: the whole list and one list per set, sorted."""
        everything = [self.datestamps[i] << INDEX_BITS | i for i in range(self.count)]
        indexes: dict[str | None, list[int]] = {None: everything}
        if self.library.sets:
            for key in everything:
                for spec in self.sets(key & INDEX_MASK):
                    indexes.setdefault(spec, []).append(key)
        for keys in indexes.values():
            keys.sort()
        return indexes

    def select(
        self, set_spec: str | None, start: int, end: int, after: int | None, limit: int
    ) -> tuple[list[int], int, bool]:
        """Records with ``start <= datestamp <= end`` (after the sort key ``after``).

        Returns (sort keys of at most ``limit`` records, size of the whole range, whether
        more records follow). A key is ``datestamp << INDEX_BITS | index``.
        """
        keys = self.sorted_keys(set_spec)
        low = bisect_left(keys, start << INDEX_BITS)
        high = bisect_right(keys, end << INDEX_BITS | INDEX_MASK)
        first = low if after is None else max(low, bisect_right(keys, after))
        chosen = keys[first:min(first + limit, high)]
        return chosen, high - low, first + limit < high

    def earliest(self) -> int:
        keys = self.sorted_keys(None)
        return keys[0] >> INDEX_BITS if keys else self.anchor

    def used_sets(self) -> list[str]:
        """The sets that hold at least one record, in a stable order."""
        with self.lock:
            self.sorted_keys(None)
            return [spec for spec in SETS if spec in self._sorted]

    def tick(self, changed: int, deleted: int, now: int) -> tuple[list[int], list[int]]:
        """Change and delete live records at ``now`` (chosen deterministically)."""
        with self.lock:
            self.ticks += 1
            live = [i for i in range(self.count) if not self.deleted[i]]
            rng = random.Random(mix(self.seed, self.code, self.ticks, 12))
            chosen = rng.sample(live, min(len(live), changed + deleted))
            for i in chosen:
                self._rendered.pop((i, self.versions[i]), None)
                self.versions[i] += 1
                self.datestamps[i] = now
            gone = chosen[changed:]
            for i in gone:
                self.deleted[i] = 1
            self._sorted.clear()
            return chosen[:changed], gone
