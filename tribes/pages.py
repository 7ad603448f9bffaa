"""Things every page needs: the home route and template globals."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, url_for
from flask_login import current_user


def add_nav_link(app: Flask, endpoint: str, label: str) -> None:
    """A link in the site header for logged-in people (features call this from hooks.py)."""
    app.extensions.setdefault("tribes_nav", []).append((endpoint, label))


def add_tribe_section(app: Flask, template: str) -> None:
    """A template included on a tribe's home page, with `tribe` and `me` (the membership)."""
    app.extensions.setdefault("tribes_tribe_sections", []).append(template)


def add_settings_section(app: Flask, template: str) -> None:
    """A template included on the user's settings page (context: current_user)."""
    app.extensions.setdefault("tribes_settings_sections", []).append(template)


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
        return {
            "unread_notifications": unread,
            "nav_links": app.extensions.get("tribes_nav", []),
            "tribe_sections": app.extensions.get("tribes_tribe_sections", []),
            "settings_sections": app.extensions.get("tribes_settings_sections", []),
        }
