"""The series pass of the meetup job loop: orphan checks and occurrences up to the horizon."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def run_once(app: Any) -> int:
    """One pass in its own app context and transaction; returns occurrences created.

    THE one place the series job commits (or rolls back)."""
    from tribes.db import utcnow
    from tribes.extensions import db
    from tribes.jobs import pass_failed
    from tribes.meetups.series import materialise_all

    with app.app_context():
        try:
            made = materialise_all(db.session, utcnow())
            db.session.commit()
            return made
        except Exception as exc:
            db.session.rollback()
            pass_failed(log, "materialising meetup series", exc)
            return 0
        finally:
            db.remove()
