"""Wiring of accounts into the pages: the site settings every page shows (name, registration)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    """Give every template `site` (the settings in force: name in the header and title)."""

    @app.context_processor
    def _site() -> dict[str, Any]:
        """The site settings, read once per request; the defaults when the database fails."""
        from sqlalchemy.exc import SQLAlchemyError

        from tribes.accounts import site
        from tribes.extensions import db

        try:
            return {"site": site.current(db.session)}
        except SQLAlchemyError:  # an error page must render even when the database fails
            db.session.rollback()
            return {"site": site.Settings()}
