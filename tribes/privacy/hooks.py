"""Wire privacy into the pages: the header link to the settings page."""

from __future__ import annotations

from flask import Flask

from tribes.i18n import lazy_gettext
from tribes.pages import add_nav_link


def init_app(app: Flask) -> None:
    """Add the "Settings" header link."""
    add_nav_link(app, "privacy_pages.settings", lazy_gettext("Settings"))
