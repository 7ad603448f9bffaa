"""Login, password-check and registration limits, shared by the JSON API and the pages.

Failed logins are slowed down without letting a stranger lock the owner out (OWASP, "Slow
down online guessing attacks with device cookies"): a browser that logged in to an account
before carries a signed device cookie naming it, and its failed logins count against that
device's own budget; only untrusted clients share the account-wide budget. Every login
attempt also counts per address.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import after_this_request, current_app, g, request
from flask.wrappers import Response
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from tribes.accounts.models import User
from tribes.accounts.service import normalise_email
from tribes.errors import ApiError
from tribes.extensions import client_address, db, limiter
from tribes.http import json_body_or_none, storable_text

#: the device cookie: signed {d: device nonce, u: [user ids that logged in here]}
DEVICE_COOKIE = "tribes_device"
DEVICE_COOKIE_LIFETIME = timedelta(days=365)
#: accounts remembered per browser (the most recent logins)
DEVICE_ACCOUNTS = 10
_DEVICE_SALT = "tribes-device-cookie"


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt=_DEVICE_SALT)


def read_device_cookie() -> dict[str, Any] | None:
    """This browser's device cookie if it is genuine and not expired, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 4000:
        return None
    try:
        data = _device_serializer().loads(raw, max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("u"), list):
        return None
    return data


def remember_device(user_id: int) -> None:
    """After a successful login: (re)issue the device cookie, now naming this account too."""
    device = read_device_cookie() or {"d": secrets.token_urlsafe(16), "u": []}
    accounts = [user_id, *(uid for uid in device["u"] if uid != user_id)][:DEVICE_ACCOUNTS]
    value = _device_serializer().dumps({"d": device["d"], "u": accounts})

    @after_this_request
    def _set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response


def _login_email() -> str:
    """The e-mail a login attempt names, from JSON or a form (normalised)."""
    data = json_body_or_none() if request.is_json else None
    email = data.get("email") if isinstance(data, dict) else request.form.get("email")
    return normalise_email(email) if isinstance(email, str) else ""


def trusted_device_key() -> str | None:
    """`<device>:<user id>` when this browser logged in to the account tried before, else None."""
    if "tribes_login_device" not in g:
        key = None
        device = read_device_cookie()
        email = _login_email()
        if device is not None and email and len(email) <= 320 and storable_text(email):
            user_id = db.session.scalar(select(User.id).where(User.email == email))
            if user_id is not None and user_id in device["u"]:
                key = f"{device['d']}:{user_id}"
        g.tribes_login_device = key
    return g.tribes_login_device


def login_email_key() -> str:
    """Failed logins of untrusted clients are counted per account: the e-mail tried."""
    return f"login:{_login_email()}"


def _failed_login(response: Response) -> bool:
    return response.status_code == 401


#: failed logins per account from clients without its device cookie (TRIBES_LIMIT_LOGIN)
failed_login_per_account = limiter.shared_limit(
    lambda: current_app.config["LIMIT_LOGIN"],
    scope="login-account",
    key_func=login_email_key,
    methods=["POST"],
    deduct_when=_failed_login,
    exempt_when=lambda: trusted_device_key() is not None,
)
#: failed logins per device cookie and account, for browsers that logged in before
failed_login_per_device = limiter.shared_limit(
    lambda: current_app.config["LIMIT_LOGIN"],
    scope="login-device",
    key_func=lambda: f"device:{trusted_device_key()}",
    methods=["POST"],
    deduct_when=_failed_login,
    exempt_when=lambda: trusted_device_key() is None,
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


def login_limits(view: Callable[..., Any]) -> Callable[..., Any]:
    """All login limits: per address, per account for untrusted clients, per device cookie."""
    return login_per_address(failed_login_per_account(failed_login_per_device(view)))


# ---------------------------------------------------------------- password checks of a logged-in user


def note_wrong_password() -> None:
    """Count this request against the account's password-check budget (a wrong password)."""
    g.tribes_wrong_password = True


def _password_check_key() -> str:
    return f"password:{current_user.id if current_user.is_authenticated else client_address()}"


#: wrong passwords per account on password checks (change password, delete account, …)
wrong_password_per_account = limiter.shared_limit(
    lambda: current_app.config["LIMIT_LOGIN"],
    scope="password-check",
    key_func=_password_check_key,
    methods=["POST", "PUT", "PATCH", "DELETE"],
    deduct_when=lambda response: bool(g.get("tribes_wrong_password")),
)


def password_checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view that checks the user's password: wrong ones are throttled per account (429)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ApiError as exc:
            if exc.code == "invalid_password":
                note_wrong_password()
            raise

    return wrong_password_per_account(wrapper)
