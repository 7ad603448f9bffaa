"""THE indistinguishability test: after a decline, nothing the sender can read changes.

The sender-visible endpoints are enumerated from the app's URL map, so a GET endpoint added
by any feature later is covered without editing this test: every GET route under /api/v1,
with user-id arguments filled with the recipient's id, `slug` with the shared tribe, the
request id where one is asked for, and any other integer id with both the request id and
the recipient id (a 404 before must stay a 404 after). The re-send answer (a POST) is
compared byte for byte as well.
"""

from __future__ import annotations

import json
from typing import Any

from tests.mail.conftest import smtp_server  # noqa: F401  (the sender's mailbox is compared too)
from tribes.mail.outbox import send_due

#: values that differ on every call whatever happens (export time, time-signed CSRF token)
VOLATILE_KEYS = {"exported_at", "csrf_token"}
FILL = {"user_id": "recipient", "slug": "tribe", "request_id": "request"}


def sender_paths(app: Any, known: dict[str, Any]) -> list[str]:
    """Every GET API path the sender can read, filled in with the ids the sender knows."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/v1/"):
            continue
        if rule.rule.endswith("/ics") or "<token>" in rule.rule:
            continue  # calendar files and invite tokens: not ids the sender holds
        variants = [{}]
        for arg in sorted(rule.arguments):
            if arg in FILL:
                choices = [known[FILL[arg]]]
            elif f"<int:{arg}>" in rule.rule:
                choices = [known["request"], known["recipient"]]
            else:
                choices = [known["tribe"]]
            variants = [{**v, arg: c} for v in variants for c in choices]
        for values in variants:
            path = rule.rule
            for arg, value in values.items():
                path = path.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
            paths.append(path)
    return sorted(set(paths))


def mailbox_of(app: Any, server: Any, client: Any) -> list[bytes]:
    """Every mail the client's address has received, as raw bytes, after sending the outbox."""
    send_due(app)
    return [m.as_bytes() for m in server.handler.to(client.user["email"])]


def snapshot(client: Any, paths: list[str]) -> dict[str, tuple[int, Any]]:
    """Status and JSON of every path, as bytes-stable JSON (volatile keys dropped)."""
    result = {}
    for path in paths:
        response = client.get(path)
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in VOLATILE_KEYS}
        result[path] = (response.status_code, json.dumps(body, sort_keys=True))
    return result


def test_decline_changes_nothing_the_sender_can_read(app, make_user, make_tribe, smtp_server):  # noqa: F811
    sender, recipient = make_user("Sam Sender"), make_user("Rita Recipient")
    tribe = make_tribe(recipient, [sender], name="Shared", visibility="listed")
    # the sender has mail already (a mention), so their mailbox is not trivially empty
    assert recipient.post(f"tribes/{tribe['slug']}/messages", {"body": "hi @Sam Sender", "client_id": "m1"}
                          ).status_code == 201
    sent = sender.post("contacts/requests", {"user_id": recipient.user["id"], "message": "hello"})
    assert sent.status_code == 202
    known = {"recipient": recipient.user["id"], "tribe": tribe["slug"], "request": sent.get_json()["id"]}
    paths = sender_paths(app, known)
    # The paths that matter most are among them.
    for must in (
        "/api/v1/contacts/requests/outgoing", "/api/v1/notifications", "/api/v1/contacts",
        f"/api/v1/users/{recipient.user['id']}", f"/api/v1/tribes/{tribe['slug']}/members",
        "/api/v1/me/export", "/api/v1/blocks",
    ):
        assert must in paths
    resend_before = sender.post("contacts/requests", {"user_id": recipient.user["id"], "message": "hello"})
    a_day_later_digests(app)
    mails_before = mailbox_of(app, smtp_server, sender)
    before = snapshot(sender, paths)
    assert len(mails_before) == 2  # the mention, then a digest with the unread message
    assert len(mailbox_of(app, smtp_server, recipient)) == 1  # the request's mail, once (the re-send adds none)

    rid = recipient.get("contacts/requests/incoming").get_json()["items"][0]["id"]
    assert recipient.post(f"contacts/requests/{rid}/decline").status_code == 204

    resend_after = sender.post("contacts/requests", {"user_id": recipient.user["id"], "message": "hello"})
    after = snapshot(sender, paths)
    assert (resend_after.status_code, resend_after.data) == (resend_before.status_code, resend_before.data)
    for path in paths:
        assert after[path] == before[path], path
    assert mailbox_of(app, smtp_server, sender) == mails_before
    a_day_later_digests(app)
    assert mailbox_of(app, smtp_server, sender) == mails_before
    # The export's requests-sent part reads pending.
    export = sender.get("me/export").get_json()
    assert [r["status"] for r in export["contact_requests_sent"]] == ["pending"]


def a_day_later_digests(app: Any) -> None:
    """Everyone's digest comes due and the digest job runs (what the sender gets must not change)."""
    from datetime import timedelta

    from sqlalchemy import update

    from tribes.db import utcnow
    from tribes.digest.jobs import run_digests
    from tribes.digest.models import DigestState
    from tribes.extensions import db

    with app.app_context():
        db.session.execute(update(DigestState).values(checked_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        db.remove()
    run_digests(app, by_clock=False)


def test_block_swallows_requests_silently(app, make_user, make_tribe, smtp_server):  # noqa: F811
    sender, blocker = make_user("Sam"), make_user("Bea")
    tribe = make_tribe(blocker, [sender])
    mails_before = mailbox_of(app, smtp_server, sender)
    first = sender.post("contacts/requests", {"user_id": blocker.user["id"]})
    known = {"recipient": blocker.user["id"], "tribe": tribe["slug"], "request": first.get_json()["id"]}
    paths = sender_paths(app, known)
    before = snapshot(sender, paths)
    notes_before = blocker.get("notifications").get_json()["items"]
    assert blocker.post("blocks", {"user_id": sender.user["id"]}).status_code == 201
    again = sender.post("contacts/requests", {"user_id": blocker.user["id"]})
    assert (again.status_code, again.get_json()) == (202, first.get_json())
    assert snapshot(sender, paths) == before
    assert blocker.get("contacts/requests/incoming").get_json()["items"] == []
    assert blocker.get("notifications").get_json()["items"] == notes_before
    assert mailbox_of(app, smtp_server, sender) == mails_before
    a_day_later_digests(app)
    assert mailbox_of(app, smtp_server, sender) == mails_before
