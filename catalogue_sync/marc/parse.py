"""One raw record in, a pymarc Record and its NormalizedRecord out, or RecordRejected."""

from __future__ import annotations

import logging

from pymarc import Record

from catalogue_sync.config import LibraryConfig, NormalizerSettings
from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc.normalize import normalize
from catalogue_sync.marc.read import record_from_iso2709, record_from_marcxml_bytes
from catalogue_sync.marc.salvage import readable_id
from catalogue_sync.models import NormalizedRecord, RawFormat, RawRecord

log = logging.getLogger(__name__)


def parse_raw(raw: RawRecord, library: LibraryConfig) -> tuple[Record, NormalizedRecord]:
    """Parse and normalize one record as the library catalogues it.

    Only the library's ``normalizer_settings`` are read, so that their digest, stored with
    each record, says all a record was derived with (``parse_with``).
    """
    return parse_with(raw, library.normalizer_settings)


def parse_with(raw: RawRecord, settings: NormalizerSettings) -> tuple[Record, NormalizedRecord]:
    """Parse and normalize one record with these settings.

    The protocol's id (``raw.local_id``) wins over the one in the record's ``id_field``.
    Any problem with the data raises RecordRejected with the reason and the record's id
    whenever it can be read, from the protocol or from the damaged record itself.
    """
    try:
        record = _read(raw, settings)
        normalized = normalize(record, settings.flavour, settings.holdings, settings.id_field)
    except RecordRejected as exc:
        local_id = exc.local_id or _readable_id(raw, settings)
        raise RecordRejected(exc.reason, local_id=local_id) from exc
    except Exception as exc:
        # Data no rule foresaw; the harvest goes on and the record waits in quarantine.
        log.exception("unexpected failure reading a record", extra={"origin": raw.origin})
        raise RecordRejected(
            f"cannot be read ({type(exc).__name__}: {exc})",
            local_id=_readable_id(raw, settings),
        ) from exc
    normalized.local_id = raw.local_id or normalized.local_id
    if not normalized.local_id:
        raise RecordRejected(
            f"no record id in {settings.id_field}; if this library's ILS keeps it elsewhere, "
            'set id_field (e.g. "999$c") in its network.toml table'
        )
    return record, normalized


def _readable_id(raw: RawRecord, settings: NormalizerSettings) -> str | None:
    return raw.local_id or readable_id(raw.data, raw.format, settings.id_field)


def _read(raw: RawRecord, settings: NormalizerSettings) -> Record:
    if raw.damage is not None:
        raise RecordRejected(raw.damage)
    if not raw.data:
        raise RecordRejected("the record is empty")
    if raw.format is RawFormat.MARCXML:
        return record_from_marcxml_bytes(raw.data)
    return record_from_iso2709(raw.data, settings.encoding, settings.flavour)
