"""The digest mail in its reader's language and time zone: plain text and simple HTML."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from flask_babel import force_locale, ngettext

from tribes.accounts.models import User
from tribes.digest.gather import Activity
from tribes.i18n import LOCALES, _
from tribes.mail.links import base_url
from tribes.notifications import letters
from tribes.notifications.texts import url_for

#: the outbox kind (and the unsubscribe kind) of digest mails
MAIL_KIND = "digest"


def _zone(user: User) -> ZoneInfo:
    """The reader's time zone (UTC when unknown)."""
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=4096)
def _link(base: str, endpoint: str, key: str, value: int | str) -> str:
    """An absolute link to a page (the same few tribe and meet-up pages recur in every digest)."""
    return letters.absolute(url_for(endpoint, **{key: value}))


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, zone: str, locale: str) -> str:
    """A meet-up's start in one reader's zone and language (shared by every reader alike)."""
    tz = ZoneInfo(zone)
    return (f"{format_skeleton('MMMEd', starts_at, tzinfo=tz, locale=locale)}, "
            f"{format_time(starts_at, 'short', tzinfo=tz, locale=locale)}")


def compose(user: User, activity: Activity, weekly: bool) -> tuple[str, list[str]]:
    """Subject and paragraphs of one person's digest (the caller adds nothing but the footer)."""
    locale = user.locale if user.locale in LOCALES else LOCALES[0]
    base, zone = base_url(), _zone(user)
    with force_locale(locale):
        subject = _("Your weekly Tribes digest") if weekly else _("Your Tribes digest")
        paragraphs = [_("Hello %(name)s, here is what is new for you on Tribes.", name=user.display_name)]
        if activity.notices:
            lines = [_("Notifications:")]
            lines += [f"- {text}" + (f"\n  {letters.absolute(url)}" if url else "") for text, url in activity.notices]
            paragraphs.append("\n".join(lines))
        if activity.chats:
            lines = [_("Unread messages:")]
            for tribe, count in activity.chats:
                lines.append("- " + ngettext("%(tribe)s: %(num)d new message", "%(tribe)s: %(num)d new messages",
                                             count, tribe=tribe.name))
                lines.append(f"  {_link(base, 'groups_pages.tribe_home', 'slug', tribe.slug)}")
            paragraphs.append("\n".join(lines))
        if activity.meetups:
            lines = [_("New meet-ups:")]
            for meetup, tribe in activity.meetups:
                when = _when(meetup.starts_at, zone.key, locale)
                lines.append("- " + _("%(title)s in %(tribe)s, %(time)s", title=meetup.title, tribe=tribe.name,
                                      time=when))
                lines.append(f"  {_link(base, 'meetups_pages.meetup_page', 'meetup_id', meetup.id)}")
            paragraphs.append("\n".join(lines))
        if activity.discreet:
            paragraphs.append(_("New activity in one of your tribes.") + f"\n{base}/notifications")
        reason = (_("You get this mail because your weekly digest is on.") if weekly
                  else _("You get this mail because your daily digest is on."))
        paragraphs += letters.footer(reason, user.id, MAIL_KIND)
    return subject, paragraphs
