"""Contact requests: who may ask, accept, quiet decline, cooldown, withdraw, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update

from tribes.contacts.models import ContactRequest
from tribes.db import utcnow
from tribes.extensions import db


def pair(make_user, make_tribe):
    """Two users in one tribe."""
    a, b = make_user("Ada"), make_user("Bo")
    tribe = make_tribe(a, [b])
    return a, b, tribe


def age_declines(app, days: int) -> None:
    """Pretend every decline happened `days` ago (outside any request's app context)."""
    with app.app_context():
        db.session.execute(update(ContactRequest).values(declined_at=utcnow() - timedelta(days=days)))
        db.session.commit()
        db.remove()


def kinds(client):
    return [n["kind"] for n in client.get("notifications").get_json()["items"]]


def test_request_needs_a_shared_tribe(make_user, make_tribe):
    a, stranger = make_user(), make_user()
    make_tribe(a)
    missing = a.post("contacts/requests", {"user_id": 999999})
    hidden = a.post("contacts/requests", {"user_id": stranger.user["id"]})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data
    assert a.post("contacts/requests", {"user_id": a.user["id"]}).status_code == 422
    assert a.post("contacts/requests", {"user_id": "x"}).status_code == 422


def test_accept_makes_contacts_and_notifies_sender(make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    sent = a.post("contacts/requests", {"user_id": b.user["id"], "message": "Hi Bo"})
    assert sent.status_code == 202 and sent.get_json()["status"] == "pending"
    incoming = b.get("contacts/requests/incoming").get_json()["items"]
    assert [r["message"] for r in incoming] == ["Hi Bo"]
    assert incoming[0]["from"] == {"id": a.user["id"], "display_name": "Ada"}
    assert kinds(b) == ["contact_request"]
    assert b.post(f"contacts/requests/{incoming[0]['id']}/accept").status_code == 200
    assert kinds(a) == ["contact_accepted"]
    assert [c["user"]["id"] for c in a.get("contacts").get_json()["items"]] == [b.user["id"]]
    assert [c["user"]["id"] for c in b.get("contacts").get_json()["items"]] == [a.user["id"]]
    again = a.post("contacts/requests", {"user_id": b.user["id"]})
    assert again.status_code == 200 and again.get_json() == {"status": "accepted"}
    assert a.get("contacts/requests/outgoing").get_json()["items"] == []


def test_only_the_recipient_answers(make_user, make_tribe):
    a, b, tribe = pair(make_user, make_tribe)
    c = make_user()
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    for who in (a, c):
        assert who.post(f"contacts/requests/{rid}/accept").status_code == 404
        assert who.post(f"contacts/requests/{rid}/decline").status_code == 404
    assert b.delete(f"contacts/requests/{rid}").status_code == 404


def test_both_ask_each_other_become_contacts(make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    a.post("contacts/requests", {"user_id": b.user["id"]})
    back = b.post("contacts/requests", {"user_id": a.user["id"]})
    assert back.status_code == 200 and back.get_json()["status"] == "accepted"
    assert len(a.get("contacts").get_json()["items"]) == 1
    assert kinds(a) == ["contact_accepted"]


def test_decline_is_quiet_and_cooldown_hides_resends(app, make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    assert b.post(f"contacts/requests/{rid}/decline").status_code == 204
    assert b.get("contacts/requests/incoming").get_json()["items"] == []
    assert kinds(a) == []
    resent = a.post("contacts/requests", {"user_id": b.user["id"]})
    assert resent.status_code == 202 and resent.get_json() == {"id": rid, "status": "pending"}
    assert b.get("contacts/requests/incoming").get_json()["items"] == []
    assert kinds(b) == ["contact_request"]  # only the first one
    # 91 days later the re-sent request shows up again as incoming.
    age_declines(app, 91)
    assert [r["id"] for r in b.get("contacts/requests/incoming").get_json()["items"]] == [rid]
    assert b.post(f"contacts/requests/{rid}/accept").status_code == 200


def test_resend_after_cooldown_is_a_fresh_request(app, make_user, make_tribe):
    app.config["CONTACT_DECLINE_COOLDOWN_DAYS"] = 3
    a, b, _ = pair(make_user, make_tribe)
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    b.post(f"contacts/requests/{rid}/decline")
    age_declines(app, 4)
    # Declined but never re-sent: still hidden after the cooldown.
    assert b.get("contacts/requests/incoming").get_json()["items"] == []
    assert a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"] == rid
    assert [r["id"] for r in b.get("contacts/requests/incoming").get_json()["items"]] == [rid]
    assert kinds(b) == ["contact_request", "contact_request"]


def test_withdraw_and_resend_cannot_wash_out_a_decline(make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    b.post(f"contacts/requests/{rid}/decline")
    assert a.delete(f"contacts/requests/{rid}").status_code == 204
    assert a.get("contacts/requests/outgoing").get_json()["items"] == []
    assert a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"] == rid
    assert b.get("contacts/requests/incoming").get_json()["items"] == []
    assert kinds(b) == ["contact_request"]


def test_withdraw_hides_it_from_the_recipient(make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    assert a.delete(f"contacts/requests/{rid}").status_code == 204
    assert b.get("contacts/requests/incoming").get_json()["items"] == []
    assert b.post(f"contacts/requests/{rid}/accept").status_code == 404
    assert a.delete(f"contacts/requests/{rid}").status_code == 404
    # Sending again after a withdrawal reaches the recipient again, with the same id.
    assert a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"] == rid
    assert [r["id"] for r in b.get("contacts/requests/incoming").get_json()["items"]] == [rid]


def test_remove_contact_is_quiet(make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
    b.post(f"contacts/requests/{rid}/accept")
    before = kinds(b)
    assert a.delete(f"contacts/{b.user['id']}").status_code == 204
    assert a.get("contacts").get_json()["items"] == [] == b.get("contacts").get_json()["items"]
    assert kinds(b) == before
    assert a.delete(f"contacts/{b.user['id']}").status_code == 404


def test_concurrent_sends_make_one_request(app, make_user, make_tribe):
    a, b, _ = pair(make_user, make_tribe)
    c = make_user()
    make_tribe(c, [b])
    results: list[tuple[int, object]] = []

    def send(client, target) -> None:
        response = client.post("contacts/requests", {"user_id": target})
        results.append((response.status_code, response.get_json()))

    # a→b twice, b→a, and c→b at the same moment.
    clients = [(a, b.user["id"]), (a, b.user["id"]), (b, a.user["id"]), (c, b.user["id"])]
    threads = [threading.Thread(target=send, args=pair_) for pair_ in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code in (200, 202) for code, _ in results), results
    contacts = a.get("contacts").get_json()["items"]
    with app.app_context():
        rows = db.session.query(ContactRequest).all()
        low, high = sorted([a.user["id"], b.user["id"]])
        ab = [r for r in rows if (r.low_id, r.high_id) == (low, high)]
        cb = [r for r in rows if b.user["id"] in (r.low_id, r.high_id) and c.user["id"] in (r.low_id, r.high_id)]
        db.remove()
    # Exactly one outcome between a and b: one open request, or contacts (b's send accepted a's).
    assert len(ab) + len(contacts) == 1
    assert len(cb) == 1


def test_accepting_one_request_twice_at_once_makes_one_contact(app, make_user, make_tribe, make_client):
    """The recipient accepts from two devices at the same moment: one contact, never a 500."""
    for _ in range(3):
        a, b, _ = pair(make_user, make_tribe)
        second_device = make_client()
        assert second_device.login(b.user["email"]).status_code == 200
        rid = a.post("contacts/requests", {"user_id": b.user["id"]}).get_json()["id"]
        barrier = threading.Barrier(2)
        results: list[int] = []

        def accept(client, barrier=barrier, results=results, rid=rid) -> None:
            barrier.wait()
            results.append(client.post(f"contacts/requests/{rid}/accept").status_code)

        threads = [threading.Thread(target=accept, args=(c,)) for c in (b, second_device)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert 200 in results and set(results) <= {200, 404}, results
        assert [c["user"]["id"] for c in a.get("contacts").get_json()["items"]] == [b.user["id"]]
