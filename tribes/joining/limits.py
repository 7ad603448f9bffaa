"""The join-request rate limits, shared by the API and the page form (one budget per account)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user

from tribes.extensions import limiter, user_or_address
from tribes.groups.service import account_is_new


def _taken(response: Any) -> bool:
    """Only requests taken for processing count; a quiet one counts exactly like a real one
    (both answer 202, or the page's 303 redirect), so the limit cannot tell them apart."""
    return response.status_code in (202, 303)


#: requests per account per day (LIMIT_JOIN_REQUESTS)
join_requests_any = limiter.shared_limit(
    lambda: current_app.config["LIMIT_JOIN_REQUESTS"], scope="join-requests", key_func=user_or_address,
    methods=["POST"], deduct_when=_taken,
)
#: and, on top, the stricter LIMIT_JOIN_REQUESTS_NEW for accounts younger than a week
join_requests_new = limiter.shared_limit(
    lambda: current_app.config["LIMIT_JOIN_REQUESTS_NEW"], scope="join-requests-new", key_func=user_or_address,
    methods=["POST"], deduct_when=_taken, exempt_when=lambda: not account_is_new(current_user),
)


def join_requests(view: Any) -> Any:
    """Both join-request limits on a view."""
    return join_requests_any(join_requests_new(view))
