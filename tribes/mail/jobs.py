"""The mail sender loop: in the background of `tribes serve`, and of `tribes worker`."""

from __future__ import annotations

import logging
from typing import Any

from tribes.extensions import socketio
from tribes.mail.outbox import send_due

log = logging.getLogger(__name__)


def interval(app: Any) -> float:
    """Seconds between two passes (TRIBES_MAIL_POLL_SECONDS, default 5)."""
    return max(0.05, float(app.config.get("MAIL_POLL_SECONDS") or 5))


def mail_loop(app: Any, sleep: Any = None, passes: int | None = None) -> None:
    """Send due mails forever (or `passes` times), sleeping between passes."""
    sleep = sleep or socketio.sleep
    done = 0
    while passes is None or done < passes:
        sent = send_due(app)
        if sent:
            log.info("sent %d mail(s)", sent)
        done += 1
        if passes is None or done < passes:
            sleep(interval(app))


def start_background(app: Any) -> None:
    """Start the loop as a gevent-friendly background task, unless RUN_BACKGROUND_JOBS is off."""
    if not app.config.get("RUN_BACKGROUND_JOBS", True):
        return
    socketio.start_background_task(mail_loop, app)
