"""Extensions, created unbound; create_app binds them."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from tribes.db import Database


def client_address() -> str:
    """The client's address (the proxy is expected to set REMOTE_ADDR via ProxyFix)."""
    return request.remote_addr or "unknown"


def user_or_address() -> str:
    """Key limits by the logged-in user, else by address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{client_address()}"


db = Database()
login_manager = LoginManager()
socketio = SocketIO()
limiter = Limiter(key_func=client_address)
csrf = CSRFProtect()
