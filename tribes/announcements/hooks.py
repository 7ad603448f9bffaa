"""Wiring: the announcement mail carries its text; the tribe home shows the latest announcements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy.orm import Session

from tribes.i18n import _
from tribes.notifications.kinds import ANNOUNCEMENT
from tribes.notifications.mailing import MailExtras, register_extras

if TYPE_CHECKING:
    from tribes.accounts.models import User
    from tribes.notifications.models import Notification


def _mail_extras(session: Session, notification: Notification, user: User) -> MailExtras | None:
    """The announcement's text in its mail (never asked for a discreet tribe's mail)."""
    from tribes.announcements.models import Announcement

    announcement_id = (notification.data or {}).get("announcement_id")
    announcement = session.get(Announcement, int(announcement_id)) if announcement_id else None
    if announcement is None or announcement.tribe_id != notification.tribe_id:
        return None
    paragraphs = [announcement.body]
    if announcement.essential:
        paragraphs.append(_("The organisers marked this essential: it is mailed even to those who turned "
                            "announcement mail off."))
    return MailExtras(paragraphs=paragraphs)


register_extras(ANNOUNCEMENT, _mail_extras)


def init_app(app: Flask) -> None:
    """Nothing to register on the pages: a tribe's tab bar links its announcements page
    (templates/groups/_tabs.html), next to the chat rather than inside its full-height layout."""
