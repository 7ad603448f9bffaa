"""RFC 8058 one-click unsubscribe: a signed link per person and kind of mail, that never expires.

The token is the person's id and the mail kind (a notification kind, or "digest"), signed
with the app's secret key under its own salt; nothing is stored. Following it (a POST, no
cookie needed) turns that kind of mail off. For "digest" every kind now gathered in the
digest is set to "off": the digest goes out only while some kind is set to "digest"
(`tribes.notifications.kinds`; the contract's `digest` stays "daily" | "weekly").
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.mail.links import base_url
from tribes.notifications import preferences
from tribes.notifications.kinds import BY_NAME

#: the mail kind of the digest (the others are notification kinds)
DIGEST = "digest"
_SALT = "tribes.unsubscribe"


def _serializer() -> URLSafeSerializer:
    """The signer of unsubscribe tokens (the app's secret key, this feature's salt)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token_for(user_id: int, kind: str) -> str:
    """The signed token binding one person and one kind of mail."""
    return str(_serializer().dumps([user_id, kind]))


def read_token(session: Session, token: str) -> tuple[User, str] | None:
    """The person and mail kind of a valid token (None: forged, unknown kind, or account gone)."""
    try:
        payload: Any = _serializer().loads(token[:300])
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None
    user_id, kind = payload
    if kind != DIGEST and kind not in BY_NAME:
        return None
    user = session.get(User, user_id)
    return (user, kind) if user is not None else None


def link(user_id: int, kind: str) -> str:
    """The absolute one-click link `<base>/unsubscribe/<token>`."""
    return f"{base_url()}/unsubscribe/{token_for(user_id, kind)}"


def headers(user_id: int, kind: str) -> dict[str, str]:
    """The RFC 8058 headers every non-transactional mail carries."""
    return {
        "List-Unsubscribe": f"<{link(user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe(session: Session, user_id: int, kind: str) -> None:
    """Turn that kind of mail off (the digest: every kind it gathers); doing it twice changes nothing."""
    if kind == DIGEST:
        current = preferences.get_settings(session, user_id).email
        off = {name: "off" for name, mode in current.items() if mode == "digest"}
        if off:
            preferences.update_settings(session, user_id, off)  # type: ignore[arg-type]
        return
    preferences.update_settings(session, user_id, {kind: "off"})


def label(kind: str) -> str:
    """How the page names the mails that stop."""
    from tribes.i18n import _

    if kind == DIGEST:
        return _("The e-mail digest")
    return str(BY_NAME[kind].label)
