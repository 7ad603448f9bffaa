"""Background loops (meet-up reminders, mail): one pass, sleep, again — in `tribes serve`
(gevent-friendly background tasks) or in front as `tribes worker`.

A loop holds no transaction: each pass is the feature's own `run_once`-style function,
the one place that job commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tribes.extensions import socketio

log = logging.getLogger(__name__)


def run_loop(
    app: Any,
    step: Callable[[Any], int],
    interval: Callable[[Any], float],
    done_message: str,
    *,
    sleep: Any = None,
    passes: int | None = None,
) -> None:
    """Run `step(app)` forever (or `passes` times), logging `done_message % count` when it
    did something, sleeping `interval(app)` seconds between passes."""
    sleep = sleep or socketio.sleep
    done = 0
    while passes is None or done < passes:
        count = step(app)
        if count:
            log.info(done_message, count)
        done += 1
        if passes is None or done < passes:
            sleep(interval(app))


def pass_failed(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log a failed pass: one line while the database or Redis is away (the next pass retries),
    the whole traceback for anything else."""
    from tribes.errors import unavailable

    if unavailable(exc):
        logger.warning("%s: the database or Redis is unavailable (%s); retrying", what, type(exc).__name__)
    else:
        logger.error("%s failed", what, exc_info=exc)


def one_pass(app: Any, work: Callable[[Any, Any], int], logger: logging.Logger, what: str) -> int:
    """`work(session, now)` in its own app context and transaction: committed when it returns,
    rolled back (and logged as a failed pass) when it raises; its count, or 0."""
    from tribes.db import utcnow
    from tribes.extensions import db

    with app.app_context():
        try:
            done = work(db.session, utcnow())
            db.session.commit()
            return done
        except Exception as exc:
            db.session.rollback()
            pass_failed(logger, what, exc)
            return 0
        finally:
            db.remove()


def start_background(app: Any, loop: Callable[[Any], None]) -> None:
    """Start `loop(app)` as a background task, unless RUN_BACKGROUND_JOBS is off."""
    if not app.config.get("RUN_BACKGROUND_JOBS", True):
        return
    socketio.start_background_task(loop, app)
