"""Settings from TRIBES_* environment variables, with defaults that are safe to deploy."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: str) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in (value if value not in (None, "") else default).split(",") if item.strip()]


def _persistent_secret(instance_path: Path) -> str:
    """A random key kept in instance/secret_key, so sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the configuration dict from the environment."""
    instance = Path(instance_path)
    env = os.environ.get
    database_url = env("TRIBES_DATABASE_URL") or f"sqlite:///{instance / 'tribes.db'}"
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    origins = [o.strip().rstrip("/") for o in (env("TRIBES_ALLOWED_ORIGINS") or "").split(",")]
    secure = _flag("TRIBES_SECURE_COOKIES")
    return {
        "SECRET_KEY": env("TRIBES_SECRET_KEY") or _persistent_secret(instance),
        "DATABASE_URL": database_url,
        "REDIS_URL": env("TRIBES_REDIS_URL") or None,
        # the rate limits' keys in Redis start with this (several deployments on one Redis)
        "RATELIMIT_KEY_PREFIX": env("TRIBES_RATELIMIT_KEY_PREFIX") or "tribes",
        "ALLOWED_ORIGINS": [o for o in origins if o and o != "*"],
        "BASE_URL": (env("TRIBES_BASE_URL") or "").rstrip("/") or None,
        # Cookies: the session cookie is tribes_session, HttpOnly, SameSite=Lax.
        "SESSION_COOKIE_NAME": "tribes_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": _int("TRIBES_SESSION_DAYS", 30) * 86400,
        # CSRF tokens live as long as the session they belong to.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Slow clients (tribes serve): a connection that sends nothing for IDLE seconds is
        # closed (also between keep-alive requests; WebSockets are exempt), and a request's
        # line, headers and body must arrive within READ seconds, else 408.
        "IDLE_TIMEOUT_SECONDS": _int("TRIBES_IDLE_TIMEOUT_SECONDS", 10),
        "READ_TIMEOUT_SECONDS": _int("TRIBES_READ_TIMEOUT_SECONDS", 30),
        # Behind a reverse proxy: X-Forwarded-* are believed only from these addresses/networks.
        "TRUST_PROXY": _flag("TRIBES_TRUST_PROXY"),
        "TRUSTED_PROXIES": _list("TRIBES_TRUSTED_PROXIES", "127.0.0.1,::1"),
        # argon2id, OWASP's second recommended set (m=19 MiB, t=2, p=1).
        "ARGON2_TIME_COST": _int("TRIBES_ARGON2_TIME_COST", 2),
        "ARGON2_MEMORY_COST": _int("TRIBES_ARGON2_MEMORY_COST", 19456),
        "ARGON2_PARALLELISM": _int("TRIBES_ARGON2_PARALLELISM", 1),
        # Rate limits (Flask-Limiter strings).
        "RATELIMIT_ENABLED": not _flag("TRIBES_DISABLE_LIMITS"),
        "LIMIT_REGISTER": env("TRIBES_LIMIT_REGISTER") or "20 per hour",
        "LIMIT_LOGIN": env("TRIBES_LIMIT_LOGIN") or "10 per 15 minutes",
        "LIMIT_LOGIN_IP": env("TRIBES_LIMIT_LOGIN_IP") or "60 per 15 minutes",
        "LIMIT_CHAT": env("TRIBES_LIMIT_CHAT") or "30 per 10 seconds",
        # A deployment (or load run) that raises TRIBES_LIMIT_CHAT raises the new-member
        # rate with it unless that one is set on its own.
        "LIMIT_CHAT_NEW_MEMBER": env("TRIBES_LIMIT_CHAT_NEW_MEMBER")
        or env("TRIBES_LIMIT_CHAT")
        or "10 per minute",
        "LIMIT_CONTACT_REQUESTS": env("TRIBES_LIMIT_CONTACT_REQUESTS") or "30 per day",
        # Open Socket.IO connections per account (across processes with Redis).
        "MAX_SOCKETS_PER_ACCOUNT": _int("TRIBES_MAX_SOCKETS_PER_ACCOUNT", 20),
        # The stricter limits for young accounts follow their general limit when a
        # deployment or test run raises only that one.
        "LIMIT_CONTACT_REQUESTS_NEW": env("TRIBES_LIMIT_CONTACT_REQUESTS_NEW")
        or env("TRIBES_LIMIT_CONTACT_REQUESTS")
        or "5 per day",
        "LIMIT_DM": env("TRIBES_LIMIT_DM") or "30 per 10 seconds",
        "LIMIT_MESSAGE_REQUESTS": env("TRIBES_LIMIT_MESSAGE_REQUESTS") or "20 per day",
        "LIMIT_MESSAGE_REQUESTS_NEW": env("TRIBES_LIMIT_MESSAGE_REQUESTS_NEW")
        or env("TRIBES_LIMIT_MESSAGE_REQUESTS")
        or "5 per day",
        "LIMIT_INVITES": env("TRIBES_LIMIT_INVITES") or "50 per day",
        # Join requests per account (tribes.joining), stricter for accounts younger than a week.
        "LIMIT_JOIN_REQUESTS": env("TRIBES_LIMIT_JOIN_REQUESTS") or "10 per day",
        "LIMIT_JOIN_REQUESTS_NEW": env("TRIBES_LIMIT_JOIN_REQUESTS_NEW")
        or env("TRIBES_LIMIT_JOIN_REQUESTS")
        or "3 per day",
        # A declined requester's next request stays quiet (never reaches the admins) this long.
        "JOIN_DECLINE_COOLDOWN_DAYS": _int("TRIBES_JOIN_DECLINE_COOLDOWN_DAYS", 90),
        "LIMIT_REPORTS": env("TRIBES_LIMIT_REPORTS") or "30 per hour",
        # guesses of a meetup's door code, per user (tribes/meetups/checkin.py)
        "LIMIT_CHECKIN": env("TRIBES_LIMIT_CHECKIN") or "10 per minute",
        #: announcements per tribe (organisers share the budget)
        "LIMIT_ANNOUNCEMENTS": env("TRIBES_LIMIT_ANNOUNCEMENTS") or "3 per week",
        "LIMIT_TRIBES": env("TRIBES_LIMIT_TRIBES") or "10 per day",
        "LIMIT_TRIBES_NEW": env("TRIBES_LIMIT_TRIBES_NEW") or env("TRIBES_LIMIT_TRIBES") or "3 per day",
        # Astroturfing signal: the same normalised text from many accounts or in many tribes.
        "ASTROTURF_MIN_LENGTH": _int("TRIBES_ASTROTURF_MIN_LENGTH", 20),
        "ASTROTURF_MIN_WORDS": _int("TRIBES_ASTROTURF_MIN_WORDS", 3),
        "ASTROTURF_ACCOUNTS": _int("TRIBES_ASTROTURF_ACCOUNTS", 3),
        "ASTROTURF_ACCOUNTS_MINUTES": _int("TRIBES_ASTROTURF_ACCOUNTS_MINUTES", 10),
        "ASTROTURF_TRIBES": _int("TRIBES_ASTROTURF_TRIBES", 3),
        "ASTROTURF_TRIBES_MINUTES": _int("TRIBES_ASTROTURF_TRIBES_MINUTES", 60),
        "ASTROTURF_DM_RECIPIENTS": _int("TRIBES_ASTROTURF_DM_RECIPIENTS", 5),
        "ASTROTURF_DM_MINUTES": _int("TRIBES_ASTROTURF_DM_MINUTES", 60),
        # Contacts: a re-sent request after a decline stays invisible this long.
        "CONTACT_DECLINE_COOLDOWN_DAYS": _int("TRIBES_CONTACT_DECLINE_COOLDOWN_DAYS", 90),
        # Meetups: in-app reminder this many minutes before the start.
        "MEETUP_REMINDER_MINUTES": _int("TRIBES_MEETUP_REMINDER_MINUTES", 24 * 60),
        # Mail: SMTP (else .eml files under instance/mail/), sender, polling, retries.
        "SMTP_URL": env("TRIBES_SMTP_URL") or None,
        "SMTP_CA_FILE": env("TRIBES_SMTP_CA_FILE") or None,
        "MAIL_FROM": env("TRIBES_MAIL_FROM") or "Tribes <tribes@localhost>",
        "MAIL_POLL_SECONDS": float(env("TRIBES_MAIL_POLL_SECONDS") or 5),
        "DIGEST_POLL_SECONDS": float(env("TRIBES_DIGEST_POLL_SECONDS") or 300),
        "MAIL_RETRY_SECONDS": float(env("TRIBES_MAIL_RETRY_SECONDS") or 30),
        "MAIL_GIVE_UP_HOURS": float(env("TRIBES_MAIL_GIVE_UP_HOURS") or 24),
        "LIMIT_PASSWORD_RESET": env("TRIBES_LIMIT_PASSWORD_RESET") or "5 per hour",
        # Confirmation links an account may ask for (resend, address change), per account.
        "LIMIT_VERIFICATION_MAIL": env("TRIBES_LIMIT_VERIFICATION_MAIL") or "5 per hour",
        "RUN_BACKGROUND_JOBS": _flag("TRIBES_RUN_BACKGROUND_JOBS", True),
    }
