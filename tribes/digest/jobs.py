"""The digest loop in the background of `tribes serve` and `tribes worker`, and `tribes mail digest`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tribes import jobs
from tribes.db import utcnow

log = logging.getLogger(__name__)


def run_digests(app: Any, now: datetime | None = None, *, by_clock: bool = True) -> int:
    """Build and queue every due digest, a chunk per transaction; returns how many were queued.

    THE one place the digest job commits (or rolls back). `by_clock=False` (the CLI): everyone
    due, whatever their local hour.
    """
    from tribes.digest.gather import Gatherer
    from tribes.digest.service import build_and_queue, chunks, claim, due
    from tribes.extensions import db

    total = 0
    with app.app_context():
        try:
            now = now or utcnow()
            people = due(db.session, now, by_clock=by_clock)
            gatherer = Gatherer(db.session, now)
            for chunk in chunks(people):
                claimed = claim(db.session, chunk, now, by_clock=by_clock)
                total += build_and_queue(db.session, gatherer, claimed, now)
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("building digests failed")
            if not by_clock:
                raise
        finally:
            db.remove()
    return total


def interval(app: Any) -> float:
    """Seconds between two looks for due digests (TRIBES_DIGEST_POLL_SECONDS, default 300)."""
    return max(0.05, float(app.config.get("DIGEST_POLL_SECONDS") or 300))


def digest_loop(app: Any, sleep: Any = None, passes: int | None = None) -> None:
    """Queue due digests forever (or `passes` times)."""
    jobs.run_loop(app, run_digests, interval, "queued %d digest(s)", sleep=sleep, passes=passes)


def start_background(app: Any) -> None:
    """Start the loop as a background task, unless RUN_BACKGROUND_JOBS is off."""
    jobs.start_background(app, digest_loop)
