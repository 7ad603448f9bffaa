"""JSON API: my notifications, newest first, and marking them read."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from tribes.db import time_id_keyset
from tribes.endpoint import Page, endpoint
from tribes.extensions import db
from tribes.http import api_blueprint
from tribes.notifications import preferences, schemas, service
from tribes.notifications.models import Notification
from tribes.notifications.schemas import NotificationOut
from tribes.notifications.texts import Reader
from tribes.paging import keyset_page

bp = api_blueprint("notifications_api", __name__)


@bp.get("/notifications")
@endpoint(Page[NotificationOut], paged=True)
def list_notifications() -> Page[NotificationOut]:
    """My notifications, newest first; `?unread=1` for unread ones only."""
    unread = request.args.get("unread", "").lower() in {"1", "true", "yes"}
    stmt = service.list_query(current_user.id, unread_only=unread)
    rows, cursor = keyset_page(db.session, stmt, descending=True,
                               **time_id_keyset(Notification.created_at, Notification.id))
    return Page(items=service.serialise(db.session, list(rows), Reader.of(current_user)), next_cursor=cursor)


@bp.post("/notifications/read")
@endpoint(schemas.MarkedReadOut, body=schemas.MarkReadIn)
def mark_read(data: schemas.MarkReadIn) -> schemas.MarkedReadOut:
    """Mark `ids` (or `all`) read → 200 `{updated, unread}`; others' ids are ignored."""
    updated = service.mark_read(db.session, current_user.id, data.ids, all_=data.all)
    return schemas.MarkedReadOut(updated=updated, unread=service.unread_count(db.session, current_user.id))


@bp.get("/me/notification-settings")
@endpoint(schemas.NotificationSettingsOut)
def get_notification_settings() -> schemas.NotificationSettingsOut:
    """My mail settings: a mode for every notification kind, and the digest's rhythm."""
    return schemas.NotificationSettingsOut.of(preferences.get_settings(db.session, current_user.id))


@bp.patch("/me/notification-settings")
@endpoint(schemas.NotificationSettingsOut, body=schemas.NotificationSettingsIn)
def patch_notification_settings(data: schemas.NotificationSettingsIn) -> schemas.NotificationSettingsOut:
    """Change any subset → 200 the whole settings; an unknown kind or mode is 422."""
    settings = preferences.update_settings(db.session, current_user.id, data.chosen_modes(), data.digest)
    return schemas.NotificationSettingsOut.of(settings)
