"""One KBART title as a MARC 21 record, stored like a member library's record.

    leader   06 type (a text, g video, j music, m other online resource), 07 level
             (s serial, m monograph), 17 '3' (abbreviated: made from a title list)
    001      the vendor's title_id; 003 the source (VENDOR.PACKAGE)
    007      "cr": electronic resource, remote
    008      the year of the first issue online or of the print (or online) publication;
             23 (29 for video) 'o': online
    020/022  the online and the print ISBN (or ISSN for a serial): a patron searching the
             print edition's number finds the online one too, and the merge links them
    100 245 250 264 490   first author (or editor in 700), title and subtitle, edition,
             publisher and year, volume
    362 506 856   coverage and embargo, open or paid access, the title's URL at the vendor

The normalized fields are read from this record by the one normalizer
(``marc.normalize``), so titles, authors and numbers are read as a library's would be; only
the format is the source's own (``OnlineSource.format_of``), since no MARC code tells an
online periodical from a print one to the rules of ``marc.formats``.
"""

from __future__ import annotations

import re

from pymarc import Field, Indicators, Record, Subfield

from catalogue_sync.config import HoldingsMapping
from catalogue_sync.export.marc import to_marcxml
from catalogue_sync.kbart import KbartTitle
from catalogue_sync.marc import normalize
from catalogue_sync.models import Flavour, Format, NormalizedRecord, RawFormat
from catalogue_sync.store import IncomingRecord

_TYPES = {Format.ONLINE_VIDEO: "g", Format.ONLINE_MUSIC: "j", Format.ONLINE_RESOURCE: "m"}
_YEAR = re.compile(r"[0-9]{4}")
_NO_ITEMS = HoldingsMapping(tag="852").resolved(Flavour.MARC21)
"""Online titles have no copies; the default mapping finds none in these records."""


def incoming(source: str, title: KbartTitle, doc_format: Format) -> IncomingRecord:
    """The record to store for one title of ``source``."""
    record = title_record(source, title, doc_format)
    normalized = normalized_title(record, title.title_id, doc_format)
    return IncomingRecord(local_id=title.title_id, datestamp=None, deleted=False,
                          data=to_marcxml(record), format=RawFormat.MARCXML,
                          normalized=normalized)


def normalized_title(record: Record, title_id: str, doc_format: Format) -> NormalizedRecord:
    """The normalized fields of a title's record; also for its stored record normalized
    again (``catalogue_sync.renormalize``), with the format stored."""
    normalized = normalize(record, Flavour.MARC21, _NO_ITEMS)
    normalized.local_id = title_id
    normalized.format = doc_format
    return normalized


def title_record(source: str, title: KbartTitle, doc_format: Format) -> Record:
    """The MARC 21 record of a title (see the module doc)."""
    kind = _TYPES.get(doc_format, "a")
    level = "s" if title.serial else "m"
    record = Record(leader=f"00000n{kind}{level} a22000003i 4500", force_utf8=True)
    record.fields.extend([Field("001", data=title.title_id), Field("003", data=source),
                          Field("007", data="cr |||||||||||"),
                          Field("008", data=_fixed(title, kind)),
                          *_numbers(title), *_names(title), *_description(title),
                          *_access(title)])
    return record


def year_of(title: KbartTitle) -> str | None:
    """The year a patron would expect: of the print edition, else online, else the first
    issue online."""
    for value in (title.date_monograph_published_print, title.date_monograph_published_online,
                  title.date_first_issue_online):
        if found := _YEAR.match(value):
            return found.group()
    return None


def _fixed(title: KbartTitle, kind: str) -> str:
    """008: date type s (single) or c (serial, current), the year, form of item online.

    The entry date (00-05) is left as zeros: a date of the day would make every re-import
    of an unchanged list a change of every title."""
    year = year_of(title) or "uuuu"
    dates = f"c{year}9999" if title.serial else f"s{year}    "
    fixed = list("000000" + dates + "xx " + "|" * 17 + "|||" + "||")
    fixed[29 if kind == "g" else 23] = "o"
    return "".join(fixed)


def _numbers(title: KbartTitle) -> list[Field]:
    tag = "022" if title.serial else "020"
    return [_field(tag, "  ", ("a", number), ("q", qualifier))
            for number, qualifier in ((title.online_identifier, "online"),
                                      (title.print_identifier, "print")) if number]


def _names(title: KbartTitle) -> list[Field]:
    names = []
    if title.first_author:
        names.append(_field("100", "1 ", ("a", title.first_author)))
    if title.first_editor:
        names.append(_field("700", "1 ", ("a", title.first_editor), ("e", "editor")))
    return names


def _description(title: KbartTitle) -> list[Field]:
    main, _, subtitle = title.publication_title.partition(" : ")
    fields = [_field("245", "00", ("a", main.strip()), ("b", subtitle.strip()))]
    if title.monograph_edition:
        fields.append(_field("250", "  ", ("a", title.monograph_edition)))
    fields.append(_field("264", " 1", ("b", title.publisher_name), ("c", year_of(title) or "")))
    if title.monograph_volume:
        fields.append(_field("490", "0 ", ("v", title.monograph_volume)))
    return fields


def _access(title: KbartTitle) -> list[Field]:
    fields = []
    if coverage := coverage_of(title):
        fields.append(_field("362", "1 ", ("a", coverage)))
    if title.embargo_info:
        fields.append(_field("506", "  ", ("a", f"Embargo: {title.embargo_info}")))
    if title.access_type:
        fields.append(_field("506", "0 " if title.access_type == "F" else "1 ",
                             ("f", "Unrestricted online access" if title.access_type == "F"
                              else "Online access with authorization")))
    if title.notes:
        fields.append(_field("500", "  ", ("a", title.notes)))
    fields.append(_field("856", "40", ("u", title.title_url), ("z", title.coverage_depth)))
    return fields


def coverage_of(title: KbartTitle) -> str:
    """A serial's coverage online, "2001-01-01 (vol. 1, no. 1) - " as KBART gives it."""
    if not title.serial or not (title.date_first_issue_online or title.num_first_vol_online):
        return ""
    first = _issue(title.date_first_issue_online, title.num_first_vol_online,
                   title.num_first_issue_online)
    last = _issue(title.date_last_issue_online, title.num_last_vol_online,
                  title.num_last_issue_online)
    return f"{first} - {last}".strip()


def _issue(date: str, volume: str, issue: str) -> str:
    numbers = ", ".join(part for part in (f"vol. {volume}" if volume else "",
                                          f"no. {issue}" if issue else "") if part)
    return f"{date} ({numbers})".strip() if numbers else date


def _field(tag: str, indicators: str, *subfields: tuple[str, str]) -> Field:
    """A data field with its non-empty subfields."""
    return Field(tag, Indicators(indicators[0], indicators[1]),
                 [Subfield(code, value) for code, value in subfields if value])
