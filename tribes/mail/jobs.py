"""The mail sender loop: in the background of `tribes serve`, and of `tribes worker`."""

from __future__ import annotations

from typing import Any

from tribes import jobs
from tribes.mail.outbox import send_due


def interval(app: Any) -> float:
    """Seconds between two passes (TRIBES_MAIL_POLL_SECONDS, default 5)."""
    return max(0.05, float(app.config.get("MAIL_POLL_SECONDS") or 5))


def mail_loop(app: Any, sleep: Any = None, passes: int | None = None) -> None:
    """Send due mails forever (or `passes` times), sleeping between passes."""
    jobs.run_loop(app, send_due, interval, "sent %d mail(s)", sleep=sleep, passes=passes)


def start_background(app: Any) -> None:
    """Start the loop as a gevent-friendly background task, unless RUN_BACKGROUND_JOBS is off."""
    jobs.start_background(app, mail_loop)
