"""Blocks, profile visibility, GET /users/{id} and the contact-request rate limits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tribes.accounts.models import User
from tribes.db import utcnow
from tribes.extensions import db


def befriend(a, b) -> None:
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    assert b.post(f"contacts/requests/{rid}/accept").status_code == 200


def test_users_endpoint_hides_strangers(make_user, make_tribe):
    a, b, stranger = make_user(), make_user(), make_user()
    make_tribe(a, [b])
    assert a.get(f"users/{b.user['id']}").status_code == 200
    hidden, missing = a.get(f"users/{stranger.user['id']}"), a.get("users/999999")
    assert hidden.status_code == missing.status_code == 404 and hidden.data == missing.data
    assert "email" not in a.get(f"users/{b.user['id']}").get_json()


def test_contacts_outside_tribes_see_each_other_until_blocked(make_user, make_tribe):
    a, b = make_user(), make_user()
    tribe = make_tribe(a, [b])
    befriend(a, b)
    assert b.delete(f"tribes/{tribe['slug']}/members/{b.user['id']}").status_code == 204
    assert b.get(f"users/{a.user['id']}").status_code == 200  # contacts, no shared tribe
    assert a.post("blocks", {"user_id": b.user["id"]}).status_code == 201
    assert a.get("contacts").get_json()["items"] == []
    assert b.get("contacts").get_json()["items"] == []
    assert b.get(f"users/{a.user['id']}").status_code == 404
    assert b.post("contacts/requests", {"user_id": a.user["id"]}).status_code == 404
    assert [n["kind"] for n in b.get("notifications").get_json()["items"]] == ["contact_request"]
    assert [x["user"]["id"] for x in a.get("blocks").get_json()["items"]] == [b.user["id"]]
    assert a.post("blocks", {"user_id": b.user["id"]}).status_code == 200
    assert a.delete(f"blocks/{b.user['id']}").status_code == 204
    assert a.delete(f"blocks/{b.user['id']}").status_code == 404


def test_blocked_user_still_seen_inside_a_shared_tribe(make_user, make_tribe):
    a, b = make_user(), make_user()
    make_tribe(a, [b])
    a.post("blocks", {"user_id": b.user["id"]})
    assert b.get(f"users/{a.user['id']}").status_code == 200
    assert a.post("contacts/requests", {"user_id": b.user["id"]}).status_code == 409
    assert a.post("blocks", {"user_id": 999999}).status_code == 404


def test_profile_visibility_decides_who_sees_the_bio(make_user, make_tribe):
    owner, member, friend = make_user(), make_user(), make_user()
    make_tribe(owner, [member, friend])
    befriend(owner, friend)
    owner.patch("me", {"bio": "Likes ducks", "avatar_url": "https://example.test/a.png"})
    seen = {v: {} for v in ("tribes", "contacts", "nobody")}
    for visibility in seen:
        owner.patch("me", {"profile_visibility": visibility})
        seen[visibility] = {
            "member": member.get(f"users/{owner.user['id']}").get_json(),
            "friend": friend.get(f"users/{owner.user['id']}").get_json(),
        }
    assert seen["tribes"]["member"]["bio"] == "Likes ducks"
    assert seen["tribes"]["member"]["avatar_url"] == "https://example.test/a.png"
    assert "bio" not in seen["contacts"]["member"] and "avatar_url" not in seen["contacts"]["member"]
    assert seen["contacts"]["friend"]["bio"] == "Likes ducks"
    assert "bio" not in seen["nobody"]["friend"] and "bio" not in seen["nobody"]["member"]
    for views in seen.values():
        for card in views.values():
            assert card["display_name"] == owner.user["display_name"]


def test_contact_request_limit_is_stricter_for_new_accounts(app, make_user, make_tribe):
    app.config["LIMIT_CONTACT_REQUESTS"] = "3 per day"
    app.config["LIMIT_CONTACT_REQUESTS_NEW"] = "1 per day"
    sender = make_user()
    others = [make_user() for _ in range(5)]
    make_tribe(sender, others)
    # Refused sends (404, 422) do not count.
    assert sender.post("contacts/requests", {"user_id": 999999}).status_code == 404
    assert sender.post("contacts/requests", {"user_id": others[0].user["id"]}).status_code == 202
    limited = sender.post("contacts/requests", {"user_id": others[1].user["id"]})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # An account older than a week gets the ordinary limit.
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == sender.user["id"]).values(created_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
        db.remove()
    codes = [sender.post("contacts/requests", {"user_id": o.user["id"]}).status_code for o in others[1:]]
    assert codes == [202, 202, 202, 429]


def test_member_list_hides_the_avatar_unless_shown_to_tribes(make_user, make_tribe):
    owner, member = make_user(), make_user()
    tribe = make_tribe(owner, [member])
    owner.patch("me", {"avatar_url": "https://example.test/me.png", "profile_visibility": "contacts"})
    cards = [m["user"] for m in member.get(f"tribes/{tribe['slug']}/members").get_json()["items"]]
    assert all("avatar_url" not in c and "bio" not in c for c in cards)
    owner.patch("me", {"profile_visibility": "tribes"})
    cards = [m["user"] for m in member.get(f"tribes/{tribe['slug']}/members").get_json()["items"]]
    assert cards[0]["avatar_url"] == "https://example.test/me.png"
    assert owner.get("me").get_json()["avatar_url"] == "https://example.test/me.png"
