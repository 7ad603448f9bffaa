"""Wire contacts into the pages: the header link."""

from __future__ import annotations

from flask import Flask

from tribes.pages import add_nav_link


def init_app(app: Flask) -> None:
    """Add the "Contacts" header link."""
    add_nav_link(app, "contacts_pages.index", "Contacts")
