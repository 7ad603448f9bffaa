"""Rate limits shared by the API and the pages, so a form and a JSON call draw on one budget.

(Tribe and invite creation are limited in tribes/groups/limits.py.)
"""

from __future__ import annotations

from flask import current_app

from tribes.extensions import limiter, user_or_address

#: filing reports (API and report form)
report_filing = limiter.shared_limit(
    lambda: current_app.config["LIMIT_REPORTS"], scope="report-filing", key_func=user_or_address, methods=["POST"],
)
