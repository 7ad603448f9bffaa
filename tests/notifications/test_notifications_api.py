"""Notifications: newest first, keyset pages, unread filter, mark read, page and badge."""

from __future__ import annotations

from tribes.extensions import db
from tribes.notifications.service import notify


def seed(app, user_id: int, n: int) -> None:
    with app.app_context():
        for i in range(n):
            notify(db.session, user_id, "test", {"text": f"note {i}"})
        db.session.commit()
        db.remove()


def test_list_pages_newest_first_with_bounded_queries(app, make_user, count_queries):
    me, other = make_user(), make_user()
    seed(app, me.user["id"], 5)
    seed(app, other.user["id"], 2)
    response, _ = count_queries.measure(lambda: me.get("notifications?limit=3"))
    first = response.get_json()
    assert len([s for s in count_queries.statements if "notifications" in s]) <= 2
    assert [n["data"]["text"] for n in first["items"]] == ["note 4", "note 3", "note 2"]
    second = me.get(f"notifications?limit=3&cursor={first['next_cursor']}").get_json()
    assert [n["data"]["text"] for n in second["items"]] == ["note 1", "note 0"]
    assert second["next_cursor"] is None
    assert me.get("notifications?cursor=garbage").status_code == 422


def test_mark_read_by_ids_and_all(app, make_user):
    me, other = make_user(), make_user()
    seed(app, me.user["id"], 3)
    seed(app, other.user["id"], 1)
    ids = [n["id"] for n in me.get("notifications").get_json()["items"]]
    theirs = other.get("notifications").get_json()["items"][0]["id"]
    response = me.post("notifications/read", {"ids": [ids[0], theirs]})
    assert response.status_code == 200 and response.get_json() == {"updated": 1, "unread": 2}
    assert len(me.get("notifications?unread=1").get_json()["items"]) == 2
    assert other.get("notifications?unread=1").get_json()["items"][0]["id"] == theirs
    assert me.post("notifications/read", {"all": True}).get_json() == {"updated": 2, "unread": 0}
    assert me.get("notifications?unread=1").get_json()["items"] == []
    assert me.post("notifications/read", {}).status_code == 422
    assert me.post("notifications/read", {"ids": "x"}).status_code == 422


def test_page_shows_notifications_and_badge(app, make_user, make_tribe):
    a, b = make_user("Ada"), make_user("Bo")
    make_tribe(a, [b])
    a.post("contacts/requests", {"user_id": b.user["id"]})
    page = b.get("/notifications").get_data(as_text=True)
    assert "Ada" in page and "would like to be your contact" in page
    assert 'aria-label="1 unread"' in page
    token = b.csrf
    b.http.get("/notifications")
    done = b.http.post("/notifications/read", data={"csrf_token": _form_token(b)})
    assert done.status_code == 302
    assert 'aria-label="1 unread"' not in b.get("/notifications").get_data(as_text=True)
    assert token


def _form_token(client) -> str:
    import re

    html = client.get("/notifications").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
