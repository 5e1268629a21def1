"""The MARC layer: read MARCXML and ISO 2709 records, normalize MARC 21 and UNIMARC.

    read        bytes and XML elements -> pymarc Records (NFC); dump splitting; XML repair
    normalize   pymarc Record -> NormalizedRecord (title, authors, ids, format, items...)
    formats     the document type rules of each flavour
    parse       parse_raw: RawRecord -> (Record, NormalizedRecord), or RecordRejected
"""

from catalogue_sync.marc.normalize import normalize
from catalogue_sync.marc.parse import parse_raw

__all__ = ["normalize", "parse_raw"]
