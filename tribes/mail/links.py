"""Absolute links for mails, built on TRIBES_BASE_URL."""

from __future__ import annotations

from flask import current_app, has_app_context, has_request_context, request


def base_url() -> str:
    """TRIBES_BASE_URL; without it, the address this request came to (or the default of `tribes serve`)."""
    configured = current_app.config.get("BASE_URL") if has_app_context() else None
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"
