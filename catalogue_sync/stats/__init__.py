"""Usage statistics from the gateway's usage events: reports, exports, retention.

``report`` counts (COUNTER Release 5 conventions where they apply) and suppresses small
cells; ``territory`` places libraries in their commune and département; ``export`` writes
a report as CSV or COUNTER R5 JSON; ``sushi`` answers SUSHI-style report requests;
``clicks`` filters double clicks when an opening is recorded; ``retention`` deletes raw
events past their time. See docs/statistics.md.
"""

from catalogue_sync.stats.report import Report, Row, usage_report
from catalogue_sync.stats.retention import purge_expired, purge_usage

__all__ = ["Report", "Row", "purge_expired", "purge_usage", "usage_report"]
