"""Things every page needs: the home route and template globals."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, redirect, request, url_for
from flask_login import current_user
from pydantic import BaseModel

from tribes.errors import ValidationFailed
from tribes.http import MAX_INT, check_arguments, storable_text
from tribes.i18n import _


def form_action(back: str, done: str | Callable[[Any], str], action: Callable[[], Any]) -> Any:
    """Run one service call from a page form, flash the outcome and go back (the request's
    one commit, `endpoint.commit_successful_request`, stores it; errors roll back).

    `done` is the success message, or makes it from what `action` returned. Field and
    rule errors become flash messages; hidden things (404) stay 404 pages.
    """
    from flask import flash
    from pydantic import ValidationError

    from tribes.errors import ApiError, pydantic_fields
    from tribes.extensions import db

    try:
        result = action()
    except ValidationError as exc:
        db.session.rollback()
        flash("; ".join(f"{k}: {v}" for k, v in pydantic_fields(exc).items()), "error")
    except ApiError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(done(result) if callable(done) else done, "success")
    return redirect(back)


def form_page(
    template: str,
    schema: type[BaseModel],
    action: Callable[[Any], Any],
    done: Callable[[Any], Any],
    *,
    fields: Iterable[str] | None = None,
    values: Callable[[], dict[str, Any]] | None = None,
    error_field: str = "form",
    context: Callable[[], dict[str, Any]] | None = None,
) -> Any:
    """A page with one form: GET renders `template`; POST validates the form with `schema`,
    runs `action(data)` and answers `done(result)` (flash and redirect); the request's one
    commit stores it.

    The form's values are `values()` or the named `fields` ("" when missing). Field errors
    (the schema's, or a service's ApiError; one without fields goes to `error_field`) roll
    back and re-render the template with `errors` and the posted `form`, status 422; hidden
    things (404) stay 404 pages. `context()` adds to the template's variables.
    """
    from flask import flash, render_template
    from pydantic import ValidationError

    from tribes.errors import ApiError, pydantic_fields
    from tribes.extensions import db

    errors: dict[str, str] = {}
    if request.method == "POST":
        raw = values() if values is not None else {k: request.form.get(k, "") for k in fields or ()}
        try:
            result = action(schema.model_validate(raw))
        except ValidationError as exc:
            db.session.rollback()
            errors = pydantic_fields(exc)
        except ApiError as exc:
            db.session.rollback()
            if exc.status == 404:
                raise
            errors = exc.fields or {error_field: exc.message}
        else:
            return done(result)
        flash(_("Please correct the marked fields."), "error")
    extra = context() if context is not None else {}
    return render_template(template, errors=errors, form=request.form, **extra), (422 if errors else 200)


#: longest `next` target followed; anything longer goes to the default
MAX_NEXT_LENGTH = 2000


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (the one check for every `next`).

    Refused: absolute URLs and scheme-relative ones (`//host`), backslashes (`/\\host`),
    whitespace and control characters (browsers drop a tab or newline from a Location, so
    `/<TAB>/host` would become `//host`), and the same tricks percent-encoded.
    """
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/"):
        return None
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    decoded = unquote(target)
    if any(text.startswith("//") or "\\" in text for text in (target, decoded)):
        return None
    if any(unicodedata.category(ch)[0] == "C" for ch in decoded):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_local(target: str | None, default: str) -> Any:
    """Redirect to `target` when it is a path on this site (see `local_path`), else to `default`."""
    return redirect(local_path(target) or default)


def add_nav_link(app: Flask, endpoint: str, label: Any) -> None:
    """A link in the site header for logged-in people (features call this from hooks.py)."""
    app.extensions.setdefault("tribes_nav", []).append((endpoint, label))


def set_nav_counter(app: Flask, endpoint: str, counter: Callable[[Any, int], int]) -> None:
    """A badge count on the header link `endpoint` (counter(session, user_id))."""
    app.extensions.setdefault("tribes_nav_counters", {})[endpoint] = counter


#: makes a tribe section's data from (tribe, membership); runs in the view, never in Jinja
SectionContext = Callable[[Any, Any], dict[str, Any]]


def set_unread_counter(app: Flask, counter: Callable[[Any, int], int]) -> None:
    """The function that counts a user's unread notifications for the header badge."""
    app.extensions["tribes_unread_counter"] = counter


def set_tribe_unread_counter(app: Flask, counter: Callable[[Any, int], int]) -> None:
    """The function that counts a user's unread chat messages in all their tribes (the badge on "My tribes")."""
    app.extensions["tribes_unread_messages_counter"] = counter


def set_live_tribes_provider(app: Flask, provider: Callable[[Any, int], dict[str, Any]]) -> None:
    """The function that gives the pages' live unread badges (static/unread.js) what to follow:
    `{"tribes": {slug: unread count}, "after": newest message id}` for a user."""
    app.extensions["tribes_live_tribes_provider"] = provider


def add_tribe_section(app: Flask, template: str, context: SectionContext | None = None) -> None:
    """A template included on a tribe's home page, with `tribe`, `me` (the membership), `may`
    (its abilities) and whatever `context(tribe, me)` returns, computed by the view."""
    app.extensions.setdefault("tribes_tribe_sections", []).append(template)
    if context is not None:
        app.extensions.setdefault("tribes_tribe_section_contexts", []).append(context)


def tribe_section_context(tribe: Any, me: Any) -> dict[str, Any]:
    """The data every registered tribe section needs, asked of the features in Python."""
    from flask import current_app

    merged: dict[str, Any] = {}
    for context in current_app.extensions.get("tribes_tribe_section_contexts", []):
        merged.update(context(tribe, me))
    return merged


def add_settings_section(
    app: Flask, template: str, context: Callable[[Any], dict[str, Any]] | None = None
) -> None:
    """A template included on the user's settings page, with current_user and what
    `context(user)` returns, computed by the view."""
    app.extensions.setdefault("tribes_settings_sections", []).append(template)
    if context is not None:
        app.extensions.setdefault("tribes_settings_section_contexts", []).append(context)


def settings_section_context(user: Any) -> dict[str, Any]:
    """The data every registered settings section needs."""
    from flask import current_app

    merged: dict[str, Any] = {}
    for context in current_app.extensions.get("tribes_settings_section_contexts", []):
        merged.update(context(user))
    return merged


def check_page_input() -> None:
    """Path values that name nothing are 404; form values no database can store are 422."""
    check_arguments()
    bad = {key: _("Contains characters that cannot be stored.") for key, value in request.form.items(multi=True)
           if not storable_text(value)}
    if bad:
        raise ValidationFailed(bad)


def form_id(value: str | None) -> int | None:
    """A form field naming a row by id, read by the API's rule: ASCII digits within
    1..2^53 - 1 (`http.MAX_INT`), else None (a larger number names nothing and never reaches
    the database, where SQLite cannot even bind it beyond 2^63)."""
    raw = (value or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_INT)):
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_INT else None


def fragment(view: Any) -> Any:
    """Mark a view that answers a piece of a page for a script to swap in (no <html>, no
    title), not a page: the whole-site page checks (tests/e2e/test_every_page.py) leave it out."""
    view.is_fragment = True
    return view


def page_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of HTML pages whose input is checked like the API's."""
    bp = Blueprint(name, import_name)
    bp.before_request(check_page_input)
    return bp


def init_app(app: Flask) -> None:
    """Register the site root and the template context."""

    @app.get("/")
    def index() -> Any:
        """Logged-in people land on their tribes, others on the login page."""
        if current_user.is_authenticated:
            return redirect(url_for("groups_pages.my_tribes"))
        return redirect(url_for("accounts_pages.login"))

    @app.context_processor
    def _globals() -> dict[str, Any]:
        """Unread counts (and what the live badges follow), header links, tribe and settings sections, and `has_page(endpoint)`."""
        unread = unread_messages = 0
        nav_counts: dict[str, int] = {}
        nav_counters = app.extensions.get("tribes_nav_counters", {})
        live_tribes: dict[str, Any] | None = None
        counter = app.extensions.get("tribes_unread_counter")
        messages_counter = app.extensions.get("tribes_unread_messages_counter")
        live_provider = app.extensions.get("tribes_live_tribes_provider")
        if current_user.is_authenticated and (
            counter is not None or messages_counter is not None or live_provider is not None or nav_counters
        ):
            from sqlalchemy.exc import SQLAlchemyError

            from tribes.extensions import db

            try:
                unread = counter(db.session, current_user.id) if counter is not None else 0
                if messages_counter is not None:
                    unread_messages = messages_counter(db.session, current_user.id)
                if live_provider is not None:
                    live_tribes = live_provider(db.session, current_user.id)
                nav_counts = {e: c(db.session, current_user.id) for e, c in nav_counters.items()}
            except SQLAlchemyError:  # an error page must render even when the database fails
                db.session.rollback()
        return {
            "unread_notifications": unread,
            "unread_messages": unread_messages,
            "live_tribes": live_tribes,
            "nav_links": app.extensions.get("tribes_nav", []),
            "nav_counts": nav_counts,
            "tribe_sections": app.extensions.get("tribes_tribe_sections", []),
            "settings_sections": app.extensions.get("tribes_settings_sections", []),
            "has_page": lambda endpoint: endpoint in app.view_functions,
        }
