"""Signals between features, and work deferred until the transaction has committed.

Services flush and never commit, so anything the outside world may observe (a socket
push, a disconnect) is queued with `on_commit` and runs only once the edge commits; a
rollback drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

signals = Namespace()
#: sender=user_id; kwargs: session_ids (list[int] | None for all), reason
sessions_ended = signals.signal("sessions-ended")
#: sender=tribe_id; kwargs: user_id, slug, reason ("left"|"removed"|"banned"|"deleted")
membership_ended = signals.signal("membership-ended")
#: sender=user_id; kwargs: notification (serialised dict)
notification_created = signals.signal("notification-created")
#: SYNCHRONOUS, inside the transaction, before a membership row is deleted.
#: sender=tribe_id; kwargs: session, user_id, reason. Receivers flush, never commit.
membership_ending = signals.signal("membership-ending")
#: SYNCHRONOUS, inside the transaction, after a member's role changed (flushed).
#: sender=tribe_id; kwargs: session, user_id, role (the new one). Receivers flush, never commit.
role_changed = signals.signal("role-changed")
#: SYNCHRONOUS, inside the transaction, before the account row is deleted.
#: sender=user_id; kwargs: session, erase_messages. Receivers flush, never commit.
user_deleting = signals.signal("user-deleting")
#: SYNCHRONOUS, inside the transaction: the password changed or the user logged out
#: everywhere, so secrets that work without a session (the calendar feed) must go too.
#: sender=user_id; kwargs: session, reason. Receivers flush, never commit.
credentials_reset = signals.signal("credentials-reset")
#: SYNCHRONOUS, inside the transaction: a targeted invite names someone not in the tribe yet.
#: sender=tribe_id; kwargs: session, user_id (the invitee), tribe_name, invite_id, inviter_id,
#: invited_by (the inviter's card, or None).
#: Receivers flush, never commit.
invite_targeted = signals.signal("invite-targeted")
#: SYNCHRONOUS, inside the transaction: an account was created (flushed).
#: sender=user_id; kwargs: session, user. Mail subscribes: an unverified address gets a
#: verification link. Receivers flush, never commit.
user_registered = signals.signal("user-registered")
#: SYNCHRONOUS, inside the transaction: an invite names an e-mail address to mail it to.
#: sender=tribe_id; kwargs: session, invite, tribe, token (the raw token of the mailed link:
#: the receiver puts it in the mail and nowhere else). Receivers flush, never commit.
invite_mailed = signals.signal("invite-mailed")
#: SYNCHRONOUS, inside the transaction: a member was muted.
#: sender=tribe_id; kwargs: session, user_id, slug, name, until. Receivers flush, never commit.
member_muted = signals.signal("member-muted")

#: SYNCHRONOUS, inside the transaction: a tribe stopped taking join requests (switched off,
#: or it turned secret). sender=tribe_id; kwargs: session. Receivers flush, never commit.
join_requests_closed = signals.signal("join-requests-closed")
#: SYNCHRONOUS, inside the transaction: a join request reached a tribe's admins.
#: sender=tribe_id; kwargs: session, request (id, tribe_id, user_id, answers, message, created_at).
#: Receivers flush, never commit.
join_requested = signals.signal("join-requested")

#: sender=tribe_id (None for a direct message); kwargs: session, message (id, tribe_id,
#: conversation_id, author_id, body, created_at) and, for a direct message, recipient_ids
#: (the members it reached). A chat message was stored and broadcast: sent after its commit, outside the tribe's
#: send lock, in a new transaction the sender commits. Receivers flush, never commit.
message_posted = signals.signal("message-posted")

#: sender=None; kwargs: session, messages (tribe chat messages as for message_posted, each
#: with its tribe_id). Sent instead of message_posted for tribe chat, once for the messages
#: one process stored together (a batch of socket sends, or one message): receivers judge
#: them together. Same transaction rules as message_posted.
tribe_messages_posted = signals.signal("tribe-messages-posted")

#: QUESTION (answered by a higher feature, contacts): may the user `sender` (an id) see the
#: person `user`? kwargs: session, user. Receivers return a bool; ask it with `ask()`.
person_visible = signals.signal("person-visible")
#: QUESTION (answered by contacts): are the user `sender` (an id) and `other_id` contacts?
#: kwargs: session, other_id. Direct messages (chat) ask it; ask it with `ask()`.
are_contacts = signals.signal("are-contacts")

_KEY = "tribes_after_commit"


def ask(question: Any, sender: Any, **kwargs: Any) -> bool:
    """Ask a higher feature a yes/no question through a signal: yes only when someone
    answers and every answer is yes (no receiver means no)."""
    answers = [answer for _, answer in question.send(sender, **kwargs)]
    return bool(answers) and all(answers)


def on_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Run callback after the session's current transaction commits (dropped on rollback)."""
    session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a push failing must not undo a committed change
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if session.in_transaction():
        return
    session.info.pop(_KEY, None)
