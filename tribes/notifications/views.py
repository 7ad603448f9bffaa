"""HTML pages: the notifications list, and opening one (marks it read, goes to its page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.notifications import service
from tribes.notifications.models import Notification
from tribes.notifications.texts import Reader
from tribes.pages import local_path
from tribes.paging import keyset_page

bp = Blueprint("notifications_pages", __name__)


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
