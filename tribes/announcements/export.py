"""What the announcements feature stores about a user, for the account export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.announcements.models import Announcement, AnnouncementRecipient
from tribes.groups.models import Tribe

#: tables holding personal data of this feature
TABLES = {"announcements", "announcement_recipients"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Announcements the user wrote, and the meetup announcements addressed to them."""
    written = session.execute(
        select(Announcement, Tribe.slug).join(Tribe, Tribe.id == Announcement.tribe_id)
        .where(Announcement.author_id == user.id).order_by(Announcement.created_at, Announcement.id)
    ).all()
    received = session.execute(
        select(Announcement, Tribe.slug)
        .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
        .join(Tribe, Tribe.id == Announcement.tribe_id)
        .where(AnnouncementRecipient.user_id == user.id).order_by(Announcement.created_at, Announcement.id)
    ).all()
    return {
        "announcements_written": [
            {"id": a.id, "tribe": slug, "title": a.title, "body": a.body, "audience": a.audience,
             "meetup_id": a.meetup_id, "rsvp": list(a.rsvp or []), "essential": a.essential,
             "recipient_count": a.recipient_count, "created_at": a.created_at.isoformat()}
            for a, slug in written
        ],
        "announcements_addressed_to_me": [
            {"id": a.id, "tribe": slug, "title": a.title, "meetup_id": a.meetup_id,
             "created_at": a.created_at.isoformat()}
            for a, slug in received
        ],
    }
