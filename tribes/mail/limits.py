"""Password-reset requests are throttled per client address and per e-mail address named
(TRIBES_LIMIT_PASSWORD_RESET, default "5 per hour"), for the JSON API and the page alike;
confirmation links (resend, address change) per account (TRIBES_LIMIT_VERIFICATION_MAIL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user

from tribes.accounts.service import normalise_email
from tribes.extensions import client_address, limiter
from tribes.http import json_body_or_none


def _email_named() -> str:
    data = json_body_or_none() if request.is_json else None
    email = data.get("email") if isinstance(data, dict) else request.form.get("email")
    return f"reset:{normalise_email(email)[:320] if isinstance(email, str) else ''}"


reset_per_address = limiter.shared_limit(
    lambda: current_app.config["LIMIT_PASSWORD_RESET"], scope="password-reset-address",
    key_func=client_address, methods=["POST"],
)
reset_per_email = limiter.shared_limit(
    lambda: current_app.config["LIMIT_PASSWORD_RESET"], scope="password-reset-email",
    key_func=_email_named, methods=["POST"],
)


def reset_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """Both limits on a view that requests a reset link."""
    return reset_per_address(reset_per_email(view))


#: confirmation links an account asks for (resend and address change share the budget)
verification_per_account = limiter.shared_limit(
    lambda: current_app.config["LIMIT_VERIFICATION_MAIL"], scope="verification-mail",
    key_func=lambda: f"verify:{current_user.id if current_user.is_authenticated else client_address()}",
    methods=["POST"],
)
