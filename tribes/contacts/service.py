"""Contact requests with a quiet decline, contacts and silent blocks: the rules live here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tribes.accounts.blocks import has_blocked
from tribes.accounts.models import Block, User
from tribes.accounts.schemas import card
from tribes.contacts.models import Contact, ContactRequest
from tribes.contacts.schemas import ContactOut, ContactRequestOut
from tribes.db import rowcount, utcnow
from tribes.errors import Conflict, NotFound, ValidationFailed
from tribes.groups.policy import share_a_tribe
from tribes.i18n import _
from tribes.notifications.service import notify


def pair(a: int, b: int) -> tuple[int, int]:
    """The ordered (low, high) key of a pair of users."""
    return (a, b) if a < b else (b, a)


def cooldown() -> timedelta:
    """How long a re-sent request stays invisible to a recipient who declined."""
    return timedelta(days=int(current_app.config.get("CONTACT_DECLINE_COOLDOWN_DAYS", 90)))


# ---------------------------------------------------------------- lookups


def are_contacts(session: Session, a: int, b: int) -> bool:
    """Whether two users are contacts."""
    low, high = pair(a, b)
    return (
        session.scalar(select(Contact.id).where(Contact.low_id == low, Contact.high_id == high))
        is not None
    )



def pair_request(session: Session, a: int, b: int) -> ContactRequest | None:
    """The request row of a pair of users, whichever direction."""
    low, high = pair(a, b)
    return session.scalar(
        select(ContactRequest).where(ContactRequest.low_id == low, ContactRequest.high_id == high)
    )


# ---------------------------------------------------------------- how a recipient sees a request


def declined_for_recipient(req: ContactRequest) -> bool:
    """Whether the recipient sees the request as declined (a re-sent one shows again after the cooldown)."""
    return req.declined_at is not None and not _reappeared(req)


def request_for_sender(req: ContactRequest) -> ContactRequestOut:
    """A request as its sender sees it: always pending, whatever the recipient did."""
    return ContactRequestOut.for_sender(req)


def request_for_recipient(req: ContactRequest) -> ContactRequestOut:
    """A request as its recipient sees it (only listed while visible to them)."""
    return ContactRequestOut.for_recipient(req, declined=declined_for_recipient(req))


def _reappeared(req: ContactRequest) -> bool:
    """A declined request that was re-sent and whose cooldown is over shows again."""
    return (
        req.declined_at is not None
        and req.resent_at is not None
        and req.declined_at <= utcnow() - cooldown()
    )


# ---------------------------------------------------------------- requests


def send_request(session: Session, sender: User, user_id: int, message: str) -> tuple[str, ContactRequest | None]:
    """Send (or re-send) a request; returns ("accepted", None|req) or ("pending", req).

    A decline, a block by the target or an open request all give the same pending answer.
    """
    if user_id == sender.id:
        raise ValidationFailed({"user_id": _("You cannot send a contact request to yourself.")})
    target = session.get(User, user_id)
    if target is None:
        raise NotFound()
    if are_contacts(session, sender.id, target.id):
        return "accepted", None
    if not share_a_tribe(session, sender.id, target.id):
        raise NotFound()
    if has_blocked(session, sender.id, target.id):
        raise Conflict(_("You blocked this person; unblock them first."), code="blocked")
    swallowed = has_blocked(session, target.id, sender.id)
    existing = pair_request(session, sender.id, target.id)
    if existing is None:
        low, high = pair(sender.id, target.id)
        now = utcnow()
        req = ContactRequest(
            sender_id=sender.id, recipient_id=target.id, low_id=low, high_id=high,
            message=message, created_at=now, declined_at=now if swallowed else None,
        )
        try:
            with session.begin_nested():
                session.add(req)
                session.flush()
        except IntegrityError:
            existing = pair_request(session, sender.id, target.id)
            if existing is None:
                raise
        else:
            if not swallowed:
                _notify_request(session, req)
            return "pending", req
    return _send_again(session, existing, sender, message, swallowed)


def _send_again(
    session: Session, req: ContactRequest, sender: User, message: str, swallowed: bool
) -> tuple[str, ContactRequest | None]:
    """A send when the pair already has a request row."""
    now = utcnow()
    if req.sender_id != sender.id:
        if req.withdrawn_at is None:
            accept_request(session, req.recipient, req)
            return "accepted", None
        # They asked once and withdrew: the row turns around and becomes my request.
        req.sender_id, req.recipient_id = sender.id, req.sender_id
        req.withdrawn_at, req.resent_at = None, None
        req.declined_at = now if swallowed else None
        req.created_at, req.message = now, message
        session.flush()
        session.refresh(req)
        if not swallowed:
            _notify_request(session, req)
        return "pending", req
    was_withdrawn = req.withdrawn_at is not None
    if was_withdrawn:
        # Withdrawn and sent again: the same row and id, fresh for the sender.
        req.withdrawn_at, req.created_at, req.message = None, now, message
    if req.declined_at is None:
        if was_withdrawn and swallowed:
            req.declined_at = now
        elif was_withdrawn:
            _notify_request(session, req)
        session.flush()
        return "pending", req
    if not swallowed and req.declined_at <= now - cooldown():
        # The cooldown is over: a fresh request for the recipient.
        req.declined_at, req.resent_at = None, None
        session.flush()
        _notify_request(session, req)
        return "pending", req
    if req.resent_at is None:
        req.resent_at = now
    session.flush()
    return "pending", req


def _notify_request(session: Session, req: ContactRequest) -> None:
    notify(
        session,
        req.recipient_id,
        "contact_request",
        {"request_id": req.id, "from": card(req.sender), "message": req.message},
        about_user_id=req.sender_id,
    )


def _get_request(session: Session, request_id: int) -> ContactRequest:
    req = session.get(ContactRequest, request_id)
    if req is None:
        raise NotFound()
    return req


def visible_to_recipient(req: ContactRequest, recipient_id: int) -> bool:
    """Whether the recipient may see (and act on) this request."""
    if req.recipient_id != recipient_id or req.withdrawn_at is not None:
        return False
    return req.declined_at is None or _reappeared(req)


def get_incoming(session: Session, user: User, request_id: int) -> ContactRequest:
    """A request to me that I may see; NotFound otherwise."""
    req = _get_request(session, request_id)
    if not visible_to_recipient(req, user.id) or has_blocked(session, user.id, req.sender_id):
        raise NotFound()
    return req


def accept_request(session: Session, recipient: User, req: ContactRequest) -> Contact:
    """Accept: the pair become contacts and the sender is notified."""
    sender_id = req.sender_id
    low, high = req.low_id, req.high_id
    # A conditional delete: when two sends accept the same request at once (both people
    # asking each other), the second finds it gone and meets the first one's contact below.
    session.expunge(req)
    session.execute(
        delete(ContactRequest).where(ContactRequest.id == req.id).execution_options(synchronize_session=False)
    )
    contact = Contact(low_id=low, high_id=high, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(contact)
            session.flush()
    except IntegrityError:
        found = session.scalar(select(Contact).where(Contact.low_id == low, Contact.high_id == high))
        if found is None:
            raise
        return found
    notify(session, sender_id, "contact_accepted", {"user": card(recipient)}, about_user_id=recipient.id)
    return contact


def decline_request(session: Session, req: ContactRequest) -> None:
    """Decline quietly: stored on the row, invisible to the sender, nobody notified."""
    req.declined_at = utcnow()
    req.resent_at = None
    session.flush()


def withdraw_request(session: Session, sender: User, request_id: int) -> None:
    """The sender withdraws; the row stays (hidden) so a decline keeps its cooldown."""
    req = session.get(ContactRequest, request_id)
    if req is None or req.sender_id != sender.id or req.withdrawn_at is not None:
        raise NotFound()
    req.withdrawn_at = utcnow()
    session.flush()


def incoming_query(session: Session, user_id: int) -> Any:
    """Requests to the user they may see: pending, or re-sent after the cooldown; not from blocked."""
    threshold: datetime = utcnow() - cooldown()
    blocked = select(Block.blocked_id).where(Block.blocker_id == user_id)
    return select(ContactRequest).where(
        ContactRequest.recipient_id == user_id,
        ContactRequest.withdrawn_at.is_(None),
        or_(
            ContactRequest.declined_at.is_(None),
            and_(ContactRequest.resent_at.is_not(None), ContactRequest.declined_at <= threshold),
        ),
        ContactRequest.sender_id.not_in(blocked),
    )


def outgoing_query(user_id: int) -> Any:
    """The user's own open requests (declined ones included: they read as pending)."""
    return select(ContactRequest).where(
        ContactRequest.sender_id == user_id, ContactRequest.withdrawn_at.is_(None)
    )


# ---------------------------------------------------------------- contacts


def contacts_query(user_id: int) -> Any:
    """The user's contacts (page by id)."""
    return select(Contact).where(or_(Contact.low_id == user_id, Contact.high_id == user_id))


def other_users(session: Session, ids: list[int]) -> dict[int, User]:
    """Users by id, in one query (no N+1 in lists)."""
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def contacts_of(session: Session, user_id: int, rows: list[Contact]) -> list[ContactOut]:
    """Contacts as the user lists them (the other people loaded in one query)."""
    others = [c.high_id if c.low_id == user_id else c.low_id for c in rows]
    users = other_users(session, others)
    return [ContactOut.of(users[other_id], contact) for contact, other_id in zip(rows, others, strict=True)]


def remove_contact(session: Session, user: User, other_id: int) -> None:
    """Remove a contact quietly (nobody is notified)."""
    low, high = pair(user.id, other_id)
    result = session.execute(delete(Contact).where(Contact.low_id == low, Contact.high_id == high))
    if not rowcount(result):
        raise NotFound()


def delete_for_user(session: Session, user_id: int) -> None:
    """Remove the user's contacts, requests (both ways) and blocks (both ways): account deletion."""
    session.execute(delete(Contact).where(or_(Contact.low_id == user_id, Contact.high_id == user_id)))
    session.execute(
        delete(ContactRequest).where(
            or_(ContactRequest.sender_id == user_id, ContactRequest.recipient_id == user_id)
        )
    )
    session.execute(delete(Block).where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id)))

