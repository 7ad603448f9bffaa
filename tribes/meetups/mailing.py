"""What a meet-up notification adds to its mail: when and where (in the reader's time zone
and language), one-click RSVP links, and the meet-up as `meetup.ics`.

The calendar file speaks iTIP (RFC 5546), so mail clients (Apple Mail/Calendar, Gmail and
Google Calendar, Outlook, Thunderbird) match it to the event already in the calendar by
UID and take the higher SEQUENCE as the newer version:

- `meetup_changed`, `meetup_reminder`, `meetup_promoted` go to people who answered going (or
  wait for a seat): METHOD:REQUEST, so the event in their calendar is added or updated in
  place rather than imported a second time. REQUEST requires ORGANIZER and ATTENDEE: the
  organiser is the site's sender address (TRIBES_MAIL_FROM, named after the tribe) and the
  one attendee is the reader, with PARTSTAT from their answer in Tribes and RSVP=FALSE (no
  reply is expected: a calendar that answers anyway mails the site's sender, which reads
  nothing; the mail says to answer with its links).
- `meetup_cancelled`: METHOD:CANCEL with STATUS:CANCELLED (same UID, the raised SEQUENCE),
  the one method that makes Outlook and Gmail drop the event, not just mark it.
- `meetup_created` goes to the whole tribe, most of whom have not answered: METHOD:PUBLISH
  (ORGANIZER, no ATTENDEE), an offer to add the event, so calendars that add invitations
  on their own do not fill up with every meet-up of every tribe.

Never called for a discreet tribe (the notification mail leaves extras out there), and
nothing is added for a reader who is no longer a member.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from icalendar import Event, vCalAddress
from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.db import utcnow
from tribes.errors import NotFound
from tribes.groups import policy
from tribes.groups.models import Membership
from tribes.i18n import _, current_locale
from tribes.mail.links import base_url
from tribes.mail.outbox import mail_from
from tribes.meetups import ical, online, rsvp_links
from tribes.meetups.models import Meetup, Rsvp
from tribes.meetups.service import my_rsvp
from tribes.meetups.times import spoken
from tribes.notifications import kinds
from tribes.notifications.mailing import EXTRAS_CACHE, MailExtras, register_extras
from tribes.notifications.models import Notification
from tribes.notifications.texts import url_for

#: the iTIP method of each kind's calendar file (a cancelled meet-up's is always CANCEL)
METHODS = {
    kinds.MEETUP_CREATED: "PUBLISH",
    kinds.MEETUP_CHANGED: "REQUEST",
    kinds.MEETUP_REMINDER: "REQUEST",
    kinds.MEETUP_PROMOTED: "REQUEST",
    kinds.MEETUP_CANCELLED: "CANCEL",
}
#: the RSVP links each kind's mail carries (while the meet-up is scheduled and not begun)
LINKS = {
    kinds.MEETUP_CREATED: ("going", "not_going"),
    kinds.MEETUP_CHANGED: ("going", "not_going"),
    kinds.MEETUP_REMINDER: ("going", "not_going"),
    kinds.MEETUP_PROMOTED: ("not_going",),
    kinds.MEETUP_CANCELLED: (),
}
PARTSTAT = {"going": "ACCEPTED", "not_going": "DECLINED", "maybe": "TENTATIVE"}


def _facts(meetup: Meetup, user: User, show_online: bool = False) -> str:
    """Title, time (the reader's zone and language), place (the online link only for a reader
    who is going or organises)."""
    lines = [meetup.title, _("When: %(time)s", time=spoken(meetup.starts_at, meetup.ends_at,
                                                           user.timezone or "UTC", current_locale()))]
    if meetup.location:
        lines.append(_("Where: %(place)s", place=meetup.location))
    if meetup.online_url and show_online:
        lines.append(_("Online: %(url)s", url=meetup.online_url))
    return "\n".join(lines)


def _answer_so_far(rsvp: Rsvp | None) -> str:
    status = rsvp.status if rsvp is not None else None
    if status == "going":
        return _("Your answer so far: going.")
    if status == "waitlisted":
        return _("Your answer so far: on the waitlist.")
    if status == "maybe":
        return _("Your answer so far: maybe.")
    if status == "not_going":
        return _("Your answer so far: not going.")
    return _("You have not answered yet.")


def _links(kind: str, meetup: Meetup, user: User, rsvp: Rsvp | None) -> list[str]:
    """The paragraphs with the RSVP links of the kind (none once cancelled or begun)."""
    answers = LINKS.get(kind, ())
    if not answers or meetup.status != "scheduled" or meetup.starts_at <= utcnow():
        return []
    if kind == kinds.MEETUP_PROMOTED:
        return [_("A seat came free: you are going."),
                _("Can't come after all? Give your seat back, and the next person on the waitlist gets it:\n%(url)s",
                  url=rsvp_links.link_url(user.id, meetup.id, "not_going")),
                _("This link answers for you only and works until the meetup starts; please do not forward this mail.")]
    going = rsvp_links.link_url(user.id, meetup.id, "going")
    not_going = rsvp_links.link_url(user.id, meetup.id, "not_going")
    paragraphs = [] if kind == kinds.MEETUP_CREATED else [_answer_so_far(rsvp)]
    paragraphs += [
        _("Answer with one click, no login needed:\nI am going: %(going)s\nI am not going: %(not_going)s",
          going=going, not_going=not_going),
        _("These links answer for you only and work until the meetup starts; please do not forward this mail."),
    ]
    return paragraphs


def _people(meetup: Meetup, user: User, method: str, rsvp: Rsvp | None) -> Any:
    """Adds ORGANIZER (the site's sender, named after the tribe) and, but for PUBLISH, the reader as ATTENDEE."""
    sender = parseaddr(mail_from())[1] or "tribes@localhost"

    def add(_meetup: Meetup, event: Event) -> None:
        organizer = vCalAddress(f"mailto:{sender}")
        organizer.params["CN"] = meetup.tribe.name
        event.add("organizer", organizer)
        if method != "PUBLISH":
            attendee = vCalAddress(f"mailto:{user.email}")
            attendee.params["CN"] = user.display_name
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["PARTSTAT"] = PARTSTAT.get(rsvp.status if rsvp else "", "NEEDS-ACTION")
            attendee.params["RSVP"] = "FALSE"
            event.add("attendee", attendee)

    return add


def calendar_file(
    meetup: Meetup, user: User, kind: str, rsvp: Rsvp | None, show_online: bool = False
) -> tuple[str, str, bytes]:
    """The meet-up as an iTIP attachment for the reader: (filename, content type, bytes)."""
    method = "CANCEL" if meetup.status == "cancelled" else METHODS.get(kind, "PUBLISH")
    page = base_url() + url_for("meetups_pages.meetup_page", meetup_id=meetup.id)
    data = ical.calendar([meetup], lambda _m: page, method=method, people=_people(meetup, user, method, rsvp),
                         online={meetup.id} if show_online else ())
    return "meetup.ics", f"text/calendar; method={method}; charset=utf-8", data


#: what `prepare` loads per meetup: (meetup, role by member, RSVP by member, the recipients asked for)
_Facts = tuple[Meetup, dict[int, str], dict[int, Rsvp], frozenset[int]]


def prepare(session: Session, pairs: list[tuple[Notification, User]], cache: dict[str, Any]) -> None:
    """For many recipients of meet-up mails at once: each meetup, who of them is a member (and
    their role) and their RSVPs — three queries per meetup, however many recipients."""
    wanted: dict[int, set[int]] = {}
    for notification, user in pairs:
        meetup_id = (notification.data or {}).get("meetup_id")
        if isinstance(meetup_id, int):
            wanted.setdefault(meetup_id, set()).add(user.id)
    facts: dict[int, _Facts] = cache.setdefault(__name__, {})
    for meetup_id, user_ids in wanted.items():
        meetup = session.get(Meetup, meetup_id)
        if meetup is None:
            continue
        roles = {uid: role for uid, role in session.execute(
            select(Membership.user_id, Membership.role)
            .where(policy.member_of(meetup.tribe_id, Membership.user_id), Membership.user_id.in_(user_ids)))}
        rsvps = {r.user_id: r for r in session.scalars(
            select(Rsvp).where(Rsvp.meetup_id == meetup_id, Rsvp.user_id.in_(user_ids)))}
        facts[meetup_id] = (meetup, roles, rsvps, frozenset(user_ids))


def _known(session: Session, meetup_id: int, user_id: int) -> _Facts | None:
    facts = session.info.get(EXTRAS_CACHE, {}).get(__name__, {}).get(meetup_id)
    return facts if facts is not None and user_id in facts[3] else None


def build_extras(session: Session, notification: Notification, user: User) -> MailExtras | None:
    """The extras of a meet-up notification's mail for its recipient (None: not a member any more)."""
    meetup_id = (notification.data or {}).get("meetup_id")
    if not isinstance(meetup_id, int):
        return None
    known = _known(session, meetup_id, user.id)
    if known is not None:  # loaded for the whole batch by `prepare`
        meetup, roles, rsvps, _asked = known
        if user.id not in roles:
            return None
        rsvp = rsvps.get(user.id)
        show_online = online.reads_link(roles[user.id], rsvp.status if rsvp is not None else None)
    else:
        try:
            meetup = policy.get_as_member(session, Meetup, meetup_id, user.id)[0]
        except NotFound:
            return None
        rsvp = my_rsvp(session, meetup.id, user.id)
        show_online = meetup.id in online.readers_of_link(session, [meetup], user.id)
    paragraphs = [_facts(meetup, user, show_online)]
    if meetup.status == "cancelled":
        if meetup.cancel_reason:
            paragraphs.append(_("Reason: %(reason)s", reason=meetup.cancel_reason))
        paragraphs.append(_("The attached calendar file removes the meetup from your calendar."))
    else:
        paragraphs += _links(notification.kind, meetup, user, rsvp)
        paragraphs.append(_("The attached calendar file adds the meetup to your calendar or updates it there."))
    return MailExtras(paragraphs=paragraphs,
                      attachments=[calendar_file(meetup, user, notification.kind, rsvp, show_online)])


def register() -> None:
    """Register the extras for every meet-up notification kind."""
    for kind in METHODS:
        register_extras(kind, build_extras, prepare)
