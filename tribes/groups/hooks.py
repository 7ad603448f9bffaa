"""Groups' wiring: unread counts come from the chat's messages; the header shows their total."""

from __future__ import annotations

from typing import Any

from flask import Flask

#: at most this many tribes are followed live by a page's badges (static/unread.js joins each)
MAX_LIVE_TRIBES = 50


def init_app(app: Flask) -> None:
    """Count unread chat messages (when the chat feature is there) for pages and the header."""
    import importlib.util

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from tribes.groups import reads
    from tribes.groups.models import Membership, Tribe
    from tribes.groups.policy import member_of
    from tribes.pages import set_live_tribes_provider, set_tribe_unread_counter

    set_tribe_unread_counter(app, reads.unread_total)
    if importlib.util.find_spec("tribes.chat") is None:
        return
    from tribes.chat.blocks import BLOCK_IDS
    from tribes.chat.models import Message, MessageBlock

    reads.use_messages(Message, MessageBlock, BLOCK_IDS)

    def live_tribes(session: Session, user_id: int) -> dict[str, Any]:
        """My tribes' slugs with their unread counts, and the newest message id: the page's
        socket joins each tribe after that id, so it hears only what is new."""
        rows = session.execute(
            select(Tribe.id, Tribe.slug).join(Membership, member_of(Tribe.id, user_id))
            .order_by(Membership.id).limit(MAX_LIVE_TRIBES)
        ).tuples().all()
        if not rows:
            return {"tribes": {}, "after": 0}
        counts = reads.unread_counts(session, user_id, [tribe_id for tribe_id, _slug in rows])
        newest = session.scalar(select(func.max(Message.id)).where(Message.tribe_id.is_not(None))) or 0
        return {"tribes": {slug: counts.get(tribe_id, 0) for tribe_id, slug in rows}, "after": newest}

    set_live_tribes_provider(app, live_tribes)
