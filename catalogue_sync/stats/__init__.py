"""Usage statistics from the gateway's usage events: reports, exports, retention.

``report`` counts (COUNTER Release 5 conventions where they apply) and suppresses small
cells; ``export`` writes a report as CSV or COUNTER-style JSON; ``clicks`` filters double
clicks when an opening is recorded; ``retention`` deletes raw events past their time.
See docs/statistics.md.
"""

from catalogue_sync.stats.report import Report, Row, usage_report
from catalogue_sync.stats.retention import purge_usage

__all__ = ["Report", "Row", "purge_usage", "usage_report"]
