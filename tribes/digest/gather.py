"""What a digest holds for each person: unmailed notifications, unread chat and new meet-ups.

Gathered for a chunk of people at once: a fixed number of queries per chunk (settings,
memberships, marks, notifications, their texts), and the tribes' recent messages and
upcoming meet-ups are read once per run and shared by every member of the tribe (chat
counts are found by bisection, so a tribe of 5,000 members costs one read of its messages).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tribes.accounts.models import User
from tribes.chat.models import Message
from tribes.digest.models import DigestMark
from tribes.groups.models import Membership, Tribe
from tribes.meetups.models import Meetup
from tribes.notifications import preferences
from tribes.notifications.kinds import BY_NAME
from tribes.notifications.models import Notification
from tribes.notifications.texts import Reader, describe_many

#: the furthest back a digest looks for chat and meet-ups (a weekly digest's week)
WINDOW = timedelta(days=7)
#: unread notifications older than this are left to the app
NOTIFICATION_AGE = timedelta(days=30)
#: the notification kind announcing a new meet-up: a meet-up a person was told about that way
#: is not listed again under "New meet-ups"
MEETUP_CREATED = "meetup_created"


@dataclass
class Activity:
    """One person's digest before it is written: each part already filtered by their settings."""

    #: (text, url) of unmailed notifications of tribes that may be named
    notices: list[tuple[str, str | None]] = field(default_factory=list)
    #: something happened in a discreet tribe (one line, no names or counts)
    discreet: bool = False
    #: (tribe, unread messages since the last digest)
    chats: list[tuple[Tribe, int]] = field(default_factory=list)
    #: upcoming meet-ups created since the last digest, with their tribe
    meetups: list[tuple[Meetup, Tribe]] = field(default_factory=list)
    #: notifications this digest mails (never mailed again)
    mailed: list[int] = field(default_factory=list)
    #: tribe id → the newest message id counted
    marks: dict[int, int] = field(default_factory=dict)
    #: the person gets a digest at all: some kind of news is set to "digest"
    on: bool = True

    @property
    def empty(self) -> bool:
        """Nothing new: no digest is sent."""
        return not (self.notices or self.discreet or self.chats or self.meetups)


class _Chat:
    """A tribe's live messages in the window, sorted by id, for counting by bisection."""

    def __init__(self, rows: Sequence[tuple[int, int | None, datetime]]) -> None:
        self.ids = [r[0] for r in rows]
        self.times = [r[2] for r in rows]
        self.by_author: dict[int | None, list[int]] = {}
        for message_id, author_id, _at in rows:
            self.by_author.setdefault(author_id, []).append(message_id)

    def unread(self, user_id: int, after_id: int, since: datetime) -> int:
        """Messages after `after_id` and `since`, the person's own left out."""
        start = max(bisect_right(self.ids, after_id), bisect_right(self.times, since))
        if start >= len(self.ids):
            return 0
        own = self.by_author.get(user_id, [])
        first = self.ids[start - 1] if start else 0
        return len(self.ids) - start - (len(own) - bisect_right(own, first))


class Gatherer:
    """Gathers digests chunk after chunk within one run, caching what tribes share."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now, self.floor = session, now, now - WINDOW
        self.tribes: dict[int, Tribe] = {}
        self.chats: dict[int, _Chat] = {}
        self.meetups: dict[int, list[Meetup]] = {}

    def _load_tribes(self, tribe_ids: set[int]) -> None:
        """Read tribes not seen yet in this run, with their recent messages and upcoming meet-ups."""
        missing = tribe_ids - set(self.tribes)
        if not missing:
            return
        s = self.session
        self.tribes.update({t.id: t for t in s.scalars(select(Tribe).where(Tribe.id.in_(missing)))})
        rows: dict[int, list[tuple[int, int | None, datetime]]] = {t: [] for t in missing}
        for tribe_id, message_id, author_id, at in s.execute(
            select(Message.tribe_id, Message.id, Message.author_id, Message.created_at)
            .where(Message.tribe_id.in_(missing), Message.created_at > self.floor, Message.deleted_at.is_(None))
            .order_by(Message.tribe_id, Message.id)
        ).tuples():
            if tribe_id is not None:  # always (filtered above); direct messages have none
                rows[tribe_id].append((message_id, author_id, at))
        self.chats.update({t: _Chat(r) for t, r in rows.items()})
        for t in missing:
            self.meetups[t] = []
        for meetup in s.scalars(
            select(Meetup).where(Meetup.tribe_id.in_(missing), Meetup.status == "scheduled",
                                 Meetup.starts_at > self.now, Meetup.created_at > self.floor)
            .order_by(Meetup.starts_at, Meetup.id)
        ):
            self.meetups[meetup.tribe_id].append(meetup)

    def gather(self, users: Sequence[User], since: dict[int, datetime]) -> dict[int, Activity]:
        """Each person's activity since `since[user_id]` (by their settings and tribes' volumes)."""
        s, ids = self.session, [u.id for u in users]
        settings = preferences.settings_of(s, ids)
        members = s.execute(
            select(Membership.user_id, Membership.tribe_id, Membership.email, Membership.last_read_message_id)
            .where(Membership.user_id.in_(ids))
        ).tuples().all()
        marks = {(m.user_id, m.tribe_id): m.through_message_id for m in s.scalars(
            select(DigestMark).where(DigestMark.user_id.in_(ids)))}
        notes = list(s.scalars(
            select(Notification).where(Notification.user_id.in_(ids), Notification.mailed_at.is_(None),
                                       Notification.read_at.is_(None),
                                       Notification.created_at > self.now - NOTIFICATION_AGE)
            .order_by(Notification.created_at, Notification.id)
        ))
        self._load_tribes({t for _u, t, _v, _r in members} | {n.tribe_id for n in notes if n.tribe_id})
        told = {(uid, int(data.get("meetup_id") or 0)) for uid, data in s.execute(
            select(Notification.user_id, Notification.data)
            .where(Notification.user_id.in_(ids), Notification.kind == MEETUP_CREATED,
                   Notification.created_at > self.floor)
        ).tuples() if isinstance(data, dict)}
        volumes = {(u, t): v for u, t, v, _r in members}
        found = {uid: Activity(on="digest" in settings[uid].email.values()) for uid in ids}
        to_render: dict[int, list[Notification]] = {}
        for n in notes:
            spec = BY_NAME.get(n.kind)
            if spec is None:
                continue
            volume = volumes.get((n.user_id, n.tribe_id)) if n.tribe_id else None
            if preferences.with_volume(spec.personal, settings[n.user_id].email[n.kind], volume) == "off":
                continue
            activity = found[n.user_id]
            activity.mailed.append(n.id)
            tribe = self.tribes.get(n.tribe_id) if n.tribe_id else None
            if tribe is not None and tribe.mails_discreetly:
                activity.discreet = True
            else:
                to_render.setdefault(n.user_id, []).append(n)
        by_id = {u.id: u for u in users}
        readers = [(Reader.of(by_id[uid]), items) for uid, items in to_render.items()]
        for (reader, _items), texts in zip(readers, describe_many(s, readers), strict=True):
            found[reader.user_id].notices = texts
        for user_id, tribe_id, volume, last_read in members:
            tribe = self.tribes.get(tribe_id)
            if volume != "all" or tribe is None:
                continue
            self._chat_and_meetups(found[user_id], user_id, tribe, since[user_id],
                                   max(last_read or 0, marks.get((user_id, tribe_id), 0)), told)
        return found

    def _chat_and_meetups(
        self, activity: Activity, user_id: int, tribe: Tribe, since: datetime, after: int, told: set[tuple[int, int]]
    ) -> None:
        """Add one tribe's unread chat and new meet-ups to a person's digest, and move their mark."""
        chat = self.chats[tribe.id]
        unread = chat.unread(user_id, after, since)
        if chat.ids and chat.ids[-1] > after:
            activity.marks[tribe.id] = chat.ids[-1]
        fresh = [m for m in self.meetups[tribe.id]
                 if m.created_at > since and m.created_by_id != user_id and (user_id, m.id) not in told]
        if tribe.mails_discreetly:
            activity.discreet = activity.discreet or bool(unread or fresh)
            return
        if unread:
            activity.chats.append((tribe, unread))
        activity.meetups += [(m, tribe) for m in fresh]
