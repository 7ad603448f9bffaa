"""The edge both REST and Socket.IO use to post a message: checks, insert, commit, emit."""

from __future__ import annotations

from typing import Any

from tribes.chat import service
from tribes.chat.ordering import send_lock
from tribes.extensions import db
from tribes.groups import policy


def send_message(user_id: int, slug: str, body: str, client_id: str) -> tuple[dict[str, Any], bool]:
    """Post as `user_id` in the tribe `slug`; (stored message, created). Commits.

    Under the tribe's send lock: membership (404), an earlier message with this
    client_id (answered as is, nothing broadcast), mute, rate limit, then insert,
    commit and broadcast (the broadcast runs after the commit, still under the lock).
    """
    with send_lock(slug):
        tribe, member = policy.get_tribe_for(db.session, user_id, slug)
        message = service.earlier_message(db.session, tribe.id, user_id, client_id)
        created = message is None
        if message is None:
            service.check_mute(db.session, tribe, member)
            service.check_rate(tribe, member)
            message, created = service.post_message(db.session, tribe, member, body, client_id)
        payload = service.serialise(message, tribe.slug)
        db.session.commit()
    return payload, created
