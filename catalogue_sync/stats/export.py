"""A usage report as CSV or as COUNTER Release 5 JSON.

The JSON has the shape of a COUNTER R5 report as the COUNTER_SUSHI API sends it, so that
tools reading R5 JSON read it:

- ``Report_Header``: ``Created``, ``Created_By``, ``Report_ID``, ``Release`` "5",
  ``Report_Name``, ``Institution_Name``, ``Report_Filters`` (``Begin_Date``, ``End_Date``),
  ``Report_Attributes`` (``Granularity``) and ``Exceptions`` (``Code``, ``Severity``,
  ``Message``, ``Data``);
- ``Report_Items``: per resource a Database Master Report item (``Database``, ``Item_ID``,
  ``Publisher``, ``Platform``, ``Data_Type``, ``Access_Method``), otherwise Platform Master
  Report items (``Platform``, ``Data_Type``, ``Access_Method``); each with ``Performance``,
  one entry per period: ``Period`` (``Begin_Date``, ``End_Date``) and ``Instance``
  (``Metric_Type`` ``Total_Item_Requests`` and ``Unique_Item_Requests``, ``Count``).

Libraries, patron categories, communes and départements are not COUNTER dimensions: such
an item carries the key in an element of its own (``Library``, ``Category``, ``Commune``,
``Departement``) that COUNTER tools ignore. It is not an audited COUNTER report.

Suppressed cells carry no numbers in either format: in the JSON they are left out of
``Performance`` (COUNTER leaves out zero counts too) and counted in an exception of code 0.
"""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from collections import defaultdict
from datetime import date
from typing import Any

from catalogue_sync.config import NetworkConfig
from catalogue_sync.stats.counter_exceptions import exception
from catalogue_sync.stats.report import Report, Row

CSV_HEADER = ["period", "key", "total_requests", "unique_sessions", "suppressed"]
RELEASE = "5"
CREATED_BY = "catalogue-sync (COUNTER R5 conventions, not an audited report)"
DEFAULT_PLATFORM = "catalogue-sync"
DATABASE_REPORT = ("Database Master Report", "DR")
PLATFORM_REPORT = ("Platform Master Report", "PR")
DIMENSIONS = {"library": "Library", "category": "Category", "commune": "Commune",
              "departement": "Departement"}
"""The element naming the key of a Platform report item split by a non-COUNTER dimension."""
GRANULARITY = {"day": "Day", "month": "Month", "total": "Totals"}
"""COUNTER knows Month and Totals; Day is ours."""


def to_csv(report: Report) -> str:
    """A header row, then one row per cell; a suppressed cell has empty numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_HEADER[:1], report.by, *CSV_HEADER[2:]])
    for row in report.rows:
        writer.writerow([row.period, row.key, _blank(row.total), _blank(row.unique),
                         "yes" if row.suppressed else ""])
    return out.getvalue()


def to_counter_json(report: Report, network: NetworkConfig | None = None,
                    exceptions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Report_Header and Report_Items, one item per key with a shown cell.

    ``network`` names the institution, the platform and the resources; ``exceptions`` are
    added to the header's (e.g. a parameter not recognized)."""
    names = _Names(network)
    name, report_id = DATABASE_REPORT if report.by == "resource" else PLATFORM_REPORT
    items = [_item(report, names, key, rows) for key, rows in _by_key(report).items()]
    return {"Report_Header": _header(report, names, name, report_id, exceptions or []),
            "Report_Items": items}


class _Names:
    """What the network file says of the institution, the platform and the resources."""

    def __init__(self, network: NetworkConfig | None) -> None:
        self.network = network
        self.institution = network.network.name if network else DEFAULT_PLATFORM
        self.platform = self.institution

    def database(self, resource: str) -> tuple[str, str]:
        """A resource's name and its vendor's; the id and "" when it is not declared."""
        declared = self.network.resources.get(resource) if self.network else None
        if declared is None or self.network is None:
            return resource, ""
        vendor = self.network.vendors.get(declared.vendor)
        return declared.name, vendor.name if vendor else declared.vendor


def _header(report: Report, names: _Names, name: str, report_id: str,
            extra: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Created": report.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Created_By": CREATED_BY,
        "Report_ID": report_id,
        "Release": RELEASE,
        "Report_Name": name,
        "Institution_Name": names.institution,
        "Report_Filters": [{"Name": "Begin_Date", "Value": report.start.isoformat()},
                           {"Name": "End_Date", "Value": report.end.isoformat()}],
        "Report_Attributes": [{"Name": "Granularity", "Value": GRANULARITY[report.period]}],
        "Exceptions": [*_exceptions(report), *extra],
    }


def _exceptions(report: Report) -> list[dict[str, Any]]:
    if not report.rows:
        return [exception(3030, f"no usage from {report.start} to {report.end}")]
    if not report.suppressed_count:
        return []
    return [exception(0, f"{report.suppressed_count} cells with fewer than {report.threshold} "
                         "distinct sessions are suppressed (left out, without numbers)",
                      message="Cells suppressed")]


def _by_key(report: Report) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in report.rows:
        if not row.suppressed:
            grouped[row.key].append(row)
    return dict(sorted(grouped.items()))


def _item(report: Report, names: _Names, key: str, rows: list[Row]) -> dict[str, Any]:
    performance = [_performance(report, row) for row in rows]
    common = {"Platform": names.platform, "Data_Type": "Database", "Access_Method": "Regular"}
    if report.by == "resource":
        database, publisher = names.database(key)
        return {"Database": database,
                "Item_ID": [{"Type": "Proprietary", "Value": f"{DEFAULT_PLATFORM}:{key}"}],
                "Publisher": publisher, **common, "Performance": performance}
    dimension = {DIMENSIONS[report.by]: key} if report.by in DIMENSIONS else {}
    return {**common, **dimension, "Performance": performance}


def _performance(report: Report, row: Row) -> dict[str, Any]:
    begin, end = period_bounds(report, row.period)
    return {"Period": {"Begin_Date": begin.isoformat(), "End_Date": end.isoformat()},
            "Instance": [{"Metric_Type": "Total_Item_Requests", "Count": row.total},
                         {"Metric_Type": "Unique_Item_Requests", "Count": row.unique}]}


def period_bounds(report: Report, label: str) -> tuple[date, date]:
    """A row's first and last day, within the report's range (a month cut by the range is
    given as the days it covers)."""
    if report.period == "total":
        return report.start, report.end
    if report.period == "day":
        day = date.fromisoformat(label)
        return day, day
    year, month = (int(part) for part in label.split("-"))
    first, last = date(year, month, 1), date(year, month, monthrange(year, month)[1])
    return max(first, report.start), min(last, report.end)


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)
