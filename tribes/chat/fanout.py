"""Socket fan-out that holds across server processes.

Emits go through Flask-SocketIO (and so through the Redis message queue when there is
one). Control operations that need the local socket ids of a room ("make user X's
sockets leave tribe T", "disconnect the sockets of these sessions") cannot be expressed
as plain emits, so they travel as our own messages on the same pub/sub channel:
`TribesRedisManager` handles them in every process; without a queue they run locally.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any
from urllib.parse import urlsplit

import socketio as python_socketio

from tribes.extensions import socketio

log = logging.getLogger(__name__)

NAMESPACE = "/"
CONTROL = "tribes_control"
#: a pub/sub message carrying several emits (`TribesRedisManager.emit_many`)
EMITS = "tribes_emits"


def tribe_room(tribe_id: int) -> str:
    """The room of a tribe's chat."""
    return f"tribe:{tribe_id}"


def user_room(user_id: int) -> str:
    """The personal room of a user (notifications, removals)."""
    return f"user:{user_id}"


def session_room(session_id: int) -> str:
    """The room of the sockets opened under one login session."""
    return f"session:{session_id}"


def emit_to_tribe(event: str, data: dict[str, Any], tribe_id: int) -> None:
    """Emit an event to everyone in a tribe's room (every process; `emit_to_tribes`)."""
    emit_to_tribes(event, [(data, tribe_id)])


def emit_to_tribes(event: str, items: list[tuple[dict[str, Any], int]]) -> None:
    """Emit `event` with each (data, tribe id) in list order, to the tribes' rooms (every
    process). With the Redis queue all of them travel in ONE publish and every process, this
    one included, delivers them when it hears them (`TribesRedisManager.emit_many`): every
    emit to a tribe's room takes that one path, so all of a room's events reach every socket
    in the order they were published."""
    manager = socketio.server.manager
    if isinstance(manager, TribesRedisManager):
        manager.emit_many([(event, data, tribe_room(tribe_id)) for data, tribe_id in items])
        return
    for data, tribe_id in items:
        socketio.emit(event, data, to=tribe_room(tribe_id), namespace=NAMESPACE)


def _local_sids(room: str) -> list[str]:
    """Socket ids of a room connected to this process."""
    manager = socketio.server.manager
    return [sid for sid, _eio in manager.get_participants(NAMESPACE, room)]


def apply_control(data: dict[str, Any]) -> None:
    """Carry out a control operation on the sockets connected to this process."""
    server = socketio.server
    if data.get("op") == "leave_tribe":
        room = tribe_room(int(data["tribe_id"]))
        for sid in _local_sids(user_room(int(data["user_id"]))):
            server.leave_room(sid, room, namespace=NAMESPACE)
    elif data.get("op") == "drop_sessions":
        if data.get("session_ids") is None:
            rooms = [user_room(int(data["user_id"]))]
        else:
            rooms = [session_room(int(s)) for s in data["session_ids"]]
        for room in rooms:
            for sid in _local_sids(room):
                server.disconnect(sid, namespace=NAMESPACE)


def control(data: dict[str, Any]) -> None:
    """Apply a control operation here at once and publish it to the other processes."""
    apply_control(data)
    manager = socketio.server.manager
    if isinstance(manager, TribesRedisManager):
        manager.publish_control(data)


def leave_tribe(user_id: int, tribe_id: int, slug: str) -> None:
    """Every socket of the user leaves the tribe room (all processes) and gets `removed`."""
    control({"op": "leave_tribe", "user_id": user_id, "tribe_id": tribe_id})
    socketio.emit("removed", {"tribe": slug}, to=user_room(user_id), namespace=NAMESPACE)


def drop_sessions(user_id: int, session_ids: list[int] | None) -> None:
    """Disconnect the sockets of the given sessions of a user (None: all of them)."""
    control({"op": "drop_sessions", "user_id": user_id, "session_ids": session_ids})


class TribesRedisManager(python_socketio.RedisManager):
    """python-socketio's Redis manager plus the control messages above."""

    name = "tribes-redis"

    def publish_control(self, data: dict[str, Any]) -> None:
        """Send a control operation to the other server processes."""
        self._publish({"method": CONTROL, "host_id": self.host_id, "data": data})

    #: longest pause between two attempts to listen again while Redis is away (upstream: 60 s)
    LISTEN_RETRY_MAX = 2.0

    def _redis_listen_with_retries(self) -> Any:
        """Listen on a Redis client of its own, and come back within seconds of Redis.

        Upstream's listener shares `self.redis` with the publisher: a publish that reconnects
        replaces that client, and dropping the old one closed the listener's connection, so
        after an outage the two kept knocking each other over; and its pause between attempts
        doubled up to a minute. Here the listener owns its client and pauses at most
        LISTEN_RETRY_MAX seconds.

        Pub/sub keeps nothing for an absent listener: what every process emitted while Redis
        was away never reached any socket. So once it listens again, this process closes the
        connections of its sockets: clients reconnect at once and catch up from their last
        message id (`join` with `after_id`), as after any other interruption.
        """
        import time

        module = self._get_redis_module()
        pause = 0.25
        interrupted = False
        while True:
            try:
                client = module.Redis.from_url(self.redis_url, **self.redis_options)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                pause = 0.25
                if interrupted:
                    interrupted = False
                    log.warning("Redis is back: closing this process's sockets so that clients catch up")
                    self.server.eio.disconnect()
                yield from pubsub.listen()
            except Exception as exc:  # Redis away: try again shortly
                interrupted = True
                log.warning("Cannot receive from Redis (%s); retrying in %.2g s", type(exc).__name__, pause)
                time.sleep(pause)
                pause = min(pause * 2, self.LISTEN_RETRY_MAX)

    def emit_many(self, emits: list[tuple[str, dict[str, Any], str]]) -> None:
        """Publish each (event, JSON data, room) of the namespace "/", in order, as ONE pub/sub
        message (upstream's `emit` publishes one per event: a Redis round trip each), which
        every process, this one included, delivers to its sockets when its listener hears it.

        So every process delivers these emits in the one order Redis gives them: the order of
        the publishes. The chat publishes a room's messages under the room's send lock, in id
        order, so every socket gets them in id order, whichever process stored them; and the
        sender holds that lock only for the insert and one publish (upstream first writes to
        this process's sockets, and did that under the lock). Should the publish fail (Redis
        away: the listener hears nothing either), this process's sockets get them at once, as
        upstream does; everyone catches up when Redis is back (`_redis_listen_with_retries`).
        No acks, no binary data: the chat's broadcasts have neither."""
        messages = [
            {"method": "emit", "event": event, "data": [data], "binary": False, "namespace": NAMESPACE,
             "room": room, "skip_sid": None, "callback": None, "host_id": self.host_id}
            for event, data, room in emits
        ]
        if not self._publish({"method": EMITS, "host_id": self.host_id, "emits": messages}):
            for message in messages:  # not published (or nobody listening, this process included)
                self._handle_emit(message)

    def _listen(self) -> Any:
        """Upstream's messages, decoded once (its `_thread` takes a decoded dict as it is), with
        the control messages and the batches of emits handled here."""
        for message in super()._listen():
            try:
                data = json.loads(message) if isinstance(message, bytes | str) else message
            except ValueError:
                yield message
                continue
            method = data.get("method") if isinstance(data, dict) else None
            if method == CONTROL or method == EMITS:
                if method == EMITS or data.get("host_id") != self.host_id:  # emits: ours too (`emit_many`)
                    for operation in [data.get("data") or {}] if method == CONTROL else data.get("emits") or []:
                        try:
                            if method == CONTROL:
                                apply_control(operation)
                            else:
                                self._handle_emit(operation)
                        except Exception:  # one bad message must not stop the listener
                            log.exception("socket %s message failed", method)
                continue
            yield data


def queue_channel(redis_url: str) -> str:
    """The pub/sub channel: per Redis database number (pub/sub ignores database numbers,
    so two deployments on one Redis server would otherwise hear each other), or
    TRIBES_SOCKETIO_CHANNEL."""
    explicit = os.environ.get("TRIBES_SOCKETIO_CHANNEL")
    if explicit:
        return explicit
    database = urlsplit(redis_url).path.strip("/") or "0"
    return f"tribes-socketio-db{database}"


def client_manager(redis_url: str | None) -> Any:
    """The Socket.IO client manager: Redis pub/sub between processes, or in-process."""
    if redis_url:
        return TribesRedisManager(redis_url, channel=queue_channel(redis_url))
    return python_socketio.Manager()
