"""The network's digital offer in the union catalogue: vendors' titles as online records.

Each vendor package is a source of its own beside the member libraries, keyed in the store
as ``VENDOR.PACKAGE`` (a library id never holds a dot, so the two never clash). Its titles,
read from the vendor's KBART list, are stored as MARC 21 records like a library's dump, so
the merge, the index and OAI-PMH treat them as they treat any record; their formats are
online ones (``models.Format``), so they link to print editions as one work but never merge
with them.

    sources     which packages are declared, their source ids, the resources opening them
    records     one KBART title -> a MARC 21 record and its normalized fields
    importing   a package's title list into the store: added, updated, deleted, unchanged
"""

from catalogue_sync.online.importing import ImportOutcome, import_titles
from catalogue_sync.online.sources import (
    OnlineSource,
    access_url,
    online_sources,
    package_source,
)

__all__ = ["ImportOutcome", "OnlineSource", "access_url", "import_titles", "online_sources",
           "package_source"]
