"""Site administration fixtures: a site admin, the real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from tests.mail.conftest import smtp_server  # noqa: F401
from tribes.accounts.models import User
from tribes.extensions import db


def set_flag(user_id: int, **values: Any) -> None:
    """Change columns of an account directly (as `tribes admin grant` would)."""
    assert db.engine is not None
    with db.engine.begin() as connection:
        connection.execute(update(User).where(User.id == user_id).values(**values))


@pytest.fixture
def make_admin(make_user: Any) -> Any:
    """A logged-in site admin."""

    def factory(**kwargs: Any) -> Any:
        admin = make_user(**kwargs)
        set_flag(admin.user["id"], site_admin=True)
        return admin

    return factory
