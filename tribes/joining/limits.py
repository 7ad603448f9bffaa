"""The join-request rate limit, shared by the API and the page form (one budget per account)."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from tribes.extensions import limiter, user_or_address
from tribes.groups.service import account_is_new


def join_request_limit() -> str:
    """Requests per account per day; stricter for accounts younger than a week."""
    if account_is_new(current_user):
        return str(current_app.config["LIMIT_JOIN_REQUESTS_NEW"])
    return str(current_app.config["LIMIT_JOIN_REQUESTS"])


#: only requests taken for processing count; a quiet one counts exactly like a real one
#: (both answer 202, or the page's redirect), so the limit cannot tell them apart
join_requests = limiter.shared_limit(
    join_request_limit, scope="join-requests", key_func=user_or_address, methods=["POST"],
    deduct_when=lambda response: response.status_code in (202, 302, 303),
)
