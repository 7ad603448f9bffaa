"""The reminder loop: in the background of `tribes serve`, or in front as `tribes worker`.

No transaction here: each pass is `reminders.run_once`, the one place the job commits.
"""

from __future__ import annotations

import os
from typing import Any

from tribes import jobs
from tribes.meetups import series_jobs
from tribes.meetups.reminders import run_once


def interval(app: Any) -> float:
    """Seconds between two passes (config or TRIBES_MEETUP_REMINDER_POLL_SECONDS; default 60)."""
    value = app.config.get("MEETUP_REMINDER_POLL_SECONDS") or os.environ.get("TRIBES_MEETUP_REMINDER_POLL_SECONDS")
    return max(0.1, float(value or 60))


def run_pass(app: Any) -> int:
    """Series occurrences first (so new ones are reminded in the same pass), then reminders."""
    series_jobs.run_once(app)
    return run_once(app)


def reminder_loop(app: Any, sleep: Any = None, passes: int | None = None) -> None:
    """Materialise series and send due reminders forever (or `passes` times), sleeping between passes."""
    jobs.run_loop(app, run_pass, interval, "sent reminders for %d meetup(s)", sleep=sleep, passes=passes)


def start_background(app: Any) -> None:
    """Start the loop as a gevent-friendly background task, unless RUN_BACKGROUND_JOBS is off."""
    jobs.start_background(app, reminder_loop)
