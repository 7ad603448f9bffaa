"""The attendee list as CSV for organisers: the going list, then the waitlist in its order.

Columns: name, status, guests, one per question (its text), checked in. A person appears as
their public card shows them to the tribe (the display name; e-mail addresses, bios and
avatars are never on it). Every cell that a spreadsheet would read as a formula (starting
with = + - @, a tab or a carriage return) gets a leading apostrophe. UTF-8 with a byte-order
mark, so spreadsheet programs read umlauts right.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.i18n import _
from tribes.meetups import questions
from tribes.meetups.models import Meetup, Rsvp

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows(session: Session, meetup: Meetup) -> list[list[str]]:
    """The header and one row per going or waitlisted person."""
    asked = questions.questions_of(session, [meetup.id])[meetup.id]
    header = [_("Name"), _("Status"), _("Guests"), *[q.text for q in asked], _("Checked in")]
    queued = func.coalesce(Rsvp.waitlisted_at, Rsvp.created_at)
    stmt = (select(User.display_name, Rsvp.status, Rsvp.guests, Rsvp.answers, Rsvp.checked_in_at)
            .join(User, User.id == Rsvp.user_id)
            .where(Rsvp.meetup_id == meetup.id, Rsvp.status.in_(("going", "waitlisted")))
            .order_by(Rsvp.status, queued, Rsvp.created_at, Rsvp.id))
    status = {"going": _("going"), "waitlisted": _("waitlist")}
    yes, no = _("yes"), _("no")
    keys = [str(q.id) for q in asked]
    out = [header]
    for name, state, guests, stored, checked_in_at in session.execute(stmt):
        answers = stored or {}
        out.append([name, status.get(state, state), str(guests), *[str(answers.get(k, "")) for k in keys],
                    yes if checked_in_at is not None else no])
    return [[cell(v) for v in row] for row in out]


def build(session: Session, meetup: Meetup) -> str:
    """The CSV text (with a byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows(session, meetup))
    return "\ufeff" + buffer.getvalue()
