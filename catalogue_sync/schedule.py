"""When something runs on its own: an interval ("every 6h") or a cron line ("0 3 * * *").

Times are UTC. An interval counts from midnight UTC, so "every 6h" runs at 00:00, 06:00,
12:00 and 18:00 on every worker machine alike: the slot a run belongs to is the same
everywhere, which is what lets several schedulers agree on who queues it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadCronError, croniter

INTERVAL = re.compile(r"^every\s+(\d+)\s*(m|h|d)$")
UNITS = {"m": 60, "h": 3600, "d": 86400}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: its text, and an interval in seconds or a cron line."""

    text: str
    seconds: int | None = None
    cron: str | None = None

    def previous(self, now: datetime) -> datetime:
        """The latest slot at or before ``now``."""
        if self.seconds is not None:
            elapsed = int((now - EPOCH).total_seconds())
            return EPOCH + timedelta(seconds=elapsed - elapsed % self.seconds)
        # croniter's get_prev is strictly before its start: start a second later.
        previous: datetime = croniter(self.cron, now + timedelta(seconds=1)).get_prev(datetime)
        return previous

    def next(self, now: datetime) -> datetime:
        """The first slot strictly after ``now``."""
        if self.seconds is not None:
            return self.previous(now) + timedelta(seconds=self.seconds)
        following: datetime = croniter(self.cron, now).get_next(datetime)
        return following


def parse_schedule(text: str) -> Schedule:
    """``every N m|h|d`` or a five-field cron line; ValueError naming what is wrong."""
    spec = text.strip().lower()
    if match := INTERVAL.match(spec):
        seconds = int(match[1]) * UNITS[match[2]]
        if not 60 <= seconds <= 31 * 86400:
            raise ValueError(f"{text!r}: an interval is between 1 minute and 31 days")
        return Schedule(text, seconds=seconds)
    if len(spec.split()) != 5:
        raise ValueError(f"{text!r} is neither an interval like 'every 6h' nor a cron line "
                         "of five fields like '0 3 * * *'")
    try:
        croniter(spec, EPOCH)
    except (CroniterBadCronError, ValueError, KeyError) as exc:
        raise ValueError(f"{text!r} is not a valid cron line: {exc}") from None
    return Schedule(text, cron=spec)
