"""What the network-at-a-glance page shows: the store's figures per source beside the job
queue's state, in the page's words. The queue may be unreachable: the store's figures are
shown all the same, and the page says so."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalogue_sync.dashboard import SourceOverview, duration
from catalogue_sync.errors import StoreError
from services.harvester.queue import JobQueue, JobState
from services.search.web.i18n import Texts

log = logging.getLogger(__name__)
MAX_ERROR = 300


@dataclass(frozen=True, slots=True)
class QueueView:
    """The queue as the page shows it; ``reachable`` False: Redis did not answer."""

    reachable: bool
    depth: int = 0
    jobs: dict[str, JobState] | None = None


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    name: str
    package: bool
    actions: bool
    """Whether the page offers buttons (a member library, enabled)."""
    live: str
    quarantined: str
    last_run: str
    last_status: str
    last_status_key: str
    last_duration: str
    last_error: str
    next_harvest: str
    job: str


def read_queue(queue: JobQueue) -> QueueView:
    """Each library's latest job and how many wait; unreachable when Redis fails."""
    try:
        return QueueView(True, queue.depth(), queue.jobs())
    except StoreError as error:  # QueueUnavailable: Redis did not answer
        log.warning("dashboard: the job queue cannot be read: %s", error)
        return QueueView(False)


def when(t: Texts, moment: datetime | None) -> str:
    """"12 mars 2026, 14:05 UTC"; empty when there is no such moment."""
    if moment is None:
        return ""
    return t("at_time", day=t.date(moment.date().isoformat()),
             time=moment.strftime("%H:%M"))


def how_long(t: Texts, span: timedelta | None) -> str:
    """"1 h 02 min", "2 min 05 s", "12 s", "0.4 s"."""
    if span is None:
        return ""
    exact = max(0.0, span.total_seconds())
    if exact < 10:  # a small source's harvest: "0.4 s" says more than "0 s"
        tenths = f"{exact:.1f}"
        return t("seconds", s=tenths.replace(".", ",") if t.lang == "fr" else tenths)
    seconds = int(exact)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return t("hours_minutes", h=hours, m=f"{minutes:02d}")
    if minutes:
        return t("minutes_seconds", m=minutes, s=f"{seconds:02d}")
    return t("seconds", s=seconds)


def source_row(t: Texts, item: SourceOverview, queue: QueueView) -> SourceRow:
    run, source = item.last_run, item.source
    job = queue.jobs.get(source.id) if queue.jobs is not None else None
    return SourceRow(
        id=source.id, name=source.name, package=source.package,
        actions=source.enabled and not source.package,
        live=t.number(item.live), quarantined=t.number(item.quarantined),
        last_run=when(t, run.finished or run.started) if run else t("never"),
        last_status=t(f"run_{run.status.value}") if run else "",
        last_status_key=run.status.value if run else "none",
        last_duration=how_long(t, duration(run)) if run else "",
        last_error=(item.last_error or "")[:MAX_ERROR],
        next_harvest=next_words(t, item),
        job=job_words(t, job, queue))


def next_words(t: Texts, item: SourceOverview) -> str:
    if item.source.package:
        return t("package_import")
    if not item.source.enabled:
        return t("disabled")
    if item.next_harvest is None:
        return t("on_demand")
    return when(t, item.next_harvest)


def job_words(t: Texts, job: JobState | None, queue: QueueView) -> str:
    if not queue.reachable:
        return t("queue_unknown")
    if job is None:
        return t("no_job")
    words = t("job_state", kind=t(f"job_{job.kind}"), state=t(f"state_{job.state}"),
              at=when(t, job.at))
    if job.worker:
        words += " " + t("job_worker", worker=job.worker)
    if job.state == "failed" and job.detail:
        words += t("colon") + job.detail[:MAX_ERROR]
    return words
