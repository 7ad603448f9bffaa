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
    client_id (answered as is, nothing broadcast), mute, then the rate limit with no
    transaction open (the limiter may yield under gevent, and an open SQLite transaction
    would hold the write lock meanwhile), then insert, commit and broadcast.
    """
    with send_lock(slug):
        tribe, member = policy.get_tribe_for(db.session, user_id, slug)
        earlier = service.earlier_message(db.session, tribe.id, user_id, client_id)
        if earlier is None:
            service.check_mute(db.session, tribe, member)
            db.session.commit()
            service.check_rate(tribe, member)
            earlier, created = service.post_message(db.session, tribe, member, body, client_id)
        else:
            created = False
        payload = service.serialise(earlier, tribe.slug)
        db.session.commit()
    return payload, created
