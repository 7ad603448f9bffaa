"""RSVP links from meet-up mails: GET shows and changes nothing, POST answers through the same
rules as the API (capacity, waitlist, promotion), without a login; forged, expired,
cancelled and no-longer-member links are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsdangerous import URLSafeSerializer
from sqlalchemy import update

from tests.meetups.mails import mails_of, rsvp_links, text_of
from tribes.db import utcnow
from tribes.meetups.models import Meetup
from tribes.meetups.rsvp_links import SALT, make_token


def path_of(link: str) -> str:
    return link[link.index("/rsvp/"):]


def token_for(app: Any, user: Any, meetup: dict[str, Any], answer: str) -> str:
    with app.app_context():
        return f"/rsvp/{make_token(user.user['id'], meetup['id'], answer)}"


def seen_by(owner: Any, meetup_id: int) -> tuple[Any, Any]:
    """What an organiser can read: the meetup and its attendee list (waitlist included)."""
    return owner.get(f"meetups/{meetup_id}").get_json(), owner.get(f"meetups/{meetup_id}/attendees").get_json()


def test_get_shows_the_meetup_and_changes_nothing(app, client, crowd, new_meetup):
    tribe, owner, [member] = crowd(1)
    meetup = new_meetup(owner, tribe["slug"], title="Stammtisch", location="Zur Linde")
    before = seen_by(owner, meetup["id"]), member.get(f"meetups/{meetup['id']}/rsvp").get_json()
    page = client.get(token_for(app, member, meetup, "going"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stammtisch" in html and "Zur Linde" in html and "Yes, I am going" in html
    assert "You have not answered yet." in html and member.user["display_name"] in html
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    assert (seen_by(owner, meetup["id"]), member.get(f"meetups/{meetup['id']}/rsvp").get_json()) == before


def test_post_going_without_a_login_answers_for_the_linked_person(app, make_client, crowd, new_meetup):
    tribe, owner, [member, other] = crowd(2)
    meetup = new_meetup(owner, tribe["slug"])
    # no cookie at all, and then a browser logged in as someone else: the token decides
    answer = make_client().http.post(token_for(app, member, meetup, "going"))
    assert answer.status_code == 200 and "You are going." in answer.get_data(as_text=True)
    assert member.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "going"
    other.http.post(token_for(app, member, meetup, "not_going"))
    assert member.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "not_going"
    assert other.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] is None


def test_a_full_meetup_puts_the_link_on_the_waitlist_with_its_position(app, client, crowd, new_meetup):
    tribe, owner, members = crowd(4)
    meetup = new_meetup(owner, tribe["slug"], capacity=1)
    members[0].put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    members[1].put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    answer = client.http.post(token_for(app, members[2], meetup, "going"))
    assert answer.status_code == 200
    assert "you are on the waitlist, position 2" in answer.get_data(as_text=True)
    got = members[2].get(f"meetups/{meetup['id']}/rsvp").get_json()
    assert got["status"] == "waitlisted" and got["waitlist_position"] == 2
    assert owner.get(f"meetups/{meetup['id']}").get_json()["going_count"] == 1


def test_forged_tokens_are_refused(app, client, crowd, new_meetup):
    tribe, owner, [member] = crowd(1)
    meetup = new_meetup(owner, tribe["slug"])
    other = new_meetup(owner, tribe["slug"])
    before = seen_by(owner, meetup["id"]), seen_by(owner, other["id"])
    good = token_for(app, member, meetup, "going").removeprefix("/rsvp/")
    payload, _, signature = good.partition(".")
    with app.app_context():
        signer = URLSafeSerializer(app.secret_key, salt=SALT)
        swapped = signer.dumps([member.user["id"], other["id"], "going"])
        other_answer = signer.dumps([member.user["id"], meetup["id"], "not_going"])
        other_person = signer.dumps([owner.user["id"], meetup["id"], "going"])
    wrong_key = URLSafeSerializer("not-the-secret", salt=SALT).dumps([member.user["id"], meetup["id"], "going"])
    wrong_salt = URLSafeSerializer(app.secret_key, salt="other").dumps([member.user["id"], meetup["id"], "going"])
    forged = [
        f"{swapped.partition('.')[0]}.{signature}",  # another meetup's payload with this token's signature
        f"{other_answer.partition('.')[0]}.{signature}",  # the other answer
        f"{other_person.partition('.')[0]}.{signature}",  # another person
        f"{payload}.{signature[:-2]}xx",
        wrong_key, wrong_salt, "nonsense", "x" * 400,
    ]
    for token in forged:
        for method in (client.http.get, client.http.post):
            page = method(f"/rsvp/{token}")
            assert page.status_code == 404, token
            assert "This link does not work" in page.get_data(as_text=True)
    assert (seen_by(owner, meetup["id"]), seen_by(owner, other["id"])) == before


def test_links_expire_when_the_meetup_starts_and_die_with_a_cancellation(app, client, crowd, new_meetup, session):
    tribe, owner, [member] = crowd(1)
    started, cancelled = new_meetup(owner, tribe["slug"]), new_meetup(owner, tribe["slug"])
    session.execute(update(Meetup).where(Meetup.id == started["id"]).values(starts_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    owner.post(f"meetups/{cancelled['id']}/cancel", {"reason": ""})
    for meetup, words in ((started, "has begun"), (cancelled, "was cancelled")):
        for method in (client.http.get, client.http.post):
            page = method(token_for(app, member, meetup, "going"))
            assert page.status_code == 410 and words in page.get_data(as_text=True)
        assert member.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] is None


def test_a_removed_member_gets_a_404(app, client, crowd, new_meetup):
    tribe, owner, [member] = crowd(1)
    meetup = new_meetup(owner, tribe["slug"])
    link = token_for(app, member, meetup, "going")
    assert owner.delete(f"tribes/{tribe['slug']}/members/{member.user['id']}").status_code == 204
    before = seen_by(owner, meetup["id"])
    assert client.http.get(link).status_code == 404
    assert client.http.post(link).status_code == 404
    assert seen_by(owner, meetup["id"]) == before


def test_promotion_mail_link_gives_the_seat_back_to_the_next_in_line(app, client, crowd, new_meetup, smtp_server):
    tribe, owner, [first, second, third] = crowd(3, discreet_email=False)
    meetup = new_meetup(owner, tribe["slug"], capacity=1)
    for member in (first, second, third):
        member.put(f"meetups/{meetup['id']}/rsvp", {"status": "going"})
    first.put(f"meetups/{meetup['id']}/rsvp", {"status": "not_going"})
    assert second.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "going"

    [mail] = mails_of(app, smtp_server, second, "meetup_promoted")
    assert "A seat came free: you are going." in text_of(mail)
    [give_back] = rsvp_links(mail)
    page = client.http.get(path_of(give_back))
    assert "No, I am not going" in page.get_data(as_text=True)
    assert "Your seat goes to the next person on the waitlist." in page.get_data(as_text=True)
    answer = client.http.post(path_of(give_back))
    assert "You are not going." in answer.get_data(as_text=True)
    assert second.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "not_going"
    assert third.get(f"meetups/{meetup['id']}/rsvp").get_json()["status"] == "going"
    kinds = [n["kind"] for n in third.get("notifications").get_json()["items"]]
    assert "meetup_promoted" in kinds


def test_the_page_speaks_the_linked_persons_language_and_time_zone(app, client, crowd, new_meetup):
    tribe, owner, [member] = crowd(1)
    assert member.patch("me", {"locale": "de", "timezone": "Asia/Tokyo"}).status_code == 200
    meetup = new_meetup(owner, tribe["slug"])
    page = client.http.get(token_for(app, member, meetup, "not_going"), headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert 'lang="de"' in html and "Nein, ich komme nicht" in html and "JST" in html
    answer = client.http.post(token_for(app, member, meetup, "going"), headers={"Accept-Language": "en"})
    assert "Du kommst. Bis dann!" in answer.get_data(as_text=True)


def test_the_link_page_shows_the_online_link_by_the_meetups_one_rule(app, client, crowd, new_meetup):
    """Going, or organising (as everywhere else): a plain member not going never sees it."""
    url = "https://video.example/room-4711"
    tribe, owner, [member] = crowd(1)
    meetup = new_meetup(owner, tribe["slug"], online_url=url)
    assert url in client.get(token_for(app, owner, meetup, "not_going")).get_data(as_text=True)  # organiser
    assert url in client.post(token_for(app, owner, meetup, "not_going")).get_data(as_text=True)
    assert url not in client.get(token_for(app, member, meetup, "going")).get_data(as_text=True)  # not yet
    assert url in client.post(token_for(app, member, meetup, "going")).get_data(as_text=True)
    assert url not in client.post(token_for(app, member, meetup, "not_going")).get_data(as_text=True)
