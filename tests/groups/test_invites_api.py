"""Invites: tokens, expiry, uses, revoke, for_user, invite policy, preview, accept, the tree."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from tribes.db import Base, utcnow
from tribes.extensions import db
from tribes.groups.models import Invite, Membership, Tribe


@contextmanager
def database(app: Any) -> Iterator[Any]:
    """A database session in its own short app context (requests must not share one)."""
    with app.app_context():
        yield db.session
        db.remove()

INVITE_KEYS = {"id", "tribe", "created_by", "for_user", "max_uses", "uses", "expires_at", "revoked"}


def test_create_invite_token_and_storage(app: Any, make_tribe: Any) -> None:
    tribe = make_tribe()
    owner = tribe["owner"]
    response = owner.post(f"tribes/{tribe['slug']}/invites", {"max_uses": 3, "expires_in_hours": 2})
    assert response.status_code == 201
    invite = response.get_json()
    assert INVITE_KEYS | {"token", "url"} <= set(invite)
    assert (invite["max_uses"], invite["uses"], invite["revoked"], invite["for_user"]) == (3, 0, False, None)
    token = invite["token"]
    assert len(token) >= 22  # ≥ 128 bits in url-safe base64
    assert invite["url"].endswith(token) and invite["url"].startswith("http")
    with database(app) as session:
        row = session.get(Invite, invite["id"])
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        # the raw token is nowhere in the database
        for table in Base.metadata.sorted_tables:
            for record in session.execute(select(table)).all():
                assert token not in repr(tuple(record)), table.name
    listing = owner.get(f"tribes/{tribe['slug']}/invites").get_json()["items"]
    assert [i["id"] for i in listing] == [invite["id"]]
    assert set(listing[0]) >= INVITE_KEYS and "token" not in listing[0] and "url" not in listing[0]
    tokens = {owner.post(f"tribes/{tribe['slug']}/invites", {}).get_json()["token"] for _ in range(5)}
    assert len(tokens) == 5


def test_invite_body_bounds(make_tribe: Any) -> None:
    tribe = make_tribe()
    owner, url = tribe["owner"], f"tribes/{tribe['slug']}/invites"
    for body in ({"max_uses": 0}, {"max_uses": 1001}, {"expires_in_hours": 0}, {"expires_in_hours": 8761}):
        response = owner.post(url, body)
        assert response.status_code == 422, body
        assert set(response.get_json()["error"]["fields"]) == set(body)
    assert owner.post(url, {"max_uses": 1000, "expires_in_hours": 8760}).status_code == 201


def test_preview_and_accept(make_user: Any, make_tribe: Any) -> None:
    joiner = make_user()
    tribe = make_tribe(name="Climbers", description="Up")
    owner = tribe["owner"]
    invite = owner.post(f"tribes/{tribe['slug']}/invites", {"max_uses": 2}).get_json()
    preview = joiner.get(f"invites/{invite['token']}")
    assert preview.status_code == 200
    data = preview.get_json()
    assert data["tribe"] == {"name": "Climbers", "description": "Up", "member_count": 1}
    assert data["invited_by"]["id"] == owner.user["id"]
    assert data["expires_at"] == invite["expires_at"]
    accepted = joiner.post(f"invites/{invite['token']}/accept")
    assert accepted.status_code == 200
    member = accepted.get_json()
    assert member["user"]["id"] == joiner.user["id"] and member["role"] == "member"
    assert member["invited_by"]["id"] == owner.user["id"]
    again = joiner.post(f"invites/{invite['token']}/accept")
    assert again.status_code == 200
    listing = owner.get(f"tribes/{tribe['slug']}/invites").get_json()["items"]
    assert listing[0]["uses"] == 1  # already a member: not counted twice
    assert joiner.get(f"tribes/{tribe['slug']}").get_json()["member_count"] == 2
    assert joiner.get("invites/not-a-real-token").status_code == 404
    assert joiner.post("invites/not-a-real-token/accept").status_code == 404


def test_used_up_expired_and_revoked(app: Any, make_user: Any, make_tribe: Any) -> None:
    first, second = make_user(), make_user()
    tribe = make_tribe()
    owner, url = tribe["owner"], f"tribes/{tribe['slug']}/invites"
    single = owner.post(url, {}).get_json()
    assert first.post(f"invites/{single['token']}/accept").status_code == 200
    assert second.get(f"invites/{single['token']}").status_code == 404
    assert second.post(f"invites/{single['token']}/accept").status_code == 404
    expired = owner.post(url, {}).get_json()
    with database(app) as session:
        past = utcnow() - timedelta(seconds=1)
        session.execute(update(Invite).where(Invite.id == expired["id"]).values(expires_at=past))
        session.commit()
    assert second.get(f"invites/{expired['token']}").status_code == 404
    assert second.post(f"invites/{expired['token']}/accept").status_code == 404
    revoked = owner.post(url, {"max_uses": 10}).get_json()
    assert owner.delete(f"{url}/{revoked['id']}").status_code == 204
    assert second.get(f"invites/{revoked['token']}").status_code == 404
    assert second.post(f"invites/{revoked['token']}/accept").status_code == 404
    listed = {i["id"]: i for i in owner.get(url).get_json()["items"]}
    assert listed[revoked["id"]]["revoked"] is True
    assert owner.delete(f"{url}/999999").status_code == 404
    assert second.get(f"tribes/{tribe['slug']}").status_code == 404


def test_for_user_invites(make_user: Any, make_tribe: Any) -> None:
    wanted, other = make_user(), make_user()
    tribe = make_tribe()
    owner = tribe["owner"]
    make_tribe(owner=owner, members=[wanted])  # a targeted invite goes to someone the inviter may see
    invite = owner.post(f"tribes/{tribe['slug']}/invites", {"for_user_id": wanted.user["id"], "max_uses": 5}).get_json()
    assert invite["for_user"]["id"] == wanted.user["id"]
    assert other.get(f"invites/{invite['token']}").status_code == 404
    assert other.post(f"invites/{invite['token']}/accept").status_code == 404
    assert wanted.get(f"invites/{invite['token']}").status_code == 200
    assert wanted.post(f"invites/{invite['token']}/accept").status_code == 200
    assert owner.post(f"tribes/{tribe['slug']}/invites", {"for_user_id": 987654}).status_code == 422


def test_invite_policy(make_user: Any, make_tribe: Any) -> None:
    member, organiser, newcomer = make_user(), make_user(), make_user()
    tribe = make_tribe(members=[member, organiser])
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}/members/{organiser.user['id']}", {"role": "organiser"})
    for api in (member, organiser):
        refused = api.post(f"tribes/{slug}/invites", {})
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"
    owner_invite = owner.post(f"tribes/{slug}/invites", {}).get_json()
    policy = {"invite_policy": "members", "new_member_hours": 0}
    assert owner.patch(f"tribes/{slug}", policy).status_code == 200
    mine = member.post(f"tribes/{slug}/invites", {})
    assert mine.status_code == 201
    # members see and revoke only their own invites
    assert [i["id"] for i in member.get(f"tribes/{slug}/invites").get_json()["items"]] == [mine.get_json()["id"]]
    assert member.delete(f"tribes/{slug}/invites/{owner_invite['id']}").status_code == 404
    assert len(owner.get(f"tribes/{slug}/invites").get_json()["items"]) == 4  # 2 from make_tribe
    accepted = newcomer.post(f"invites/{mine.get_json()['token']}/accept").get_json()
    assert accepted["invited_by"]["id"] == member.user["id"]
    assert member.delete(f"tribes/{slug}/invites/{mine.get_json()['id']}").status_code == 204


def test_invite_tree_nested(make_user: Any, make_tribe: Any) -> None:
    a, b, c = make_user(), make_user(), make_user()
    tribe = make_tribe(members=[a], invite_policy="members")
    slug, owner = tribe["slug"], tribe["owner"]
    owner.patch(f"tribes/{slug}", {"new_member_hours": 0})
    token = a.post(f"tribes/{slug}/invites", {}).get_json()["token"]
    b.post(f"invites/{token}/accept")
    token = b.post(f"tribes/{slug}/invites", {}).get_json()["token"]
    c.post(f"invites/{token}/accept")
    b.delete(f"tribes/{slug}/members/{b.user['id']}")  # b leaves; the tree keeps them
    assert a.get(f"tribes/{slug}/invite-tree").status_code == 403
    tree = owner.get(f"tribes/{slug}/invite-tree").get_json()["items"]
    assert len(tree) == 1
    root = tree[0]
    assert root["user"]["id"] == owner.user["id"] and root["role"] == "owner"
    (node_a,) = root["children"]
    assert node_a["user"]["id"] == a.user["id"]
    (node_b,) = node_a["children"]
    assert node_b["user"]["id"] == b.user["id"] and node_b["role"] is None
    (node_c,) = node_b["children"]
    assert node_c["user"]["id"] == c.user["id"] and node_c["children"] == []


def race(app: Any, users: list[Any], token: str) -> list[int]:
    """Accept one token from many threads at once, each with its own Flask test client."""
    barrier = threading.Barrier(len(users))
    results: list[int] = [0] * len(users)

    def run(index: int, api: Any) -> None:
        client = app.test_client()
        client.set_cookie("tribes_session", api.http.get_cookie("tribes_session").value)
        barrier.wait()
        response = client.post(f"/api/v1/invites/{token}/accept", headers={"X-CSRF-Token": api.csrf})
        results[index] = response.status_code

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def check_single_use_race(app: Any, make_user: Any, make_tribe: Any, n: int) -> None:
    """n users race for a single-use invite: exactly one becomes a member."""
    users = [make_user() for _ in range(n)]
    tribe = make_tribe()
    invite = tribe["owner"].post(f"tribes/{tribe['slug']}/invites", {}).get_json()
    results = race(app, users, invite["token"])
    assert sorted(results) == [200] + [404] * (n - 1)
    with database(app) as session:
        tribe_row = session.scalar(select(Tribe).where(Tribe.slug == tribe["slug"]))
        members = session.scalars(select(Membership).where(Membership.tribe_id == tribe_row.id)).all()
        assert len(members) == 2
        assert tribe_row.member_count == 2
        assert session.get(Invite, invite["id"]).uses == 1


def test_two_concurrent_accepts_make_one_member(app: Any, make_user: Any, make_tribe: Any) -> None:
    check_single_use_race(app, make_user, make_tribe, 2)


def test_ten_concurrent_accepts_make_one_member(app: Any, make_user: Any, make_tribe: Any) -> None:
    check_single_use_race(app, make_user, make_tribe, 10)


def test_concurrent_accepts_respect_max_uses(app: Any, make_user: Any, make_tribe: Any) -> None:
    users = [make_user() for _ in range(8)]
    tribe = make_tribe()
    invite = tribe["owner"].post(f"tribes/{tribe['slug']}/invites", {"max_uses": 3}).get_json()
    results = race(app, users, invite["token"])
    assert sorted(results) == [200] * 3 + [404] * 5
    with database(app) as session:
        assert session.get(Invite, invite["id"]).uses == 3
        assert session.execute(text("SELECT count(*) FROM memberships")).scalar() == 4


def test_same_user_accepting_concurrently_counts_once(app: Any, make_user: Any, make_tribe: Any) -> None:
    joiner = make_user()
    tribe = make_tribe()
    invite = tribe["owner"].post(f"tribes/{tribe['slug']}/invites", {"max_uses": 5}).get_json()
    results = race(app, [joiner] * 5, invite["token"])
    assert results == [200] * 5
    with database(app) as session:
        assert session.get(Invite, invite["id"]).uses == 1
        tribe_row = session.scalar(select(Tribe).where(Tribe.slug == tribe["slug"]))
        assert tribe_row.member_count == 2


def _invite_for(owner: Any, slug: str, user_id: int) -> tuple[int, Any]:
    response = owner.post(f"tribes/{slug}/invites", {"for_user_id": user_id})
    return response.status_code, response.get_json()


def test_targeted_invites_only_toward_people_the_inviter_may_see(app: Any, make_user: Any, make_tribe: Any) -> None:
    owner, stranger, blocker, colleague = make_user(), make_user(), make_user(), make_user()
    with database(app) as session:
        from tribes.accounts.models import User

        for person in (stranger, blocker):
            session.get(User, person.user["id"]).avatar_url = "https://example.test/secret-face.png"
            session.get(User, person.user["id"]).profile_visibility = "everyone"
        session.commit()
        missing_id = (session.scalar(select(func.max(User.id))) or 0) + 1000
    make_tribe(owner=owner, members=[blocker, colleague])  # shares a tribe with both
    assert blocker.post("blocks", {"user_id": owner.user["id"]}).status_code == 201
    target = make_tribe(owner=owner, visibility="secret", name="Night Club For Insiders")
    slug = target["slug"]
    missing = _invite_for(owner, slug, missing_id)
    assert missing[0] == 422
    for hidden in (stranger, blocker):
        answer = _invite_for(owner, slug, hidden.user["id"])
        assert answer == missing
        assert "secret-face" not in repr(answer) and hidden.user["display_name"] not in repr(answer)
        kinds = [n["kind"] for n in hidden.get("notifications").get_json()["items"]]
        assert "tribe_invite" not in kinds
    with database(app) as session:
        targets = session.scalars(select(Invite.for_user_id).where(Invite.for_user_id.is_not(None))).all()
        assert targets == []
    # the co-member who did not block is still reached
    status, invite = _invite_for(owner, slug, colleague.user["id"])
    assert status == 201 and invite["for_user"]["id"] == colleague.user["id"]
    notes = colleague.get("notifications").get_json()["items"]
    assert [n["kind"] for n in notes] == ["tribe_invite"]


def test_invite_tree_pages_its_top_level_api_and_page(app: Any, make_user: Any, make_tribe: Any,
                                                      monkeypatch: Any) -> None:
    people = [make_user(f"Person {i}") for i in range(3)]
    tribe = make_tribe(members=people)
    slug, owner = tribe["slug"], tribe["owner"]
    from tribes.groups.models import InviteEdge

    with database(app) as session:  # the inviters' accounts are gone: everyone is a top-level node
        session.execute(update(InviteEdge).values(inviter_id=None))
        session.commit()
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = f"tribes/{slug}/invite-tree?limit=3" + (f"&cursor={cursor}" if cursor else "")
        response = owner.get(query)
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"} and len(body["items"]) <= 3
        seen += [node["user"]["id"] for node in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert seen == [owner.user["id"]] + [p.user["id"] for p in people]  # in the order they came
    assert owner.get(f"tribes/{slug}/invite-tree?cursor=nonsense").status_code == 422

    import tribes.moderation.views as moderation_views

    monkeypatch.setattr(moderation_views, "PAGE_SIZE", 2)
    first = owner.http.get(f"/t/{slug}/moderation/invite-tree").get_data(as_text=True)
    assert "Person 0" in first and "Person 1" not in first and 'rel="next"' in first
    link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = owner.http.get(link).get_data(as_text=True)
    assert "Person 1" in second and "Person 2" in second and "Person 0" not in second
    assert 'rel="next"' not in second


def test_invites_tab_has_a_next_link(make_user: Any, make_tribe: Any, monkeypatch: Any) -> None:
    tribe = make_tribe()
    slug, owner = tribe["slug"], tribe["owner"]
    for _ in range(3):
        assert owner.post(f"tribes/{slug}/invites", {}).status_code == 201
    import tribes.groups.views as group_views

    monkeypatch.setattr(group_views, "PAGE_SIZE", 2)
    home = owner.http.get(f"/t/{slug}/invites").get_data(as_text=True)
    assert "More invites" in home
    link = home.split("More invites")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "cursor=" in link
    rest = owner.http.get(link).get_data(as_text=True)
    assert "More invites" not in rest and "Revoke invite" in rest
