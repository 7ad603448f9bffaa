"""Things every page needs: the home route and template globals."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, url_for
from flask_login import current_user


def init_app(app: Flask) -> None:
    """Register the site root and the template context."""

    @app.get("/")
    def index() -> Any:
        """Logged-in people land on their tribes, others on the login page."""
        if current_user.is_authenticated:
            return redirect(url_for("groups_pages.my_tribes"))
        return redirect(url_for("accounts_pages.login"))

    @app.context_processor
    def _globals() -> dict[str, Any]:
        unread = 0
        if current_user.is_authenticated:
            from tribes.extensions import db
            from tribes.notifications.service import unread_count

            unread = unread_count(db.session, current_user.id)
        return {"unread_notifications": unread}
