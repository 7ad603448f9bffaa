"""Notifications' reactions to lower features (targeted invites, mutes) and the header badge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tribes import events
from tribes.notifications.service import notify


def _on_invite_targeted(
    tribe_id: int, *, session: Session, user_id: int, tribe_name: str, invite_id: int,
    inviter_id: int | None, invited_by: dict[str, Any] | None, **_: Any,
) -> None:
    """Tell the person a targeted invite names (never the token: the link comes from the inviter)."""
    notify(
        session,
        user_id,
        "tribe_invite",
        {"tribe": {"name": tribe_name}, "invited_by": invited_by, "invite_id": invite_id},
        about_user_id=inviter_id,
        tribe_id=tribe_id,
    )


def _on_member_muted(
    tribe_id: int, *, session: Session, user_id: int, slug: str, name: str, until: datetime, **_: Any
) -> None:
    """Tell a member they were muted, and until when."""
    notify(session, user_id, "muted", {"tribe": {"slug": slug, "name": name}, "until": until.isoformat()})


events.invite_targeted.connect(_on_invite_targeted, weak=False)
events.member_muted.connect(_on_member_muted, weak=False)


def init_app(app: Flask) -> None:
    """Count unread notifications for the header badge; the "E-mail" section of the settings page."""
    from tribes.notifications.service import unread_count
    from tribes.notifications.views import settings_section_context
    from tribes.pages import add_settings_section, set_unread_counter

    set_unread_counter(app, unread_count)
    add_settings_section(app, "notifications/_settings_section.html", settings_section_context)
