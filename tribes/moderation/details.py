"""An audit entry's details as a reader's line: translated names, dates in the reader's time
zone and language, no internal ids and no raw ISO strings (issue 11, "Language")."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import format_datetime

from tribes.i18n import _, lazy_gettext

#: the names of the details' keys (tribe settings included: `tribe_updated` lists them)
KEY_LABELS = {
    "reason": lazy_gettext("reason"), "note": lazy_gettext("note"), "title": lazy_gettext("title"),
    "name": lazy_gettext("name"), "description": lazy_gettext("description"),
    "visibility": lazy_gettext("visibility"), "invite_policy": lazy_gettext("who may invite"),
    "max_guests": lazy_gettext("guests per answer"), "new_member_hours": lazy_gettext("hours before new members may invite"),
    "join_requests": lazy_gettext("requests to join"), "join_questions": lazy_gettext("questions to people asking to join"),
    "discreet_email": lazy_gettext("discreet e-mail"), "max_uses": lazy_gettext("uses"),
    "expires_at": lazy_gettext("expires"), "until": lazy_gettext("until"), "minutes": lazy_gettext("minutes"),
    "affected": lazy_gettext("people affected"), "with_branch": lazy_gettext("with the people they invited"),
    "action": lazy_gettext("decision"), "from": lazy_gettext("from"), "to": lazy_gettext("to"),
    "audience": lazy_gettext("to"), "rsvp": lazy_gettext("answers"), "essential": lazy_gettext("essential"),
    "count": lazy_gettext("recipients"), "registration": lazy_gettext("registration"),
    "tribe_creation": lazy_gettext("who may create tribes"), "directory": lazy_gettext("directory"),
}
#: values that are words of the app, not of a person
VALUE_LABELS = {
    "member": lazy_gettext("member"), "organiser": lazy_gettext("organiser"), "admin": lazy_gettext("admin"),
    "owner": lazy_gettext("owner"), "listed": lazy_gettext("listed"), "unlisted": lazy_gettext("unlisted"),
    "secret": lazy_gettext("secret"), "members": lazy_gettext("members"), "admins": lazy_gettext("admins"),
    "dismiss": lazy_gettext("dismissed"), "delete_content": lazy_gettext("content deleted"),
    "remove_member": lazy_gettext("member removed"), "ban_member": lazy_gettext("member banned"),
    "suspend_user": lazy_gettext("account suspended"), "tribe": lazy_gettext("the tribe"),
    "meetup": lazy_gettext("a meet-up's people"), "going": lazy_gettext("going"), "maybe": lazy_gettext("maybe"),
    "waitlist": lazy_gettext("waitlist"), "open": lazy_gettext("open"), "invite_only": lazy_gettext("invite only"),
    "closed": lazy_gettext("closed"), "everyone": lazy_gettext("everyone"),
    "verified": lazy_gettext("people with a confirmed address"), "site_admins": lazy_gettext("site admins"),
}
#: keys that only the database understands
HIDDEN = {"branch_of"}
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?$")


def shown(value: Any) -> str:
    """One value as a reader sees it."""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return f"{shown(value['from'])} → {shown(value['to'])}"
    if value is None or value == "" or value == [] or value == ():
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            return str(format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "short"))
        except ValueError:
            return value
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def readable(details: dict[str, Any] | None) -> str:
    """'reason: spam; expires: 07.12.26, 12:38', without ids and empty values."""
    parts = []
    for key, value in (details or {}).items():
        if value is None or key in HIDDEN or key.endswith("_id"):
            continue
        label = KEY_LABELS.get(key)
        parts.append(f"{label if label is not None else key.replace('_', ' ')}: {shown(value)}")
    return "; ".join(parts)
