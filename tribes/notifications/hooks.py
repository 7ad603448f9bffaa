"""Notifications' page wiring: the unread badge in the site header."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Count unread notifications for the header badge."""
    from tribes.notifications.service import unread_count
    from tribes.pages import set_unread_counter

    set_unread_counter(app, unread_count)
