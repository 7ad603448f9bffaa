"""`kill -9` of one web process while 50 people chat through nginx: every client reconnects (to the
survivor), resends what was not acknowledged with the same client_id and catches up from its
last id: nothing lost, nothing stored twice, order kept (the CI topology run)."""

from __future__ import annotations

import itertools
import json
import signal
import threading
import time
from collections import Counter
from typing import Any

import engineio
import pytest
import socketio

from tests.chat.live_helpers import LiveUser, make_tribe, wait_for
from tests.topology import Topology

pytestmark = pytest.mark.slow

TRIBES, PER_TRIBE, MESSAGES = 5, 10, 10


class Chatter:
    """A client that behaves like the web page: reconnects, joins with `after_id`, resends
    unacknowledged messages with their client_id (one sender thread, in order).

    Live messages are recorded in the order of the frames on the wire, by engine.io's one
    reading thread: python-socketio's client runs each event's handler on a thread of its
    own, so the order its handlers run in is not the order the server sent (two messages of
    one pub/sub batch arrive back to back and their handlers may swap)."""

    def __init__(self, user: LiveUser, base: str, slug: str, upstream: str) -> None:
        self.user, self.slug, self.upstream = user, slug, upstream
        self.lock = threading.Lock()
        self.known: set[int] = set()          # every message id it has, live or caught up
        self.live: list[tuple[str, int]] = [] # (engine.io session, id) of live deliveries, in frame order
        self.pending: dict[str, str] = {}     # client_id -> body, until acknowledged (insertion order)
        self.acked: dict[str, int] = {}
        self.reconnects = 0
        self.joined = threading.Event()
        self.wake = threading.Event()
        self.closed = False
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1.0,
                                   randomization_factor=0.2)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        receive = self.sio.eio._receive_packet

        def in_frame_order(pkt: Any) -> None:   # on the reading thread, before the handler's thread
            self._on_frame(pkt)
            receive(pkt)

        self.sio.eio._receive_packet = in_frame_order  # type: ignore[method-assign]
        threading.Thread(target=self._sender, daemon=True).start()
        self.sio.connect(base, transports=["websocket"], headers={"Cookie": user.cookie_header()}, wait_timeout=15)

    def _on_connect(self) -> None:
        self.reconnects += 1
        self.joined.clear()
        self.wake.set()

    def _on_disconnect(self, *_: Any) -> None:
        self.joined.clear()

    def _on_frame(self, pkt: Any) -> None:
        """A socket.io `message` event to namespace "/" is the engine.io message `2["message",{...}]`."""
        if pkt.packet_type != engineio.packet.MESSAGE or not isinstance(pkt.data, str):
            return
        if not pkt.data.startswith('2["message",'):
            return
        message = json.loads(pkt.data[1:])[1]
        with self.lock:
            if message.get("tribe") == self.slug:
                self.known.add(message["id"])
                self.live.append((self.sio.eio.sid or "", message["id"]))

    def _join(self) -> bool:
        with self.lock:   # like the page: the newest id it shows
            last = max(self.known) if self.known else None
        ack = self.sio.call("join", {"tribe": self.slug, "after_id": last}, timeout=10)
        if not (ack and ack.get("ok")):
            return False
        with self.lock:
            self.known.update(message["id"] for message in ack["missed"])
        self.joined.set()
        return True

    def _sender(self) -> None:
        """Join after every (re)connect, then send what is pending, oldest first."""
        while not self.closed:
            self.wake.wait(timeout=0.5)
            self.wake.clear()
            try:
                if not self.sio.connected:
                    continue
                if not self.joined.is_set() and not self._join():
                    continue
                while True:
                    with self.lock:
                        if not self.pending:
                            break
                        client_id, body = next(iter(self.pending.items()))
                    ack = self.sio.call("send", {"tribe": self.slug, "body": body, "client_id": client_id}, timeout=10)
                    if not (ack and ack.get("ok")):
                        break
                    with self.lock:
                        self.pending.pop(client_id, None)
                        self.acked[client_id] = ack["message"]["id"]
            except Exception:   # disconnected or timed out: the next connect (or tick) goes on
                continue

    def send(self, client_id: str, body: str) -> None:
        with self.lock:
            self.pending[client_id] = body
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.sio.disconnect()


def test_kill_9_of_a_web_process_loses_and_doubles_nothing(topology: Topology) -> None:
    people = [LiveUser(topology.url) for _ in range(TRIBES * PER_TRIBE)]
    groups = [people[i * PER_TRIBE:(i + 1) * PER_TRIBE] for i in range(TRIBES)]
    slugs = [make_tribe(group[0], group[1:]) for group in groups]
    upstream_of = {id(p): p.http.get(topology.url + "/api/v1/auth/session").headers["X-Tribes-Upstream"] for p in people}
    chatters = [Chatter(p, topology.url, slug, upstream_of[id(p)]) for group, slug in zip(groups, slugs, strict=True)
                for p in group]
    per_upstream = Counter(c.upstream for c in chatters)
    victim_address = per_upstream.most_common(1)[0][0]   # the busier process
    victim = next(w for w in topology.web if topology.upstream_of(w) == victim_address)
    ids = itertools.count()

    def chat(rounds: range) -> None:
        for n in rounds:
            for chatter in chatters:
                chatter.send(f"m{n}-{next(ids)}", f"round {n}")
            time.sleep(1.0)

    try:
        wait_for(lambda: all(c.joined.is_set() for c in chatters), timeout=60)
        chat(range(0, MESSAGES // 2))
        assert victim.process is not None
        victim.process.send_signal(signal.SIGKILL)        # no goodbye: sockets simply die
        killed_at = time.monotonic()
        chat(range(MESSAGES // 2, MESSAGES))
        # every client is connected and joined again (those of the killed process through the
        # survivor), and everything it sent is acknowledged
        wait_for(lambda: all(c.sio.connected and c.joined.is_set() for c in chatters), timeout=60)
        back_after = time.monotonic() - killed_at
        moved = [c for c in chatters if c.reconnects >= 2]
        assert moved, "the killed process served some of the clients"
        wait_for(lambda: all(not c.pending for c in chatters), timeout=90)
        for slug, group in zip(slugs, groups, strict=True):
            stored = group[0].call("GET", f"tribes/{slug}/messages?limit=200").json()["items"]
            stored_ids = sorted(m["id"] for m in stored)
            sent = [c for c in chatters if c.slug == slug]
            acked = sorted(i for c in sent for i in c.acked.values())
            assert len(stored) == len({cid for c in sent for cid in c.acked})   # 0 duplicated
            assert stored_ids == acked                                           # 0 lost
            for chatter in sent:   # everyone ends with the whole history; live events in id order, once
                wait_for(lambda c=chatter, want=set(stored_ids): c.known == want, timeout=60)
                for epoch in {e for e, _ in chatter.live}:
                    live = [i for e, i in chatter.live if e == epoch]
                    assert live == sorted(set(live)), (chatter.upstream, epoch)
        print(f"{len(moved)} of {len(chatters)} clients were on the killed process; all back within {back_after:.1f} s")
    finally:
        for chatter in chatters:
            chatter.close()
