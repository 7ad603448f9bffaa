"""The room abstraction of the send path: tribes keep their lock keys, conversations get their own."""

from __future__ import annotations

import hashlib

from tribes.chat.ordering import Room, advisory_key


def test_a_tribe_keeps_its_advisory_key_and_rooms_do_not_collide() -> None:
    old = int.from_bytes(hashlib.sha256(b"tribes-chat:42").digest()[:8], "big", signed=True)
    assert advisory_key(Room("tribe", 42)) == old  # servers of the previous version lock the same key
    assert advisory_key(Room("conversation", 42)) != old
    assert Room("tribe", 42).tribe_id == 42 and Room("tribe", 42).conversation_id is None
    assert Room("conversation", 7).conversation_id == 7 and Room("conversation", 7).tribe_id is None
