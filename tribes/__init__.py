"""Tribes: invite-only professional communities."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported lazily: `tribes serve` monkey-patches before socket/ssl load
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, socket handlers, error handlers."""
    from flask import Flask

    instance_path = os.environ.get("TRIBES_INSTANCE_PATH") or str(Path.cwd() / "instance")
    if config and config.get("INSTANCE_PATH"):
        instance_path = config["INSTANCE_PATH"]
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from tribes.config import load_config

    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    from tribes import json_provider

    json_provider.init_app(app)

    from tribes.extensions import csrf, db, limiter, socketio

    db.init_app(app)
    _init_login(app)
    from tribes import i18n

    i18n.init_app(app)
    csrf.init_app(app)
    redis_url = app.config.get("REDIS_URL")
    from tribes import ratelimits  # registers tribes-memory:// (ratelimits.SweptMemoryStorage)

    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "tribes-memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "tribes")
    # while Redis is away, limits are counted in the process's memory instead of failing requests
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", bool(redis_url))
    limiter.init_app(app)
    ratelimits.check_writes_only(app)
    from tribes.chat.fanout import client_manager

    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "threading"),
        client_manager=client_manager(redis_url if app.config.get("SOCKETIO_USE_QUEUE", True) else None),
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"] or None,
        manage_session=False,
        cookie=None,
    )

    from tribes import logs, metrics
    from tribes.errors import register_error_handlers
    from tribes.features import feature_modules

    logs.init_app(app)
    metrics.init_app(app)

    register_error_handlers(app)
    from tribes.endpoint import commit_successful_request

    app.after_request(commit_successful_request)
    from tribes import security

    security.init_app(app)
    import tribes.models  # noqa: F401  (every model registered before first use)

    for module in feature_modules("api") + feature_modules("views"):
        app.register_blueprint(module.bp)
        if module.__name__.endswith(".api"):
            csrf.exempt(module.bp)
    feature_modules("sockets")
    for module in feature_modules("hooks"):
        module.init_app(app)

    from tribes import assets, health, openapi, pages

    app.register_blueprint(openapi.bp)
    csrf.exempt(openapi.bp)
    app.register_blueprint(health.bp)
    assets.init_app(app)
    pages.init_app(app)
    _wrap_wsgi(app)
    return app


def _wrap_wsgi(app: Flask) -> None:
    """Outermost layers (around Socket.IO's too): trusted proxies only, then whole bodies first."""
    from tribes.wsgi import BufferedBody, TrustedProxies

    inner = app.wsgi_app
    if app.config.get("TRUST_PROXY"):
        inner = TrustedProxies(inner, app.config["TRUSTED_PROXIES"])
    app.wsgi_app = BufferedBody(inner, lambda: app.config.get("MAX_CONTENT_LENGTH"))  # type: ignore[method-assign]


def _init_login(app: Flask) -> None:
    from flask import redirect, request, url_for

    from tribes.accounts import service
    from tribes.errors import Unauthenticated
    from tribes.extensions import db, login_manager

    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(token: str) -> Any:
        # No commit here: the body was read before the app ran (tribes.wsgi.BufferedBody),
        # so no connection waits on a client; the request's one commit writes "last seen".
        return service.load_session_user(db.session, token)

    @login_manager.unauthorized_handler
    def _unauthorized() -> Any:
        if request.path.startswith("/api/"):
            raise Unauthenticated()
        return redirect(url_for("accounts_pages.login", next=request.full_path.rstrip("?")))
