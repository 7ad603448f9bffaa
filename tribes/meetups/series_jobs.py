"""The series pass of the meetup job loop: orphan checks and occurrences up to the horizon."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def run_once(app: Any) -> int:
    """One pass in its own app context and transaction; returns occurrences created.

    THE one place the series job commits (or rolls back)."""
    from tribes.jobs import one_pass
    from tribes.meetups.series import materialise_all

    return one_pass(app, materialise_all, log, "materialising meetup series")
