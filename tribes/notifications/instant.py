"""Instant notification mail, queued in the transaction that stores the notifications.

Called just before the commit with every pending notification already put into its
recipient's words. A recipient gets a mail when their address is verified, their account is
not suspended and `mail_mode` (kind, then the tribe's volume) says "instant". The lookups are
shared by the whole batch: a notification to fifty members costs the same few queries as
one to a single member, plus one INSERT of the mails and one UPDATE marking them mailed.

Coalescing, for the kinds that come in bursts from chat (`COALESCED_KINDS`: mentions): at
most one instant mail per person, kind and tribe in `COALESCE` (10 minutes). What comes
meanwhile (a mention storm) is not mailed now; it stays unmailed, so the next digest gathers
it unless it was read in the app first. Other kinds are never held back (each meet-up change
carries the calendar's current version).

Discreet tribes (`Tribe.mails_discreetly`): the mail names no tribe, person or content, links
only to /notifications (a tribe's address contains its slug), and no feature extras
(`.ics`, RSVP links) are asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.groups.models import Tribe
from tribes.i18n import LOCALES, _
from tribes.mail.links import base_url
from tribes.mail.outbox import queue
from tribes.notifications import letters, preferences, unsubscribe
from tribes.notifications.kinds import BY_NAME, ESSENTIAL_KINDS
from tribes.notifications.mailing import extras_for, prepared
from tribes.notifications.models import Notification

if TYPE_CHECKING:
    from tribes.accounts.models import User
    from tribes.notifications.schemas import NotificationOut

#: at most one instant mail per (person, kind, tribe) in this window; the rest waits for the digest
COALESCE = timedelta(minutes=10)
#: kinds that come in bursts and are coalesced (the others are mailed every time)
COALESCED_KINDS = frozenset({"mention"})
#: the outbox kind of notification mails
MAIL_KIND = "notification"


def may_mail(user: User) -> bool:
    """Whether notification mail may go to this account at all (verified address, not suspended)."""
    return bool(user.email_verified) and user.suspended_at is None


def _recently_mailed(session: Session, user_ids: set[int]) -> set[tuple[int, str, int | None]]:
    """(person, kind, tribe) that had an instant mail within the coalescing window."""
    if not user_ids:
        return set()
    since = utcnow() - COALESCE
    return set(session.execute(
        select(Notification.user_id, Notification.kind, Notification.tribe_id).distinct()
        .where(Notification.user_id.in_(user_ids), Notification.mailed_at >= since)
    ).tuples())


def _essential(notification: Notification) -> bool:
    """An essential announcement (a meetup's practical change): mailed even when its kind is off."""
    return notification.kind in ESSENTIAL_KINDS and bool((notification.data or {}).get("essential"))


def _wanted_instantly(
    session: Session, candidates: list[tuple[User, Notification, NotificationOut]]
) -> list[tuple[User, Notification, NotificationOut]]:
    """The candidates whose mail mode is "instant": their choice for the kind and the tribe's volume;
    an essential one is instant whatever the kind's mode, as a personal kind (only "none" silences it)."""
    modes = preferences.mail_modes(session, {(u.id, n.kind, n.tribe_id) for u, n, _o in candidates
                                             if not _essential(n)})
    volumes = preferences.volumes_of(session, {(u.id, n.tribe_id) for u, n, _o in candidates
                                               if _essential(n) and n.tribe_id is not None})
    wanted = []
    for user, notification, out in candidates:
        if _essential(notification):
            volume = volumes.get((user.id, notification.tribe_id)) if notification.tribe_id is not None else None
            mode = preferences.with_volume(True, "instant", volume)
        else:
            mode = modes[(user.id, notification.kind, notification.tribe_id)]
        if mode == "instant":
            wanted.append((user, notification, out))
    return wanted


def mail_instantly(
    session: Session, users: dict[int, User], pending: dict[int, list[tuple[Notification, NotificationOut]]]
) -> int:
    """Queue the instant mails of the pending notifications; returns how many were queued."""
    candidates = [(users[uid], n, out) for uid, items in pending.items() if uid in users and may_mail(users[uid])
                  for n, out in items]
    if not candidates:
        return 0
    candidates = _wanted_instantly(session, candidates)
    if not candidates:
        return 0
    taken = _recently_mailed(session, {u.id for u, _n, _o in candidates})
    tribe_ids = {n.tribe_id for _u, n, _o in candidates if n.tribe_id is not None}
    tribes = {t.id: t for t in session.scalars(select(Tribe).where(Tribe.id.in_(tribe_ids)))} if tribe_ids else {}
    mailed: list[int] = []
    # no autoflush: the mails queued so far go in one INSERT at the end, not one per extras query
    with session.no_autoflush, prepared(session, [(n, u) for u, n, _o in candidates]):
        for user, notification, out in candidates:
            key = (user.id, notification.kind, notification.tribe_id)
            if notification.kind in COALESCED_KINDS:
                if key in taken:
                    continue
                taken.add(key)
            tribe = tribes.get(notification.tribe_id) if notification.tribe_id is not None else None
            discreet = tribe is not None and tribe.mails_discreetly
            _queue_one(session, user, notification, out, discreet)
            mailed.append(notification.id)
    session.flush()
    if mailed:
        session.execute(update(Notification).where(Notification.id.in_(mailed))
                        .values(mailed_at=utcnow()).execution_options(synchronize_session=False))
    return len(mailed)


def _queue_one(session: Session, user: User, notification: Notification, out: NotificationOut, discreet: bool) -> None:
    """Build one person's mail in their language and queue it (flushed with the others)."""
    locale = user.locale if user.locale in LOCALES else LOCALES[0]
    with force_locale(locale):
        label = str(BY_NAME[notification.kind].label)
        attachments: Sequence[tuple[str, str, bytes | str]] = ()
        if discreet:
            subject = _("There is new activity in one of your tribes")
            inbox = base_url() + "/notifications"
            paragraphs = [subject + ".", _("See it on Tribes: %(link)s", link=inbox)]
            reason = _("You get this mail because you chose to hear right away about one kind of news, "
                       "and this tribe mails discreetly.")
        else:
            subject = out.text
            link = letters.absolute(out.url or "/notifications")
            paragraphs = [out.text, _("Open it on Tribes: %(link)s", link=link)]
            extras = extras_for(session, notification, user)
            paragraphs += extras.paragraphs
            attachments = extras.attachments
            reason = _("You get this mail because you chose to hear right away: %(kind)s.", kind=label)
        paragraphs += letters.footer(reason, user.id, notification.kind)
        queue(
            session, to=user.email, subject=subject, text=letters.text_of(paragraphs),
            html=letters.html_of(subject, paragraphs), kind=MAIL_KIND, user_id=user.id,
            headers=unsubscribe.headers(user.id, notification.kind), attachments=attachments, flush=False,
        )
