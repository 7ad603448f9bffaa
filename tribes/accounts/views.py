"""HTML pages: register, log in, log out."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import ValidationError

from tribes.accounts import limits, schemas, service
from tribes.accounts.api import begin_login, end_login
from tribes.errors import ValidationFailed, pydantic_fields
from tribes.extensions import db
from tribes.i18n import browser_locale
from tribes.pages import form_page, local_path, page_blueprint

bp = page_blueprint("accounts_pages", __name__)

REGISTER_FIELDS = ("email", "password", "display_name")


def safe_next(default: str) -> str:
    """The `next` target (query or form) if it is a path on this site, else the default."""
    return local_path(request.values.get("next")) or default


def log_in(user: Any) -> None:
    """Start a fresh server-side session for the user (ends this browser's previous one);
    the request's one commit stores it."""
    begin_login(user)


def register_from_form() -> tuple[Any, dict[str, str]]:
    """Validate the registration fields of the posted form and create the user (flushed).

    Returns (user, {}) or (None, field errors); used by the invite landing page.
    """
    try:
        data = schemas.RegisterIn.model_validate({k: request.form.get(k, "") for k in REGISTER_FIELDS})
        user = service.register(db.session, data.email, data.password, data.display_name, locale=browser_locale())
    except ValidationError as exc:
        return None, pydantic_fields(exc)
    except ValidationFailed as exc:
        db.session.rollback()
        return None, exc.fields or {"email": exc.message}
    return user, {}


def _register(data: schemas.RegisterIn) -> None:
    """Create the account and log it in (flushed; the request's one commit stores both)."""
    begin_login(service.register(db.session, data.email, data.password, data.display_name, locale=browser_locale()))


def _welcome(_: None) -> Any:
    flash("Welcome to Tribes.", "success")
    return redirect(safe_next(url_for("groups_pages.my_tribes")))


@bp.route("/register", methods=["GET", "POST"])
@limits.registration_per_address
def register() -> Any:
    """Create an account."""
    return form_page(
        "accounts/register.html", schemas.RegisterIn, _register, _welcome,
        fields=REGISTER_FIELDS, error_field="email",
    )


@bp.route("/login", methods=["GET", "POST"])
@limits.login_limits
def login() -> Any:
    """Log in with e-mail and password."""
    if request.method == "POST":
        email = request.form.get("email", "")[:320]
        password = request.form.get("password", "")[:1024]
        user = service.authenticate(db.session, email, password)
        if user is not None:
            begin_login(user)
            return redirect(safe_next(url_for("groups_pages.my_tribes")))
        flash("Wrong e-mail or password.", "error")
        return render_template("accounts/login.html", form={"email": email}), 401
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("groups_pages.my_tribes")))
    return render_template("accounts/login.html", form={})


@bp.post("/logout")
def logout() -> Any:
    """Log out: the server-side session ends."""
    end_login()
    flash("You are logged out.", "success")
    return redirect(url_for("accounts_pages.login"))
