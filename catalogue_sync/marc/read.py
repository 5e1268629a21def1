"""Reading MARC records: MARCXML elements and ISO 2709 bytes into Unicode (NFC) pymarc Records.

Readers raise ``RecordRejected`` with a reason a librarian can act on. Cutting dumps into
records (``split_iso2709``, the splitters) and ``repair_xml`` live in ``split`` and
``xmlsplit`` and are re-exported here.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
import warnings
from functools import lru_cache
from typing import Any, Literal

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield
from pymarc.exceptions import BadSubfieldCodeWarning, PymarcException

from catalogue_sync.errors import RecordRejected
from catalogue_sync.marc.split import (
    Iso2709Splitter,
    XmlRepairer,
    declared_length,
    repair_xml,
    split_iso2709,
)
from catalogue_sync.marc.xmlsplit import DamagedXml, MarcXmlSplitter
from catalogue_sync.models import Flavour

__all__ = [
    "DamagedXml",
    "Iso2709Splitter",
    "MarcXmlSplitter",
    "XmlRepairer",
    "record_from_iso2709",
    "record_from_marcxml",
    "record_from_marcxml_bytes",
    "records_from_marcxml_bytes",
    "repair_xml",
    "split_iso2709",
]

log = logging.getLogger(__name__)

Encoding = Literal["auto", "utf-8", "marc-8"]

LEADER_LEN = 24
MAX_RECORD_LEN = 99_999
DIRECTORY_ENTRY_LEN = 12
FIELD_TERMINATOR = 0x1E

_local = threading.local()
_NOT_ELEMENTS = frozenset({etree._Comment, etree._ProcessingInstruction, etree._Entity})


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# --- MARCXML -------------------------------------------------------------------------------


def record_from_marcxml(element: etree._Element) -> Record:
    """Build a Record from a MARCXML ``record`` element, in any namespace or none.

    MARC 21 slim, marcxchange and namespace-less records are read alike; strings are NFC.
    """
    record = Record()
    fields = record.fields
    has_leader = False
    for child in element:
        name = _local_name(child.tag)
        if name == "datafield":
            fields.append(_datafield(child))
        elif name == "controlfield":
            fields.append(Field(tag=child.get("tag", ""), data=_nfc(child.text or "")))
        elif name == "leader":
            has_leader = True
            record.leader = Leader(((child.text or "") + " " * LEADER_LEN)[:LEADER_LEN])
    if not has_leader or not fields:
        missing = "leader" if not has_leader else "fields"
        raise RecordRejected(
            f"<{_local_name(element.tag)}> has no {missing}: not a MARCXML record "
            "(MARC 21 slim requires a leader and at least one field)"
        )
    return record


def _datafield(element: etree._Element) -> Field:
    subfields = []
    for sub in element:
        # MARCXML allows only subfields in a datafield; checking the node's class instead of
        # its tag skips comments without building a tag string per subfield (a third faster).
        if type(sub) not in _NOT_ELEMENTS:
            text = sub.text or ""
            if not text.isascii():
                text = unicodedata.normalize("NFC", text)
            subfields.append(Subfield(sub.get("code") or " ", text))
    get = element.get
    indicators = _indicators((get("ind1") or " ")[:1], (get("ind2") or " ")[:1])
    return _new_datafield(get("tag", ""), indicators, subfields)


@lru_cache(maxsize=512)
def _indicators(ind1: str, ind2: str) -> Indicators:
    return Indicators(ind1, ind2)


def _new_datafield(tag: str, indicators: Indicators, subfields: list[Subfield]) -> Field:
    """A data field, built without ``Field.__init__``.

    ``__init__`` re-checks arguments that MARCXML already gives in shape, and costs a fifth
    of the time of reading a record. Tests check these fields equal ``Field(...)`` ones, so
    a pymarc upgrade that changes Field's slots is caught.
    """
    if not tag.isdigit() or tag >= "010":
        field: Field = Field.__new__(Field)
        field.tag, field.subfields, field.data, field.control_field = tag, subfields, None, False
        field._indicators = indicators
        return field
    return Field(tag=tag, indicators=indicators, subfields=subfields)


@lru_cache(maxsize=512)
def _local_name(tag: Any) -> str:
    """'{namespace}name' or 'name' -> 'name'; '' for comments and processing instructions.

    Cached: a MARCXML document only ever has a handful of distinct tags.
    """
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _xml_parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads; entities are never resolved, so a
    # record cannot pull in files or expand into gigabytes.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return parser


def record_from_marcxml_bytes(data: bytes) -> Record:
    """Read one serialized MARCXML record (a stored raw record); the first if there are more."""
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        repaired, removed = repair_xml(data)
        if not removed:
            raise RecordRejected(f"not well-formed MARCXML: {exc}") from exc
        return record_from_marcxml_bytes(repaired)
    element = next(root.iter("{*}record"), None)
    if element is None:
        raise RecordRejected(
            f"no MARCXML <record> element (the document is a <{_local_name(root.tag)}>)"
        )
    return record_from_marcxml(element)


# The plural name other modules were first given.
records_from_marcxml_bytes = record_from_marcxml_bytes


# --- ISO 2709: reading one record --------------------------------------------------------------


def record_from_iso2709(
    data: bytes, encoding: Encoding = "auto", flavour: Flavour = Flavour.MARC21
) -> Record:
    """Read one ISO 2709 record; strings are Unicode NFC.

    ``encoding="auto"`` trusts leader/09 ('a': UTF-8, else MARC-8) for MARC 21 and reads
    UNIMARC as UTF-8; ``"utf-8"`` and ``"marc-8"`` override it for ILSs whose leader lies.
    Raises RecordRejected naming the problem (truncation, damaged directory, bad encoding,
    NUL bytes over the data). A leader/00-04 that disagrees with the record's bytes (00000,
    as some exports write) is corrected in the record read, with a warning naming it.
    """
    if b"\x00" in data:
        raise RecordRejected(_nul_reason(data))
    directory = _directory(data)
    utf8 = _reads_as_utf8(data, encoding, flavour)
    if utf8:
        _check_utf8(data, directory, encoding, flavour)
    elif data[9:10] == b"a":
        # pymarc reads leader/09 'a' as UTF-8 whatever it is told: blank it to force MARC-8.
        data = data[:9] + b" " + data[10:]
    record = _pymarc_record(data, utf8)
    _correct_length(record, data)
    if flavour is Flavour.MARC21:
        record.leader.coding_scheme = "a"  # the record is Unicode now
    # pymarc's MARC-8 reader already returns NFC; ASCII is NFC.
    return _nfc_record(record) if utf8 and not data.isascii() else record


def _nul_reason(data: bytes) -> str:
    """Where NUL bytes lie over a record: bytes were lost on disk or on the way."""
    first, count = data.index(b"\x00"), data.count(b"\x00")
    try:
        field = next((f" in field {tag}" for tag, start, end in _directory(data)
                      if start <= first < end), "")
    except RecordRejected:
        field = " in the leader or directory" if first < _base_guess(data) else ""
    return (f"{count} NUL byte(s) from byte {first}{field}: part of the record was overwritten "
            "(a damaged file or transfer); export it again")


def _base_guess(data: bytes) -> int:
    base = data[12:17]
    return int(base) if base.isdigit() else len(data)


def _correct_length(record: Record, data: bytes) -> None:
    """Make leader/00-04 the record's real length, saying so when it was not."""
    if declared_length(data) == len(data) or len(data) > MAX_RECORD_LEN:
        return
    record.leader.record_length = f"{len(data):05d}"
    local_id = next((field.data for field in record.get_fields("001")), None)
    log.warning(
        "record %s: leader/00-04 says %s bytes, the record has %d; length corrected",
        local_id or "without 001", data[:5].decode(), len(data), extra={"record": local_id},
    )


def _pymarc_record(data: bytes, utf8: bool) -> Record:
    try:
        with warnings.catch_warnings():
            # A bad subfield code is recovered by pymarc; it is not worth a warning per record.
            warnings.simplefilter("ignore", BadSubfieldCodeWarning)
            return Record(data, force_utf8=utf8, hide_utf8_warnings=True)
    except UnicodeDecodeError as exc:  # only MARC-8 gets here: UTF-8 was checked before
        raise RecordRejected(
            f"not valid MARC-8 ({exc.reason}); set encoding = \"utf-8\" for this library "
            "if its ILS exports UTF-8"
        ) from exc
    except (PymarcException, ValueError, IndexError) as exc:
        raise RecordRejected(f"not a readable ISO 2709 record ({exc})") from exc


def _reads_as_utf8(data: bytes, encoding: Encoding, flavour: Flavour) -> bool:
    if encoding != "auto":
        return encoding == "utf-8"
    if flavour is Flavour.UNIMARC or data[9:10] == b"a" or data.isascii():
        return True
    # Leader/09 says MARC-8, but some ILSs leave it blank on UTF-8 exports. MARC-8 text
    # practically never forms valid multi-byte UTF-8 (its diacritics come before an ASCII
    # letter), so valid UTF-8 without MARC-8 escapes is UTF-8.
    return b"\x1b" not in data and _is_utf8(data)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_utf8(
    data: bytes, directory: list[tuple[str, int, int]], encoding: Encoding, flavour: Flavour
) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = next((f"field {tag} (byte {exc.start})" for tag, start, end in directory
                      if start <= exc.start < end), f"byte {exc.start}")
        advice = _encoding_advice(encoding, flavour)
        raise RecordRejected(f"not valid UTF-8 in {where}; {advice}") from exc


def _encoding_advice(encoding: Encoding, flavour: Flavour) -> str:
    if flavour is Flavour.UNIMARC:
        return "UNIMARC records are read as UTF-8 (ISO 5426 exports are not supported yet)"
    if encoding == "utf-8":
        return 'this library is set to encoding = "utf-8"; try "marc-8" if its ILS exports MARC-8'
    return 'set encoding = "marc-8" for this library if its ILS exports MARC-8'


def _directory(data: bytes) -> list[tuple[str, int, int]]:
    """Check the leader and directory; ``(tag, start, end)`` of each field's bytes."""
    base = _check_leader(data)
    directory = data[LEADER_LEN : base - 1]
    if not directory.isascii() or len(directory) % DIRECTORY_ENTRY_LEN:
        raise RecordRejected("the directory (the list of fields after the leader) is damaged")
    if data[base - 1] != FIELD_TERMINATOR:
        raise RecordRejected("the directory does not end where leader/12-16 says the data starts")
    entries = []
    for at in range(0, len(directory), DIRECTORY_ENTRY_LEN):
        entry = directory[at : at + DIRECTORY_ENTRY_LEN].decode("ascii")
        tag, length, offset = entry[:3], entry[3:7], entry[7:]
        if not (length.isdigit() and offset.isdigit()):
            raise RecordRejected(f"the directory entry of field {tag} is damaged ({entry!r})")
        start, end = base + int(offset), base + int(offset) + int(length)
        if end > len(data):
            raise RecordRejected(
                f"field {tag} runs past the end of the record (to byte {end} of {len(data)})"
            )
        entries.append((tag, start, end))
    return entries


def _check_leader(data: bytes) -> int:
    """The base address of the data, once the leader is known to be sound."""
    if len(data) < LEADER_LEN:
        raise RecordRejected(f"only {len(data)} bytes: a MARC record's leader alone is 24")
    leader = data[:LEADER_LEN]
    if not leader.isascii():
        raise RecordRejected("the leader (first 24 bytes) is not plain ASCII: not a MARC record")
    declared = declared_length(leader)
    if declared is None:
        found = leader[:5].decode()
        raise RecordRejected(f"the leader does not start with the record length ({found!r})")
    if declared > len(data):
        raise RecordRejected(f"leader says {declared} bytes, record has {len(data)}: truncated")
    base = leader[12:17]
    if not base.isdigit() or not LEADER_LEN < int(base) <= len(data):
        raise RecordRejected(
            f"leader/12-16 puts the data at byte {base.decode()!r}, outside the record"
        )
    return int(base)


def _nfc_record(record: Record) -> Record:
    for field in record.fields:
        if field.control_field:
            field.data = _nfc(field.data or "")
        elif not all(sub.value.isascii() for sub in field.subfields):
            field.subfields = [Subfield(sub.code, _nfc(sub.value)) for sub in field.subfields]
    return record
