"""HTML pages: register, log in, log out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from pydantic import ValidationError

from tribes.accounts import schemas, service
from tribes.errors import ValidationFailed, pydantic_fields
from tribes.extensions import client_address, db

bp = Blueprint("accounts_pages", __name__)


def safe_next(default: str) -> str:
    """The ?next= target if it is a local path, else the default."""
    target = request.values.get("next") or ""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.netloc:
        return target
    return default


def log_in(user: Any) -> None:
    """Start a fresh server-side session for the user and set the cookie."""
    session.clear()
    service.start_session(db.session, user, ip=client_address(), user_agent=request.headers.get("User-Agent"))
    db.session.commit()
    login_user(user)
    session.permanent = True


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """Create an account."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = schemas.RegisterIn.model_validate(
                {k: request.form.get(k, "") for k in ("email", "password", "display_name")}
            )
            user = service.register(db.session, data.email, data.password, data.display_name)
            db.session.commit()
        except ValidationError as exc:
            errors = pydantic_fields(exc)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields or {}
        else:
            log_in(user)
            flash("Welcome to Tribes.", "success")
            return redirect(safe_next(url_for("groups_pages.my_tribes")))
        flash("Please correct the marked fields.", "error")
    return render_template("accounts/register.html", errors=errors, form=request.form), (422 if errors else 200)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with e-mail and password."""
    if request.method == "POST":
        user = service.authenticate(db.session, request.form.get("email", ""), request.form.get("password", "")[:1024])
        if user is not None:
            log_in(user)
            return redirect(safe_next(url_for("groups_pages.my_tribes")))
        db.session.commit()
        flash("Wrong e-mail or password.", "error")
        return render_template("accounts/login.html", form=request.form), 401
    if current_user.is_authenticated:
        return redirect(url_for("groups_pages.my_tribes"))
    return render_template("accounts/login.html", form={})


@bp.post("/logout")
def logout() -> Any:
    """Log out: the server-side session ends."""
    if current_user.is_authenticated:
        service.end_sessions(db.session, current_user.id, only=[current_user.session_id], reason="logout")
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("accounts_pages.login"))
