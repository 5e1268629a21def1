"""The record store: every library's source records, the quarantine and harvest runs.

SQLAlchemy Core on SQLite (the default, one file) or PostgreSQL (by URL).

    types.py         what goes in and comes out (IncomingRecord, StoredRecord, PageCounts...)
    schema.py        the tables
    engine.py        opening the database; database errors become StoreError
    records.py       the page upsert, dump deletions, streaming reads
    quarantine.py    records that could not be used
    runs.py          harvest runs and each library's harvest state
    record_store.py  the Store, one transaction per method
    matching.py      the merge's view of source records, their match profiles and keys
    clusters.py      the union catalogue: merged records, members, corrections
"""

from catalogue_sync.store.record_store import Store
from catalogue_sync.store.types import (
    HarvestState,
    IncomingProblem,
    IncomingRecord,
    LibraryStatus,
    PageCounts,
    RunStatus,
    RunSummary,
    StoredRecord,
)

__all__ = [
    "HarvestState",
    "IncomingProblem",
    "IncomingRecord",
    "LibraryStatus",
    "PageCounts",
    "RunStatus",
    "RunSummary",
    "Store",
    "StoredRecord",
]
