"""COUNTER R5 exceptions (Code of Practice, Appendix F) as SUSHI answers carry them.

For a code above 999 the ``Message`` is the Code of Practice's own, word for word; what is
particular to one request goes in ``Data``. Only the codes catalogue-sync uses are here.
"""

from __future__ import annotations

from typing import Any

EXCEPTIONS: dict[int, tuple[str, str]] = {
    0: ("Info", "Info"),
    1000: ("Service Not Available", "Fatal"),
    1030: ("Insufficient Information to Process Request", "Fatal"),
    2000: ("Requestor Not Authorized to Access Service", "Error"),
    2020: ("APIKey Invalid", "Error"),
    3020: ("Invalid Date Arguments", "Error"),
    3030: ("No Usage Available for Requested Dates", "Error"),
    3050: ("Parameter Not Recognized in this Context", "Warning"),
    3062: ("Invalid ReportAttribute Value", "Error"),
}
"""Code: (Message, Severity)."""


def exception(code: int, data: str, *, message: str | None = None) -> dict[str, Any]:
    """One exception object; ``message`` only for code 0, whose messages are free."""
    standard, severity = EXCEPTIONS[code]
    return {"Code": code, "Severity": severity,
            "Message": message if message and code < 1000 else standard, "Data": data}
