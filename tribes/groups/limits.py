"""Rate limits of groups shared by the API and the pages, so a form and a JSON call draw on one budget."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from tribes.extensions import limiter, user_or_address
from tribes.groups.service import account_is_new


def _young_account() -> bool:
    return account_is_new(current_user)


#: creating tribes: LIMIT_TRIBES for everyone, LIMIT_TRIBES_NEW on top for accounts younger than a week
tribe_creation = limiter.shared_limit(
    lambda: current_app.config["LIMIT_TRIBES"], scope="tribe-creation", key_func=user_or_address, methods=["POST"],
)
tribe_creation_new = limiter.shared_limit(
    lambda: current_app.config["LIMIT_TRIBES_NEW"], scope="tribe-creation-new", key_func=user_or_address,
    methods=["POST"], exempt_when=lambda: not _young_account(),
)
#: creating invites (API and tribe-home form)
invite_creation = limiter.shared_limit(
    lambda: current_app.config["LIMIT_INVITES"], scope="invite-creation", key_func=user_or_address, methods=["POST"],
)
