"""Health checks outside /api/v1, for the proxy, systemd and monitoring.

`GET /healthz`: the process answers (no database work; 200 `{"status": "ok"}`).
`GET /readyz`: the process can serve: the database answers `SELECT 1` and, when configured,
Redis answers PING; else 503 in the contract's error shape, naming what is down (never a
connection string or a stack trace).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from tribes.extensions import db
from tribes.i18n import _

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """Alive: the process answers."""
    return jsonify(status="ok")


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log only
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone with the database
            db.remove()
        return False


def _redis_ok(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:  # as above
        log.warning("readiness: Redis does not answer (%s)", type(exc).__name__)
        return False


@bp.get("/readyz")
def readyz() -> Any:
    """Ready: the database (and Redis, when configured) answer."""
    checks = {"database": _database_ok()}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis_ok(redis_url)
    down = sorted(name for name, ok in checks.items() if not ok)
    if down:
        body = {"error": {"code": "service_unavailable", "message": _("Not ready: %(down)s unreachable.", down=", ".join(down))}}
        return jsonify(body), 503
    return jsonify(status="ok", checks=checks)
