"""What a notification says: one sentence in the recipient's language, and the page it is about.

Rendered when it is read (so the API and the page follow `me.locale` and `me.timezone`, and a
tribe's name follows what the reader may see now), and once for the live push in the
recipient's language. A secret tribe is named only to its members (and to the person a
still valid targeted invite names); anyone else reads "a tribe", and its content (meet-up
titles) stays hidden too. Every lookup is batched: a page of notifications costs at most
three queries, however long it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from flask import current_app
from flask import url_for as flask_url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.groups.models import Invite, Membership, Tribe
from tribes.i18n import LOCALES, _
from tribes.notifications import kinds
from tribes.notifications.models import Notification


def url_for(endpoint: str, **values: Any) -> str:
    """A path on this site, also outside a request (live pushes from background jobs)."""
    try:
        return flask_url_for(endpoint, **values)
    except RuntimeError:
        return current_app.url_map.bind("localhost").build(endpoint, values)


@dataclass
class Reader:
    """Who reads the notifications: their id, language and time zone."""

    user_id: int
    locale: str = "en"
    timezone: str = "UTC"

    @classmethod
    def of(cls, user: Any) -> Reader:
        locale = getattr(user, "locale", None)
        return cls(user.id, locale if locale in LOCALES else LOCALES[0], getattr(user, "timezone", None) or "UTC")


@dataclass
class _Known:
    """What the batch lookups found: tribes by slug and id, my memberships, invites."""

    by_slug: dict[str, Tribe] = field(default_factory=dict)
    by_id: dict[int, Tribe] = field(default_factory=dict)
    member_of: set[int] = field(default_factory=set)
    invites: dict[int, Invite] = field(default_factory=dict)


def tribe_slug(data: dict[str, Any]) -> str | None:
    """The slug of the tribe a notification's data names (a string or `{slug, name}`)."""
    tribe = data.get("tribe")
    if isinstance(tribe, dict):
        return tribe.get("slug")
    return tribe if isinstance(tribe, str) else None


def _lookup(session: Session, notifications: Sequence[Notification], reader_ids: set[int]) -> dict[int, _Known]:
    """Tribes, invites and the readers' memberships the notifications name: at most three
    queries, however many notifications and readers."""
    known = {uid: _Known() for uid in reader_ids}
    slugs = {s for n in notifications if (s := tribe_slug(n.data or {}))}
    invite_ids = {int(i) for n in notifications if n.kind == kinds.TRIBE_INVITE and (i := (n.data or {}).get("invite_id"))}
    invites: dict[int, Invite] = {}
    if invite_ids:
        invites = {i.id: i for i in session.scalars(select(Invite).where(Invite.id.in_(invite_ids)))}
    tribe_ids = {i.tribe_id for i in invites.values()}
    by_slug: dict[str, Tribe] = {}
    by_id: dict[int, Tribe] = {}
    if slugs or tribe_ids:
        for tribe in session.scalars(select(Tribe).where(Tribe.slug.in_(slugs) | Tribe.id.in_(tribe_ids))):
            by_slug[tribe.slug], by_id[tribe.id] = tribe, tribe
    if by_id:
        for tribe_id, user_id in session.execute(
            select(Membership.tribe_id, Membership.user_id)
            .where(Membership.tribe_id.in_(by_id), Membership.user_id.in_(reader_ids))
        ).tuples():
            known[user_id].member_of.add(tribe_id)
    for entry in known.values():
        entry.by_slug, entry.by_id, entry.invites = by_slug, by_id, invites
    return known


class _Sentence:
    """Builds one notification's sentence and link from what the reader may see."""

    def __init__(self, n: Notification, known: _Known, reader: Reader) -> None:
        self.n, self.data, self.known, self.reader = n, n.data or {}, known, reader
        self.tribe: Tribe | None = None
        if n.kind == kinds.TRIBE_INVITE:
            invite = known.invites.get(int(self.data.get("invite_id") or 0))
            if invite is not None:
                self.tribe = known.by_id.get(invite.tribe_id)
            self.may_name = invite is not None and invite.for_user_id == reader.user_id and invite.revoked_at is None
        else:
            slug = tribe_slug(self.data)
            self.tribe = known.by_slug.get(slug) if slug else None
            self.may_name = False
        self.member = self.tribe is not None and self.tribe.id in known.member_of

    @property
    def tribe_name(self) -> str:
        if self.tribe is not None and (self.member or self.may_name or self.tribe.visibility == "listed"):
            return self.tribe.name
        return _("a tribe")

    def person(self, key: str) -> str:
        who = self.data.get(key)
        name = who.get("display_name") if isinstance(who, dict) else None
        return str(name) if name else _("Someone")

    def when(self, key: str = "starts_at") -> str:
        raw = self.data.get(key)
        if not raw:
            return ""
        try:
            moment = datetime.fromisoformat(str(raw))
        except ValueError:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        try:
            zone = ZoneInfo(self.reader.timezone)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        locale = self.reader.locale
        date = format_skeleton("MMMEd", moment, tzinfo=zone, locale=locale)
        return f"{date}, {format_time(moment, 'short', tzinfo=zone, locale=locale)}"

    def meetup_title(self) -> str:
        if self.member and self.data.get("title"):
            return str(self.data["title"])
        return _("a meet-up")

    def tribe_url(self) -> str | None:
        return url_for("groups_pages.tribe_home", slug=self.tribe.slug) if self.tribe and self.member else None

    def meetup_url(self) -> str | None:
        if self.member and self.data.get("meetup_id"):
            return url_for("meetups_pages.meetup_page", meetup_id=int(self.data["meetup_id"]))
        return None

    def render(self) -> tuple[str, str | None]:  # noqa: C901 - one branch per kind
        kind, d = self.n.kind, self.data
        tribe = self.tribe_name
        if kind == kinds.CONTACT_REQUEST:
            return (_("%(name)s would like to be your contact.", name=self.person("from")),
                    url_for("contacts_pages.index"))
        if kind == kinds.CONTACT_ACCEPTED:
            who = d.get("user") or {}
            url = url_for("contacts_pages.profile", user_id=int(who["id"])) if who.get("id") else None
            return _("%(name)s accepted your contact request.", name=self.person("user")), url
        if kind == kinds.TRIBE_INVITE:
            return (_("%(name)s invited you to %(tribe)s.", name=self.person("invited_by"), tribe=tribe),
                    self.tribe_url())
        if kind == kinds.MENTION:
            url = self.tribe_url()
            if url and d.get("message_id"):
                url += f"#message-{int(d['message_id'])}"
            return _("%(name)s mentioned you in %(tribe)s.", name=self.person("by"), tribe=tribe), url
        if kind == kinds.MUTED:
            return (_("You were muted in %(tribe)s until %(time)s.", tribe=tribe, time=self.when("until")),
                    self.tribe_url())
        if kind == kinds.MEETUP_CREATED:
            if isinstance(d.get("by"), dict):
                return (_("%(name)s scheduled '%(title)s' in %(tribe)s for %(time)s.", name=self.person("by"),
                          title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
            return (_("'%(title)s' was scheduled in %(tribe)s for %(time)s.",
                      title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
        if kind == kinds.MEETUP_CHANGED:
            changed = d.get("changed") or []
            named = isinstance(d.get("by"), dict)
            if "starts_at" in changed and named:
                text = _("%(name)s moved '%(title)s' in %(tribe)s to %(time)s.", name=self.person("by"),
                         title=self.meetup_title(), tribe=tribe, time=self.when())
            elif "starts_at" in changed:
                text = _("'%(title)s' in %(tribe)s was moved to %(time)s.",
                         title=self.meetup_title(), tribe=tribe, time=self.when())
            elif named:
                text = _("%(name)s changed the time or place of '%(title)s' in %(tribe)s.", name=self.person("by"),
                         title=self.meetup_title(), tribe=tribe)
            else:
                text = _("The time or place of '%(title)s' in %(tribe)s changed.", title=self.meetup_title(), tribe=tribe)
            return text, self.meetup_url()
        if kind == kinds.MEETUP_CANCELLED:
            if isinstance(d.get("by"), dict):
                return (_("%(name)s cancelled '%(title)s' in %(tribe)s on %(time)s.", name=self.person("by"),
                          title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
            return (_("'%(title)s' in %(tribe)s on %(time)s was cancelled.",
                      title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
        if kind == kinds.MEETUP_PROMOTED:
            return (_("A seat became free: you are going to '%(title)s' in %(tribe)s on %(time)s.",
                      title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
        if kind == kinds.MEETUP_REMINDER:
            return (_("Reminder: '%(title)s' in %(tribe)s starts %(time)s.",
                      title=self.meetup_title(), tribe=tribe, time=self.when()), self.meetup_url())
        if kind == kinds.REPORT_FILED:
            url = url_for("moderation_pages.queue", slug=self.tribe.slug) if self.tribe and self.member else None
            if d.get("automatic"):
                return _("The automatic check flagged content in %(tribe)s for review.", tribe=tribe), url
            return _("Someone reported content in %(tribe)s.", tribe=tribe), url
        if kind == kinds.REPORT_HANDLED:
            return _("A moderator of %(tribe)s handled your report.", tribe=tribe), self.tribe_url()
        if kind == kinds.JOIN_REQUEST:
            url = url_for("joining_pages.queue", slug=self.tribe.slug) if self.tribe and self.member else None
            return _("%(name)s asks to join %(tribe)s.", name=self.person("user"), tribe=tribe), url
        if kind == kinds.JOIN_ACCEPTED:
            return _("Welcome: your request to join %(tribe)s was accepted.", tribe=tribe), self.tribe_url()
        if kind == kinds.SERIES_ORPHANED:
            url = (url_for("series_pages.series_page", series_id=int(d["series_id"]))
                   if self.member and d.get("series_id") else None)
            return (_("The meet-up series '%(title)s' in %(tribe)s has no organiser any more and makes no new "
                      "meet-ups; an organiser can adopt it.", title=self.meetup_title(), tribe=tribe), url)
        if kind == kinds.DIRECT_MESSAGE:   # who wrote, never what: the message stays in the app
            url = (url_for("chat_pages.conversation", conversation_id=int(d["conversation_id"]))
                   if d.get("conversation_id") else url_for("chat_pages.inbox"))
            return _("%(name)s wrote you a direct message.", name=self.person("from")), url
        if kind == kinds.ANNOUNCEMENT:
            url = None
            if self.tribe is not None and self.member and d.get("announcement_id"):
                url = url_for("announcements_pages.tribe_announcements", slug=self.tribe.slug)
                url += f"#announcement-{int(d['announcement_id'])}"
            if self.member and d.get("title"):
                return (_("%(name)s in %(tribe)s: %(title)s", name=self.person("by"), tribe=tribe,
                          title=str(d["title"])), url)
            return _("There is an announcement in %(tribe)s.", tribe=tribe), url
        return str(d.get("text") or d.get("title") or kind.replace("_", " ")), None


def describe(session: Session, notifications: Sequence[Notification], reader: Reader) -> list[tuple[str, str | None]]:
    """(text, url) of each notification, in the reader's language and time zone."""
    return describe_many(session, [(reader, notifications)])[0]


def describe_many(
    session: Session, batches: Sequence[tuple[Reader, Sequence[Notification]]]
) -> list[list[tuple[str, str | None]]]:
    """(text, url) of each reader's notifications, in that reader's language and time zone;
    the lookups are shared (at most three queries for all readers together)."""
    everything = [n for _reader, items in batches for n in items]
    if not everything:
        return [[] for _ in batches]
    known = _lookup(session, everything, {reader.user_id for reader, _items in batches})
    results: list[list[tuple[str, str | None]]] = []
    for reader, items in batches:
        with force_locale(reader.locale):
            results.append([_Sentence(n, known[reader.user_id], reader).render() for n in items])
    return results
