"""Wire contacts into the pages (the header link) and answer who may see whom."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.models import User
from tribes.contacts.visibility import can_see_profile
from tribes.i18n import lazy_gettext
from tribes.pages import add_nav_link


def _person_visible(viewer_id: int, *, session: Session, user: User, **_: Any) -> bool:
    """Lower features (targeted invites) ask the profile-visibility rule through a signal."""
    return can_see_profile(session, viewer_id, user)


def _are_contacts(user_id: int, *, session: Session, other_id: int, **_: Any) -> bool:
    """Direct messages (chat, a sibling) ask whether two people are contacts."""
    from tribes.contacts.service import are_contacts

    return are_contacts(session, user_id, other_id)


events.person_visible.connect(_person_visible, weak=False)
events.are_contacts.connect(_are_contacts, weak=False)


def init_app(app: Flask) -> None:
    """Add the "Contacts" header link."""
    add_nav_link(app, "contacts_pages.index", lazy_gettext("Contacts"))
