"""Who sees a person's profile: the one source of truth for `GET /users/{id}`, profile pages,
targeted invites and anything else that names a person to someone.

The rule needs tribes (groups) and contacts, so it lives here, above both; lower features
ask it through `events.person_visible` (answered in contacts/hooks.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tribes.accounts.blocks import has_blocked
from tribes.accounts.models import User
from tribes.contacts.service import are_contacts
from tribes.errors import NotFound
from tribes.groups.policy import share_a_tribe


def is_blocked_by(session: Session, viewer_id: int, owner_id: int) -> bool:
    """Whether `owner_id` has blocked `viewer_id`."""
    return has_blocked(session, owner_id, viewer_id)


def can_see_profile(session: Session, viewer_id: int, user: User | None) -> bool:
    """Co-members always; contacts unless blocked (a block also ends the contact); self."""
    if user is None:
        return False
    if user.id == viewer_id:
        return True
    if share_a_tribe(session, viewer_id, user.id):
        return True
    return are_contacts(session, viewer_id, user.id) and not is_blocked_by(session, viewer_id, user.id)


def can_see_details(session: Session, viewer_id: int, user: User) -> bool:
    """Bio, avatar and other profile fields, by the owner's `profile_visibility`."""
    if user.id == viewer_id:
        return True
    if user.profile_visibility == "nobody":
        return False
    if are_contacts(session, viewer_id, user.id):
        return True
    if user.profile_visibility == "tribes":
        return share_a_tribe(session, viewer_id, user.id)
    return False


def get_visible_user(session: Session, viewer_id: int, user_id: int) -> User:
    """A user the viewer may see; NotFound (the constant 404) otherwise."""
    user = session.get(User, user_id)
    if user is None or not can_see_profile(session, viewer_id, user):
        raise NotFound()
    return user
