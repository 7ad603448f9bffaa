"""Wiring: the site area is hidden (404, like a path that does not exist) from everyone but
site admins, before any other check (login, CSRF, method) could tell it exists."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from tribes.errors import NotFound

#: the one path under /api/v1/site that anyone may read
PUBLIC_PATHS = ("/api/v1/site",)
#: prefixes of the site area
HIDDEN_PREFIXES = ("/api/v1/site/", "/admin/")
HIDDEN_PATHS = ("/admin",)


def in_site_area(path: str) -> bool:
    """Whether a request path belongs to the site administration."""
    if path in PUBLIC_PATHS:
        return False
    return path in HIDDEN_PATHS or path.startswith(HIDDEN_PREFIXES)


def hide_site_area() -> None:
    """404 for the site area unless a site admin asks (runs before CSRF and routing errors)."""
    if in_site_area(request.path) and not (current_user.is_authenticated and current_user.site_admin):
        raise NotFound()


def init_app(app: Flask) -> None:
    """Put the site-area check first among the app's request checks."""
    app.before_request_funcs.setdefault(None, []).insert(0, hide_site_area)
