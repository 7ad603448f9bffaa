"""Chat rules: mute and rate checks, edit, delete, history, mentions, account deletion.

Posting is `tribes.chat.sending.send_message` (the one send path of REST, sockets and the demo).
"""

from __future__ import annotations

import functools
import itertools
import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from limits import parse as parse_limit
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from tribes import events, ratelimits
from tribes.accounts.models import User
from tribes.accounts.service import card
from tribes.chat import fanout
from tribes.chat.models import Message
from tribes.chat.schemas import MessageOut
from tribes.db import utcnow
from tribes.errors import ApiError, Forbidden, NotFound, RateLimited
from tribes.groups import policy
from tribes.groups.models import Membership, Tribe
from tribes.i18n import _

#: at most this many messages in a `join` catch-up
MISSED_MAX = 200
#: a mention is "@" followed by up to this many words of a display name
MENTION_WORDS = 6
#: only this many "@" of a message are read (bounds the names asked of the database)
MENTIONS_MAX = 50
#: a display name is at most this long
NAME_MAX = 80
_MENTION_START = re.compile(r"(?:^|(?<=\W))@(?=\w)")


class Muted(ApiError):
    """The member is muted in this tribe."""

    status, code = 403, "muted"


def get_message_for(session: Session, user_id: int, message_id: int) -> Message:
    """A message of a tribe the user belongs to now; NotFound otherwise."""
    message, _member = policy.get_as_member(session, Message, message_id, user_id)
    return message


def tribe_slug(session: Session, tribe_id: int) -> str:
    """The slug of a tribe by id."""
    return session.scalar(select(Tribe.slug).where(Tribe.id == tribe_id)) or ""


def earlier_message(session: Session, tribe_id: int, author_id: int, client_id: str) -> Message | None:
    """The message this author already posted in the tribe with this client_id, if any."""
    return session.scalar(
        select(Message).where(
            Message.tribe_id == tribe_id,
            Message.author_id == author_id,
            Message.client_id == client_id,
        )
    )


def check_mute(session: Session, tribe: Tribe, member: Membership) -> None:
    """Muted members may not post."""
    from tribes.groups.mutes import mute_until

    if mute_until(session, tribe.id, member.user_id) is not None:
        raise Muted(_("You are muted in this tribe for now."))


def check_rate(tribe: Tribe, member: Membership) -> None:
    """Per-user chat rate limit; new members of the tribe get the stricter one.

    The limiter's storage may do I/O (Redis) or start a timer, i.e. yield under gevent
    inside the transaction: harmless on PostgreSQL, and `tribes serve` gives SQLite a
    one-connection pool so other greenlets wait for it cooperatively.
    """
    check_rate_for(member.user_id, member.joined_at, tribe.new_member_hours)


def check_rate_for(user_id: int, joined_at: datetime, new_member_hours: int) -> None:
    """`check_rate` from plain values (the send path reads them in one query)."""
    limit = chat_limit(user_id, joined_at, new_member_hours)
    if limit is not None and not ratelimits.hit(*limit):
        refuse(*limit)


def chat_limit(user_id: int, joined_at: datetime, new_member_hours: int) -> tuple[Any, str, str, str] | None:
    """The chat limit a post of this member counts against: (limit item, *identifiers) for
    `ratelimits.hit` / `hit_many` (new members of the tribe: the stricter one); None when
    rate limits are off."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    config_key = "LIMIT_CHAT"
    if joined_at > utcnow() - timedelta(hours=new_member_hours):
        config_key = "LIMIT_CHAT_NEW_MEMBER"
    return _parsed_limit(current_app.config[config_key]), "chat", config_key, str(user_id)


def refuse(item: Any, *identifiers: str) -> None:
    """Raise RateLimited for a hit `item` refused, with the seconds until its window frees up."""
    reset = ratelimits.reset_in(item, *identifiers)
    raise RateLimited(int(reset - utcnow().timestamp()) + 1)


def hit_limit(config_key: str, scope: str, user_id: int) -> None:
    """Count one hit of the per-user limit `config_key`; RateLimited (429) when it is used up."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = _parsed_limit(current_app.config[config_key])
    if not ratelimits.hit(item, scope, config_key, str(user_id)):
        refuse(item, scope, config_key, str(user_id))


@functools.lru_cache(maxsize=64)
def _parsed_limit(text: str) -> Any:
    """A Flask-Limiter string parsed once."""
    return parse_limit(text)


def after_posted(session: Session, tribe: Any, message: Message, author: dict[str, Any] | None) -> None:
    """A new message is stored: `after_posted_batch` of one (tribe: id, slug, name)."""
    after_posted_batch(session, [(tribe, message, author)])


def after_posted_batch(session: Session, posted: list[tuple[Any, Message, dict[str, Any] | None]]) -> None:
    """New tribe messages are stored: `events.tribe_messages_posted` once for all of them
    (moderation judges them together), then the mentions of each."""
    events.tribe_messages_posted.send(None, session=session, messages=[message for _t, message, _a in posted])
    for tribe, message, author in posted:
        notify_mentions(session, tribe, message, author)


def mention_candidates(body: str) -> set[str]:
    """Lower-cased names that may follow an "@" in the body (1..MENTION_WORDS words)."""
    names: set[str] = set()
    for match in itertools.islice(_MENTION_START.finditer(body), MENTIONS_MAX):
        after = body[match.end():match.end() + MENTION_WORDS * (NAME_MAX + 1)]
        words = after.split(maxsplit=MENTION_WORDS)[:MENTION_WORDS]
        for n in range(1, len(words) + 1):
            name = " ".join(words[:n]).rstrip(".,;:!?)").lower()
            if name:
                names.add(name[:NAME_MAX])
    return names


def notify_mentions(
    session: Session, tribe: Any, message: Message, author: dict[str, Any] | None = None
) -> list[int]:
    """Notify members mentioned as `@Display Name`, except those who blocked the author; returns their ids."""
    from tribes.accounts.blocks import who_blocked
    from tribes.notifications.service import notify

    names = mention_candidates(message.body)
    if not names:
        return []
    found = session.execute(
        select(User.id)
        .join(Membership, policy.member_of(tribe.id, User.id))
        .where(func.lower(User.display_name).in_(names))
        .where(User.id != message.author_id)
        .limit(50)
    ).all()
    blockers = who_blocked(session, message.author_id, [uid for (uid,) in found]) if message.author_id else set()
    rows = [(uid,) for (uid,) in found if uid not in blockers]
    if author is None:
        author = card(message.author)
    for (uid,) in rows:
        notify(session, uid, "mention", {
            "tribe": tribe.slug, "tribe_name": tribe.name, "message_id": message.id,
            "by": author, "excerpt": message.body[:200],
        }, about_user_id=message.author_id)
    return [uid for (uid,) in rows]


def edit_message(session: Session, message: Message, user_id: int, body: str) -> Message:
    """The author changes the text of a message that is not deleted (not while muted; rate-limited like sends)."""
    if message.author_id != user_id:
        raise Forbidden()
    if message.deleted_at is not None or message.tribe_id is None:
        raise NotFound()
    tribe_id = message.tribe_id
    tribe = session.get_one(Tribe, tribe_id)
    member = policy.membership(session, tribe_id, user_id)
    if member is None:
        raise NotFound()
    check_mute(session, tribe, member)
    check_rate(tribe, member)
    message.body = body
    message.edited_at = utcnow()
    session.flush()
    payload = MessageOut.of(message, tribe.slug).model_dump(mode="json")
    events.on_commit(
        session, lambda: fanout.emit_to_tribe("message_edited", payload, tribe_id)
    )
    return message


def delete_message(session: Session, message: Message, actor_user_id: int, *, moderator: bool) -> None:
    """Tombstone a message (author, or a moderator: admin+ of its tribe, audited)."""
    if not moderator and message.author_id != actor_user_id:
        raise Forbidden()
    if message.deleted_at is not None or message.tribe_id is None:
        return
    tribe_id = message.tribe_id
    message.body = ""
    message.deleted_at = utcnow()
    message.deleted_by_id = actor_user_id
    session.flush()
    if moderator and message.author_id != actor_user_id:
        from tribes.groups.audit import record as audit

        audit(session, tribe_id, actor_user_id, "message_deleted",
              target_user_id=message.author_id, details={"message_id": message.id})
    slug = tribe_slug(session, tribe_id)
    data = {"tribe": slug, "id": message.id}
    events.on_commit(session, lambda: fanout.emit_to_tribe("message_deleted", data, tribe_id))


def may_moderate(session: Session, tribe_id: int, user_id: int) -> bool:
    """Whether the user may delete other people's messages in the tribe (admin+)."""
    return policy.at_least(policy.role_of(session, tribe_id, user_id), "admin")


def history_query(tribe_id: int) -> Select[Any]:
    """Messages of a tribe (page it by id on the (tribe_id, id) index)."""
    return select(Message).where(Message.tribe_id == tribe_id)


def missed(session: Session, tribe_id: int, after_id: int) -> tuple[list[Message], bool]:
    """Messages after `after_id`, oldest first, at most MISSED_MAX; and whether more exist."""
    rows = list(session.scalars(
        history_query(tribe_id).where(Message.id > after_id).order_by(Message.id).limit(MISSED_MAX + 1)
    ))
    return rows[:MISSED_MAX], len(rows) > MISSED_MAX


def forget_author(session: Session, user_id: int, *, erase: bool) -> None:
    """Account deletion: messages stay as "deleted member", or are tombstoned when erased."""
    values: dict[str, Any] = {"author_id": None}
    if erase:
        values.update(body="", deleted_at=func.coalesce(Message.deleted_at, utcnow()))
    session.execute(
        update(Message).where(Message.author_id == user_id).values(**values)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Message).where(Message.deleted_by_id == user_id).values(deleted_by_id=None)
        .execution_options(synchronize_session=False)
    )
