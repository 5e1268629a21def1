"""SUSHI-style requests for the network's own tools: the reports served, their arguments,
the COUNTER R5 answer, and the exception code of every refusal.

Only what COUNTER_SUSHI R5 asks of a report request is read: ``begin_date`` and
``end_date`` (``YYYY-MM`` or ``YYYY-MM-DD``; reports cover whole months, so the first is
taken back to the first of its month and the last on to the end of its month) and
``granularity`` (``Month``, the default, or ``Totals``). ``customer_id``, ``requestor_id``
and ``platform`` are accepted and have no effect (one network, one platform); any other
parameter is named in a 3050 warning and ignored, as SUSHI wants. The HTTP side (keys,
statuses) is services/search/sushi.py; docs/statistics.md describes both.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from catalogue_sync.config import NetworkConfig
from catalogue_sync.errors import CatalogueError, InvalidRequest, Unauthorized
from catalogue_sync.stats.counter_exceptions import exception
from catalogue_sync.stats.export import DATABASE_REPORT, PLATFORM_REPORT, RELEASE, to_counter_json
from catalogue_sync.stats.report import By, Period, usage_report
from catalogue_sync.store import Store

ReportId = Literal["pr", "dr"]
REPORTS: dict[ReportId, tuple[tuple[str, str], By, str]] = {
    "pr": (PLATFORM_REPORT, "network", "Openings of the network's e-resources through the "
                                       "gateway, all resources together."),
    "dr": (DATABASE_REPORT, "resource", "Openings through the gateway, one item per "
                                        "e-resource."),
}
"""Report (name, id), what a row counts, description."""
ACCEPTED = frozenset({"api_key", "begin_date", "end_date", "granularity", "customer_id",
                      "requestor_id", "platform"})
GRANULARITIES: dict[str, Period] = {"month": "month", "totals": "total"}
DATE = re.compile(r"^([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?$")
"""ASCII digits only: \\d would take the digits of other scripts too."""
SHOWN = 40
"""At most this many characters of a caller's value are repeated in an answer."""


class MissingArgument(InvalidRequest):
    sushi_code = 1030


class InvalidDates(InvalidRequest):
    sushi_code = 3020


class InvalidAttribute(InvalidRequest):
    sushi_code = 3062


def sushi_code(error: CatalogueError) -> int:
    """The COUNTER exception code of a refusal."""
    code = getattr(error, "sushi_code", None)
    if isinstance(code, int):
        return code
    if isinstance(error, Unauthorized):
        return 2000
    if isinstance(error, InvalidRequest):
        return 3020  # the core's other refusals of a report are about its dates
    return 1000


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report request, its arguments checked."""

    report: ReportId
    begin: date
    end: date
    period: Period = "month"
    unrecognized: tuple[str, ...] = ()

    @classmethod
    def parse(cls, report: ReportId, begin_date: str | None, end_date: str | None,
              granularity: str | None, names: Iterable[str] = ()) -> ReportRequest:
        """From the query's values; ``names``: every parameter name the query has."""
        if not begin_date or not end_date:
            raise MissingArgument("begin_date and end_date are required (YYYY-MM or "
                                  "YYYY-MM-DD)")
        begin, end = _month_start(begin_date), _month_end(end_date)
        if end < begin:
            raise InvalidDates(f"end_date ({end:%Y-%m}) is before begin_date ({begin:%Y-%m})")
        unrecognized = tuple(sorted({name for name in names if name not in ACCEPTED}))
        return cls(report, begin, end, _period(granularity), unrecognized)


def counter_report(store: Store, network: NetworkConfig, request: ReportRequest
                   ) -> dict[str, Any]:
    """The COUNTER R5 report asked, small cells suppressed at the network's threshold."""
    _, by, _ = REPORTS[request.report]
    report = usage_report(store, by=by, period=request.period, start=request.begin,
                          end=request.end, threshold=network.statistics.threshold,
                          network=network)
    return to_counter_json(report, network, _warnings(request))


def report_list(base: str = "") -> list[dict[str, str]]:
    """The reports served, as SUSHI's ``/reports`` lists them; ``base``: where they are."""
    return [{"Report_Name": name, "Report_ID": report_id, "Release": RELEASE,
             "Report_Description": description, "Path": f"{base}/reports/{key}"}
            for key, ((name, report_id), _, description) in REPORTS.items()]


def service_status(active: bool, note: str) -> list[dict[str, Any]]:
    """SUSHI's ``/status`` answer."""
    return [{"Description": "catalogue-sync usage statistics of the network's e-resources "
                            "(COUNTER R5 conventions)",
             "Service_Active": active, "Note": note, "Alerts": []}]


def shown(value: str) -> str:
    """A caller's value as an answer may repeat it: quoted, cut short."""
    return repr(value[:SHOWN] + ("…" if len(value) > SHOWN else ""))


def _warnings(request: ReportRequest) -> list[dict[str, Any]]:
    if not request.unrecognized:
        return []
    names = ", ".join(shown(name) for name in request.unrecognized[:10])
    return [exception(3050, f"ignored: {names}")]


def _period(granularity: str | None) -> Period:
    period = GRANULARITIES.get((granularity or "month").lower())
    if period is None:
        raise InvalidAttribute(f"granularity is Month or Totals, not {shown(granularity or '')}")
    return period


def _parts(value: str, name: str) -> tuple[int, int, int | None]:
    match = DATE.match(value)
    if match is None:
        raise InvalidDates(f"{name} is YYYY-MM or YYYY-MM-DD, not {shown(value)}")
    year, month, day = match.groups()
    return int(year), int(month), int(day) if day else None


def _checked(value: str, name: str, day_of: int) -> date:
    year, month, day = _parts(value, name)
    try:
        date(year, month, day or 1)  # a day given must exist, though the month is used
        return date(year, month, day_of if day_of else monthrange(year, month)[1])
    except ValueError:
        raise InvalidDates(f"{name} {shown(value)} is not a date") from None


def _month_start(value: str) -> date:
    return _checked(value, "begin_date", 1)


def _month_end(value: str) -> date:
    return _checked(value, "end_date", 0)
