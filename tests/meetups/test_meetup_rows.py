"""The meetup lists from Core rows (tribes/meetups/listing.py) are byte for byte the JSON the ORM
path made: `MeetupOut.many(meetups, *service.reader_facts(...))` of `api.meetup_keyset`'s page,
dumped by the same `jsonify`, for every reader, window and keyset page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import jsonify
from sqlalchemy import select, update

from tests.meetups.conftest import soon
from tests.meetups.series_helpers import make_series
from tribes.accounts.models import User
from tribes.endpoint import Page
from tribes.extensions import db
from tribes.groups.models import Tribe
from tribes.meetups import api as meetups_api
from tribes.meetups import service
from tribes.meetups.models import Meetup
from tribes.meetups.schemas import MeetupOut

QUESTIONS = [{"text": "Essenswünsche? <b>vegan</b>", "required": True}, {"text": "Firma", "required": False}]


def orm_page(app: Any, path: str, query: str, user_id: int) -> bytes:
    """What GET /api/v1/{path}?{query} answered before, for the user: the ORM page of
    `meetup_keyset` → `MeetupOut.many` with `reader_facts` → `Page` → jsonify."""
    with app.test_request_context(f"/api/v1/{path}?{query}"):
        start, end = meetups_api._time_arg("from"), meetups_api._time_arg("to")
        if path == "me/meetups":
            stmt = service.my_meetups_query(user_id, start, end)
        else:
            slug = path.split("/")[1]
            tribe_id = db.session.scalar(select(Tribe.id).where(Tribe.slug == slug))
            stmt = service.tribe_meetups_query(tribe_id, start, end)
        rows, cursor = meetups_api.meetup_keyset(stmt)
        items = MeetupOut.many(rows, *service.reader_facts(db.session, rows, user_id))
        data: bytes = jsonify(Page[MeetupOut](items=items, next_cursor=cursor).model_dump(mode="json")).get_data()
        db.remove()
        return data


def rsvp(client: Any, meetup: dict[str, Any], status: str, **fields: Any) -> str:
    response = client.put(f"meetups/{meetup['id']}/rsvp", {"status": status, **fields})
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["status"])


def test_meetup_lists_match_the_orm_output_byte_for_byte(app: Any, make_user: Any, make_tribe: Any,
                                                         new_meetup: Any) -> None:
    owner, org, going, waiting, silent, maybe = (
        make_user(n) for n in ("Ava Ünal", "Ben Orga", "Cem Geht", "Dora Wartet", "Eli Schweigt", "Fay Vielleicht"))
    tribe = make_tribe(owner=owner, members=[org, going, waiting, silent, maybe], max_guests=2)
    slug = tribe["slug"]
    assert owner.patch(f"tribes/{slug}/members/{org.user['id']}", {"role": "organiser"}).status_code == 200
    other = make_tribe(owner=going, members=[owner, silent])  # "me/meetups": other roles in another tribe
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    base = soon(days=2)

    asking = new_meetup(owner, slug, title='Offen <b>"Abend"</b> 😀', description="Ünïcode & <script>x</script>",
                        start=base, online_url="https://meet.example/a", location="Café Zürich", questions=QUESTIONS)
    full = new_meetup(org, slug, title="Voll", start=base, capacity=2, max_guests=2,  # same start: created_at, id
                      online_url="https://meet.example/b", attendee_visibility="count")
    tie = new_meetup(org, slug, title="Gleichzeitig", start=base, attendee_visibility="organisers")
    called_off = new_meetup(owner, slug, title="Abgesagt", start=base + timedelta(days=1),
                            online_url="https://meet.example/c")
    past = new_meetup(owner, slug, title="Vorbei", start=base + timedelta(days=3), online_url="https://meet.example/d")
    running = new_meetup(org, slug, title="Läuft", start=now - timedelta(hours=1), capacity=5)
    series = make_series(owner, slug, day=(now + timedelta(days=4)).date().isoformat(), rrule="FREQ=WEEKLY",
                         online_url="https://meet.example/s")
    elsewhere = new_meetup(going, other["slug"], title="Anderswo", start=base + timedelta(hours=5),
                           online_url="https://meet.example/e")

    diet = asking["questions"][0]["id"]
    assert rsvp(going, asking, "going", answers={str(diet): "vegan"}) == "going"
    assert rsvp(maybe, asking, "maybe") == "maybe"
    assert rsvp(going, full, "going", guests=1) == "going"  # two seats: full
    assert rsvp(waiting, full, "going") == "waitlisted"
    assert rsvp(maybe, full, "going") == "waitlisted"
    assert rsvp(silent, full, "not_going") == "not_going"
    assert rsvp(going, called_off, "going") == "going"
    assert rsvp(going, past, "going") == "going"
    assert rsvp(waiting, running, "going") == "going"
    assert rsvp(going, series, "going") == "going"
    assert rsvp(owner, elsewhere, "maybe") == "maybe"
    assert owner.post(f"meetups/{called_off['id']}/cancel", {"reason": "Krank 🤒"}).status_code == 200
    with app.app_context():
        # creators: avatar shown to tribes, hidden by visibility, gone (created_by null); a meetup without a door code
        db.session.execute(update(User).where(User.id == owner.user["id"])
                           .values(avatar_url="/avatars/a.webp", profile_visibility="tribes"))
        db.session.execute(update(User).where(User.id == org.user["id"])
                           .values(avatar_url="/avatars/b.webp", profile_visibility="contacts"))
        db.session.execute(update(Meetup).where(Meetup.id == tie["id"]).values(created_by_id=None, checkin_code=None))
        db.session.execute(update(Meetup).where(Meetup.id == past["id"])  # over (answered while it was ahead)
                           .values(starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=10, hours=-2)))
        db.session.commit()
        occurrences = db.session.scalar(select(Meetup.id).where(Meetup.series_id.is_not(None)).limit(2).offset(1))
        db.remove()
    assert occurrences is not None  # the series has more than one occurrence

    early, late = quote((now - timedelta(days=30)).isoformat()), quote((base + timedelta(days=1, hours=1)).isoformat())
    queries = ["", "limit=1", "limit=2", f"from={early}", f"from={early}&to={late}&limit=3", f"to={late}",
               "limit=200"]
    readers = {"owner": owner, "organiser": org, "going": going, "waitlisted": waiting, "silent": silent,
               "maybe": maybe}
    pages = cursor_pages = 0
    seen: dict[str, dict[int, dict[str, Any]]] = {}
    for who, reader in readers.items():
        for path in (f"tribes/{slug}/meetups", "me/meetups"):
            for query in queries:
                q: str | None = query
                while q is not None:
                    new = reader.get(f"{path}?{q}")
                    assert new.status_code == 200, new.get_json()
                    assert new.get_data() == orm_page(app, path, q, reader.user["id"]), (who, path, q)
                    pages += 1
                    body = new.get_json()
                    seen.setdefault(who, {}).update({m["id"]: m for m in body["items"]})
                    cursor = body["next_cursor"]
                    q = None
                    if cursor:
                        cursor_pages += 1
                        q = "&".join(p for p in query.split("&") if not p.startswith("cursor=")) + f"&cursor={cursor}"
    assert pages > 100 and cursor_pages > 50

    # the data covered what it should (so the comparison above compared something)
    mine, theirs = seen["going"], seen["silent"]
    assert mine[asking["id"]]["online_url"] and theirs[asking["id"]]["online_url"] is None
    assert "checkin_code" in seen["organiser"][full["id"]] and "checkin_code" not in mine[full["id"]]
    assert "checkin_code" not in seen["owner"][tie["id"]] and seen["owner"][tie["id"]]["created_by"] is None
    assert seen["owner"][asking["id"]]["created_by"]["avatar_url"] == "/avatars/a.webp"
    assert "avatar_url" not in seen["owner"][full["id"]]["created_by"]
    assert mine[full["id"]]["waitlist_count"] == 2 and seen["waitlisted"][full["id"]]["my_rsvp"] == "waitlisted"
    assert seen["silent"][called_off["id"]]["cancel_reason"] == "Krank 🤒" and past["id"] in mine
    assert [q["text"] for q in theirs[asking["id"]]["questions"]] == [q["text"] for q in QUESTIONS]
    assert mine[series["id"]]["series"]["rrule"] and occurrences in mine
    assert elsewhere["id"] in seen["owner"] and elsewhere["id"] not in seen["organiser"]
    assert running["id"] in theirs


def test_outsiders_get_the_same_404_and_bad_arguments_the_same_422(make_user: Any, make_tribe: Any,
                                                                     new_meetup: Any) -> None:
    alice, eve = make_user(), make_user()
    tribe = make_tribe(owner=alice)
    new_meetup(alice, tribe["slug"])
    outsider = eve.get(f"tribes/{tribe['slug']}/meetups")
    missing = eve.get("tribes/no-such-tribe/meetups")
    assert outsider.status_code == missing.status_code == 404
    assert outsider.get_data() == missing.get_data()
    assert eve.get("me/meetups").get_json() == {"items": [], "next_cursor": None}
    for query, field in (("cursor=abc", "cursor"), ("limit=0&cursor=abc", "limit"), ("from=x", "from"),
                         ("cursor=WyJ4IiwieSIsMV0", "cursor"), ("limit=201", "limit")):
        response = alice.get(f"tribes/{tribe['slug']}/meetups?{query}")
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], query


def test_a_page_is_two_statements_whatever_it_holds(crowd: Any, new_meetup: Any, count_queries: Any) -> None:
    tribe, owner, (member,) = crowd(1)
    for i in range(6):
        m = new_meetup(owner, tribe["slug"], start=soon(days=i + 1), capacity=1)
        member.put(f"meetups/{m['id']}/rsvp", {"status": "going"})
    counts = {}
    for path in (f"tribes/{tribe['slug']}/meetups", "me/meetups"):
        response, _ = count_queries.measure(lambda p=path: member.get(p))
        assert response.status_code == 200 and len(response.get_json()["items"]) == 6
        # the session user, the page (with the access check)
        counts[path] = len(count_queries.selects)
    new_meetup(owner, tribe["slug"], questions=QUESTIONS)  # the questions: one more, only now
    response, _ = count_queries.measure(lambda: member.get(f"tribes/{tribe['slug']}/meetups"))
    assert len(response.get_json()["items"]) == 7
    assert counts == {f"tribes/{tribe['slug']}/meetups": 2, "me/meetups": 2}
    assert len(count_queries.selects) == 3


def test_an_empty_page_and_an_outsider_differ_only_where_they_should(make_user: Any, make_tribe: Any,
                                                                      new_meetup: Any) -> None:
    """The page and the membership check in one statement: a member of a tribe without meetups
    in the window gets an empty page, an outsider of a tribe with meetups the 404 of no tribe."""
    alice, eve = make_user(), make_user()
    quiet, busy = make_tribe(owner=alice), make_tribe(owner=eve)
    new_meetup(eve, busy["slug"])
    assert alice.get(f"tribes/{quiet['slug']}/meetups").get_json() == {"items": [], "next_cursor": None}
    after = alice.get(f"tribes/{quiet['slug']}/meetups?from=2090-01-01T00:00:00").get_json()
    assert after == {"items": [], "next_cursor": None}
    outsider, missing = alice.get(f"tribes/{busy['slug']}/meetups"), alice.get("tribes/no-such-tribe/meetups")
    assert outsider.status_code == missing.status_code == 404 and outsider.get_data() == missing.get_data()
    # arguments the 422 rejects: the outsider still gets the 404 first
    assert alice.get(f"tribes/{busy['slug']}/meetups?limit=0").get_data() == missing.get_data()
    assert len(eve.get(f"tribes/{busy['slug']}/meetups").get_json()["items"]) == 1


def test_a_meetup_going_on_is_listed_however_long_ago_it_began(app: Any, crowd: Any, new_meetup: Any) -> None:
    """The lists read the index from MAX_DURATION_DAYS before the window's start (the past is not
    read): a meetup that began 30 days ago and ends in 12 hours is listed, first; one that has
    ended is not, unless the window reaches back to it."""
    tribe, owner, _ = crowd(0)
    going_on, ended, coming = (new_meetup(owner, tribe["slug"], title=t) for t in ("Going on", "Ended", "Coming"))
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        for meetup_id, starts, ends in [
            (going_on["id"], now - timedelta(days=30), now + timedelta(hours=12)),  # 30½ days: may be
            (ended["id"], now - timedelta(days=40), now - timedelta(days=35)),
        ]:
            assert (ends - starts).days < service.MAX_DURATION_DAYS
            db.session.execute(update(Meetup).where(Meetup.id == meetup_id).values(starts_at=starts, ends_at=ends))
        db.session.commit()
    for path in (f"tribes/{tribe['slug']}/meetups", "me/meetups"):
        listed = [m["title"] for m in owner.get(path).get_json()["items"]]
        assert listed == ["Going on", "Coming"], path
        since = quote((now - timedelta(days=36)).isoformat())
        assert [m["title"] for m in owner.get(f"{path}?from={since}").get_json()["items"]] == ["Ended", "Going on", "Coming"]
