"""A usage report as CSV or as COUNTER-style JSON.

The JSON follows COUNTER Release 5's shape (Report_Header, Report_Items with Performance by
Metric_Type) so that tools reading platform or database reports can read it; it is not an
audited COUNTER report. Suppressed cells carry no numbers in either format.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from catalogue_sync.stats.report import Report, Row

CSV_HEADER = ["period", "key", "total_requests", "unique_sessions", "suppressed"]
REPORT_NAMES = {
    "resource": ("Database Master Report", "DR"),
    "library": ("Platform Master Report by Institution", "PR"),
    "category": ("Platform Master Report by Patron Category", "PR"),
}
"""COUNTER's nearest names: per resource is its database report; per library and category
are the platform report split by a dimension COUNTER does not have."""


def to_csv(report: Report) -> str:
    """A header row, then one row per cell; a suppressed cell has empty numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_HEADER[:1], report.by, *CSV_HEADER[2:]])
    for row in report.rows:
        writer.writerow([row.period, row.key, _blank(row.total), _blank(row.unique),
                         "yes" if row.suppressed else ""])
    return out.getvalue()


def to_counter_json(report: Report) -> dict[str, Any]:
    """Report_Header and Report_Items, one item per key, one Performance entry per shown
    period; suppressed periods are listed in the header's Exceptions, without numbers."""
    name, report_id = REPORT_NAMES[report.by]
    return {"Report_Header": _header(report, name, report_id),
            "Report_Items": [_item(report.by, key, rows) for key, rows in _by_key(report).items()]}


def _header(report: Report, name: str, report_id: str) -> dict[str, Any]:
    return {
        "Report_Name": name,
        "Report_ID": report_id,
        "Release": "5",
        "Created": report.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Created_By": "catalogue-sync (COUNTER R5 conventions, not an audited report)",
        "Report_Filters": [{"Name": "Begin_Date", "Value": report.start.isoformat()},
                           {"Name": "End_Date", "Value": report.end.isoformat()}],
        "Report_Attributes": [{"Name": "Granularity", "Value": report.period.capitalize()},
                              {"Name": "Suppression_Threshold", "Value": str(report.threshold)}],
        "Reporting_Period": {"Begin_Date": report.start.isoformat(),
                             "End_Date": report.end.isoformat()},
        "Exceptions": _exceptions(report),
    }


def _exceptions(report: Report) -> list[dict[str, Any]]:
    if not report.suppressed_count:
        return []
    return [{"Code": 0, "Severity": "Info", "Message": "Cells suppressed",
             "Data": f"{report.suppressed_count} cells with fewer than {report.threshold} "
                     "distinct sessions are left out"}]


def _by_key(report: Report) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in report.rows:
        if not row.suppressed:
            grouped[row.key].append(row)
    return dict(sorted(grouped.items()))


def _item(by: str, key: str, rows: list[Row]) -> dict[str, Any]:
    name = "Database" if by == "resource" else "Platform"
    return {name: key, "Item_ID": [{"Type": "Proprietary", "Value": f"catalogue-sync:{key}"}],
            "Attribute_Performance": [{"Dimension": by.capitalize(), "Value": key}],
            "Performance": [_performance(row) for row in rows]}


def _performance(row: Row) -> dict[str, Any]:
    return {"Period": {"Begin": row.period},
            "Instance": [{"Metric_Type": "Total_Item_Requests", "Count": row.total},
                         {"Metric_Type": "Unique_Item_Requests", "Count": row.unique}]}


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)
