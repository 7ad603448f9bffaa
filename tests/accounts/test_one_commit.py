"""One commit per request: loading the session user never commits; "last seen" still shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tribes.accounts import service
from tribes.accounts.models import UserSession
from tribes.db import utcnow


def test_loading_the_session_user_does_not_commit(session: Any) -> None:
    user = service.register(session, "loader@example.test", "correct horse battery staple", "Loader")
    raw = service.start_session(session, user)
    old = utcnow() - timedelta(hours=3)
    session.execute(update(UserSession).values(last_seen_at=old))
    session.commit()
    assert service.load_session_user(session, raw) is not None
    session.rollback()  # nothing was committed by the loader: the stamp goes with the rollback
    seen = session.scalar(select(UserSession.last_seen_at))
    assert abs(seen - old) < timedelta(seconds=1)


def test_last_seen_is_written_by_the_request(app: Any, make_user: Any) -> None:
    api = make_user()
    old = utcnow() - timedelta(hours=3)
    with app.app_context():
        from tribes.extensions import db

        db.session.execute(update(UserSession).values(last_seen_at=old))
        db.session.commit()
        db.session.remove()
    listed = api.get("me/sessions").get_json()["items"][0]
    assert listed["last_seen_at"] > old.isoformat()
    # ...and it was stored, not only shown.
    again = api.get("me/sessions").get_json()["items"][0]
    assert again["last_seen_at"] == listed["last_seen_at"]


def test_sessions_are_paged(make_user: Any, make_client: Any) -> None:
    make_user(email="pages@example.test")
    for _ in range(3):
        assert make_client().login("pages@example.test").status_code == 200
    phone = make_client()
    assert phone.login("pages@example.test").status_code == 200
    first = phone.get("me/sessions?limit=3").get_json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    assert first["items"][0]["current"] is True  # newest first: this one
    rest = phone.get(f"me/sessions?limit=3&cursor={first['next_cursor']}").get_json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    seen = first["items"] + rest["items"]
    assert len({s["id"] for s in seen}) == 5
    created = [s["created_at"] for s in seen]
    assert created == sorted(created, reverse=True)  # ids are random: the order is by time


def test_a_page_view_writes_last_seen_too(app: Any, make_user: Any) -> None:
    """Pages that only read still store the session's "last seen" (the request's one commit)."""
    api = make_user()
    old = utcnow() - timedelta(hours=3)
    with app.app_context():
        from tribes.extensions import db

        db.session.execute(update(UserSession).values(last_seen_at=old))
        db.session.commit()
        db.remove()
    assert api.get("/tribes").status_code == 200  # the "my tribes" page, not the API
    with app.app_context():
        from tribes.extensions import db

        seen = db.session.scalar(select(UserSession.last_seen_at))
        db.remove()
    assert seen - old > timedelta(hours=2)
