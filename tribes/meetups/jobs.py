"""The reminder loop: in the background of `tribes serve`, or in front as `tribes worker`.

No transaction here: each pass is `reminders.run_once`, the one place the job commits.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from tribes.extensions import socketio
from tribes.meetups.reminders import run_once

log = logging.getLogger(__name__)


def interval(app: Any) -> float:
    """Seconds between two passes (config or TRIBES_MEETUP_REMINDER_POLL_SECONDS; default 60)."""
    value = app.config.get("MEETUP_REMINDER_POLL_SECONDS") or os.environ.get("TRIBES_MEETUP_REMINDER_POLL_SECONDS")
    return max(0.1, float(value or 60))


def reminder_loop(app: Any, sleep: Any = None, passes: int | None = None) -> None:
    """Send due reminders forever (or `passes` times), sleeping between passes."""
    sleep = sleep or socketio.sleep
    done = 0
    while passes is None or done < passes:
        sent = run_once(app)
        if sent:
            log.info("sent reminders for %d meetup(s)", sent)
        done += 1
        if passes is None or done < passes:
            sleep(interval(app))


def start_background(app: Any) -> None:
    """Start the loop as a gevent-friendly background task, unless RUN_BACKGROUND_JOBS is off."""
    if not app.config.get("RUN_BACKGROUND_JOBS", True):
        return
    socketio.start_background_task(reminder_loop, app)
