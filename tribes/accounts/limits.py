"""Login and registration limits, shared by the JSON API and the pages (one budget each)."""

from __future__ import annotations

from flask import current_app, request

from tribes.accounts.service import normalise_email
from tribes.extensions import client_address, limiter
from tribes.http import json_body_or_none


def login_email_key() -> str:
    """Failed logins are counted per account: the e-mail tried, from JSON or a form."""
    data = json_body_or_none() if request.is_json else None
    email = data.get("email") if isinstance(data, dict) else request.form.get("email")
    return f"login:{normalise_email(email) if isinstance(email, str) else ''}"


#: failed logins per account (TRIBES_LIMIT_LOGIN); only 401 answers are counted
failed_login_per_account = limiter.shared_limit(
    lambda: current_app.config["LIMIT_LOGIN"],
    scope="login-account",
    key_func=login_email_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 401,
)
#: login attempts per address (TRIBES_LIMIT_LOGIN_IP)
login_per_address = limiter.shared_limit(
    lambda: current_app.config["LIMIT_LOGIN_IP"],
    scope="login-address",
    key_func=client_address,
    methods=["POST"],
)
#: registrations per address (TRIBES_LIMIT_REGISTER)
registration_per_address = limiter.shared_limit(
    lambda: current_app.config["LIMIT_REGISTER"],
    scope="register-address",
    key_func=client_address,
    methods=["POST"],
)
