"""What the meetups feature stores about a user, for the account export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tribes.accounts.models import User
from tribes.meetups.models import CalendarToken, Meetup, Rsvp
from tribes.meetups.questions import questions_of

#: tables holding personal data of this feature
TABLES = {"meetups", "rsvps", "calendar_tokens", "meetup_questions", "meetup_series", "meetup_series_rsvps"}


def export_user(session: Session, user: User) -> dict[str, Any]:
    """Meetups the user created, their RSVPs and whether a private feed exists."""
    created = session.scalars(
        select(Meetup).where(Meetup.created_by_id == user.id).order_by(Meetup.created_at, Meetup.id).options(selectinload(Meetup.tribe))
    ).all()
    rsvps = session.execute(
        select(Rsvp, Meetup)
        .join(Meetup, Meetup.id == Rsvp.meetup_id)
        .where(Rsvp.user_id == user.id)
        .order_by(Rsvp.created_at, Rsvp.id)
    ).all()
    asked = questions_of(session, {m.id for _r, m in rsvps})
    token = session.scalar(select(CalendarToken).where(CalendarToken.user_id == user.id))
    return {
        "meetups_created": [
            {
                "id": m.id,
                "tribe": m.tribe.slug,
                "title": m.title,
                "description": m.description,
                "starts_at": m.starts_at.isoformat(),
                "ends_at": m.ends_at.isoformat(),
                "timezone": m.timezone,
                "location": m.location,
                "online_url": m.online_url,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
            }
            for m in created
        ],
        "rsvps": [
            {
                "meetup_id": m.id,
                "meetup_title": m.title,
                "starts_at": m.starts_at.isoformat(),
                "status": r.status,
                "guests": r.guests,
                "answers": [{"question_id": q.id, "question": q.text, "answer": str((r.answers or {})[str(q.id)])}
                            for q in asked.get(m.id, []) if str(q.id) in (r.answers or {})],
                "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r, m in rsvps
        ],
        "calendar_feed": {"created_at": token.created_at.isoformat()} if token else None,
        **export_series(session, user),
    }


def export_series(session: Session, user: User) -> dict[str, Any]:
    """Series the user organises and their standing answers to series."""
    from tribes.meetups.series_models import MeetupSeries, SeriesRsvp

    organised = session.scalars(select(MeetupSeries).where(MeetupSeries.organiser_id == user.id)
                                .order_by(MeetupSeries.created_at, MeetupSeries.id)).all()
    answers = session.execute(
        select(SeriesRsvp, MeetupSeries).join(MeetupSeries, MeetupSeries.id == SeriesRsvp.series_id)
        .where(SeriesRsvp.user_id == user.id).order_by(SeriesRsvp.created_at, SeriesRsvp.id)
    ).all()
    return {
        "series_organised": [{"id": s.id, "title": s.title, "rrule": s.rrule, "timezone": s.timezone,
                              "status": s.status, "created_at": s.created_at.isoformat()} for s in organised],
        "series_answers": [{"series_id": s.id, "title": s.title, "status": a.status,
                            "updated_at": a.updated_at.isoformat()} for a, s in answers],
    }
