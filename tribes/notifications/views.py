"""HTML pages: the notifications list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.db import time_id_keyset
from tribes.extensions import db
from tribes.notifications import service
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut
from tribes.paging import keyset_page

bp = Blueprint("notifications_pages", __name__)


@bp.get("/notifications")
@login_required
def index() -> Any:
    """My notifications, newest first, with a button to mark them read."""
    rows, cursor = keyset_page(
        db.session, service.list_query(current_user.id), descending=True,
        **time_id_keyset(Notification.created_at, Notification.id), limit=50
    )
    return render_template(
        "notifications/index.html", items=[NotificationOut.of(n).model_dump(mode="json") for n in rows], next_cursor=cursor
    )


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> Any:
    """Mark every notification read."""
    service.mark_read(db.session, current_user.id, all_=True)
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("notifications_pages.index"))
