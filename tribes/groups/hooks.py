"""Groups' wiring: unread counts come from the chat's messages; the header shows their total."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Count unread chat messages (when the chat feature is there) for pages and the header."""
    import importlib.util

    from tribes.groups import reads
    from tribes.pages import set_tribe_unread_counter

    if importlib.util.find_spec("tribes.chat") is not None:
        from tribes.chat.models import Message

        reads.use_messages(Message)
    set_tribe_unread_counter(app, reads.unread_total)
