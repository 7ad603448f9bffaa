"""Under `tribes serve` a socket send's after-posting work (moderation's astroturfing signal,
mentions) runs in a per-process batch worker after the ack (tribes/chat/after_send.py):
what it files must still arrive, for every message of a burst, and a graceful stop must
not drop what is queued."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.live_server import LiveServer


def test_socket_sends_still_feed_the_astroturfing_signal_and_mentions(live_server: LiveServer) -> None:
    owner = LiveUser(live_server.url)
    bots = [LiveUser(live_server.url) for _ in range(3)]
    mentioned = LiveUser(live_server.url, display_name="Mira Mentioned")
    slug = make_tribe(owner, [*bots, mentioned])
    sockets = [b.socket() for b in bots]
    try:
        def burst(n: int, sock: Any) -> None:
            for i in range(10):   # a burst: the worker takes several messages in one batch
                ack = sock.call("send", {"tribe": slug, "body": f"filler number {i} from bot {n} @Mira Mentioned",
                                         "client_id": f"f-{n}-{i}"})
                assert ack["ok"], ack
            ack = sock.call("send", {"tribe": slug, "body": "Candidate Z is the only honest choice!!",
                                     "client_id": f"z-{n}"})
            assert ack["ok"], ack

        threads = [threading.Thread(target=burst, args=(n, s)) for n, s in enumerate(sockets)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in sockets:
            s.close()

    def reports() -> list[Any]:
        return list(owner.call("GET", f"tribes/{slug}/reports").json()["items"])

    queue = wait_for(reports)
    assert len(queue) == 1 and queue[0]["automatic"] is True
    assert len(queue[0]["evidence"]["messages"]) == 3

    def mentions() -> list[Any]:
        items = mentioned.call("GET", "notifications").json()["items"]
        return [n for n in items if n["kind"] == "mention"]

    wait_for(lambda: len(mentions()) >= 30)
    assert len(mentions()) == 30   # every message of the burst, none twice


def test_a_graceful_stop_finishes_the_queued_work(
    live_database: Callable[[], str], live_server_factory: Callable[..., LiveServer]
) -> None:
    url = live_database()
    server = live_server_factory(database_url=url)
    owner, member = LiveUser(server.url), LiveUser(server.url, display_name="Stan Stopping")
    slug = make_tribe(owner, [member])
    sock = owner.socket()
    try:
        assert sock.call("join", {"tribe": slug})["ok"]
        for i in range(20):
            sock.client.emit("send", {"tribe": slug, "body": f"hello @Stan Stopping {i}", "client_id": f"s-{i}"})
        wait_for(lambda: len(sock.named("message")) >= 20)
    finally:
        sock.close()
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)   # at once: the worker may still hold some of them
    assert server.process.wait(timeout=30) == 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text(
                "SELECT count(*) FROM notifications WHERE user_id = :u AND kind = 'mention'"
            ), {"u": member.user["id"]}).scalar()
    finally:
        engine.dispose()
    assert count == 20
