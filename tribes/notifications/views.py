"""HTML pages: the notifications list, and opening one (marks it read, goes to its page)."""

from __future__ import annotations

from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.db import time_id_keyset
from tribes.extensions import csrf, db
from tribes.i18n import _, lazy_gettext
from tribes.notifications import preferences, service, unsubscribe
from tribes.notifications.kinds import KINDS
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationSettingsIn
from tribes.notifications.texts import Reader
from tribes.pages import form_action, local_path, page_blueprint
from tribes.paging import keyset_page

bp = page_blueprint("notifications_pages", __name__)

#: how each mail mode and digest rhythm is named on the settings page
MODE_LABELS = (("instant", lazy_gettext("Right away")), ("digest", lazy_gettext("In the digest")),
               ("off", lazy_gettext("No e-mail")))
DIGEST_LABELS = (("daily", lazy_gettext("Daily")), ("weekly", lazy_gettext("Weekly")))


@bp.get("/notifications")
@login_required
def index() -> Any:
    """My notifications, newest first, each a sentence linking to what it is about."""
    rows, cursor = keyset_page(
        db.session, service.list_query(current_user.id), descending=True,
        **time_id_keyset(Notification.created_at, Notification.id), limit=50,
        cursor=request.args.get("cursor") or None,
    )
    items = service.serialise(db.session, list(rows), Reader.of(current_user))
    return render_template("notifications/index.html", items=items, next_cursor=cursor)


@bp.get("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Any:
    """Mark one of my notifications read and go to the page it is about (else back to the list)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    service.mark_read(db.session, current_user.id, [notification.id])
    [out] = service.serialise(db.session, [notification], Reader.of(current_user))
    return redirect(local_path(out.url) or url_for("notifications_pages.index"))


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Any:
    """Mark every notification read."""
    service.mark_read(db.session, current_user.id, all_=True)
    return redirect(local_path(request.referrer and request.referrer.removeprefix(request.host_url.rstrip("/")))
                    or url_for("notifications_pages.index"))


def settings_section_context(user: Any) -> dict[str, Any]:
    """The "E-mail" section of /settings: every kind with its label and my mode, and the digest."""
    settings = preferences.get_settings(db.session, user.id)
    return {
        "mail_kinds": [(kind.name, kind.label, settings.email[kind.name]) for kind in KINDS],
        "mail_modes": MODE_LABELS,
        "mail_digest": settings.digest,
        "mail_digests": DIGEST_LABELS,
        "mail_verified": bool(user.email_verified),
    }


@bp.post("/settings/email")
@login_required
def email_settings() -> Any:
    """Save the "E-mail" section of the settings page: a mode per kind and the digest's rhythm."""

    def save() -> Any:
        form = request.form
        chosen = {kind.name: form[f"kind-{kind.name}"] for kind in KINDS if f"kind-{kind.name}" in form}
        data = NotificationSettingsIn.model_validate({"email": chosen, "digest": form.get("digest") or None})
        return preferences.update_settings(db.session, current_user.id, data.chosen_modes(), data.digest)

    return form_action(url_for("privacy_pages.settings") + "#email", _("Your e-mail settings are saved."), save)


def _unsubscribe_page(token: str, done: bool) -> Any:
    """The one-click page: which mails stop (GET) or that they stopped (POST); bad token → 404."""
    found = unsubscribe.read_token(db.session, token)
    if found is None:
        abort(404)
    user, kind = found
    if done:
        unsubscribe.unsubscribe(db.session, user.id, kind)
    page = render_template("notifications/unsubscribe.html", label=unsubscribe.label(kind), done=done, token=token)
    response = make_response(page)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


@bp.get("/unsubscribe/<token>")
def unsubscribe_confirm(token: str) -> Any:
    """Name the mails the link stops, with a button that stops them (no login; GET changes nothing)."""
    return _unsubscribe_page(token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: the mail client posts without any cookie; the signed token is the proof
def unsubscribe_now(token: str) -> Any:
    """Turn that kind of mail off → 200 (the RFC 8058 one-click POST, or the page's button)."""
    return _unsubscribe_page(token, done=True)
