"""HTML pages of direct messages: the inbox, a live conversation, a new conversation, "Message" from a profile."""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from tribes.chat import direct
from tribes.chat.direct_sending import send_direct
from tribes.chat.models import ConversationMember
from tribes.contacts.models import Contact
from tribes.contacts.service import contacts_of, contacts_query
from tribes.errors import ValidationFailed
from tribes.extensions import db
from tribes.i18n import _
from tribes.pages import form_action, form_id, page_blueprint
from tribes.paging import keyset_page

bp = page_blueprint("chat_pages", __name__)

#: conversations (and requests) on one inbox page; more follow a "more" link
PAGE_SIZE = 100
#: contacts offered on the new-conversation page (the newest; the page says how to reach the others)
CONTACTS_SHOWN = 500


def _page(status: str, arg: str) -> tuple[list[dict[str, Any]], str | None]:
    """One page of my conversations with this status, and the link to the next page."""
    rows, cursor = keyset_page(
        db.session, direct.mine_query(current_user.id, status),
        [ConversationMember.last_activity_id, ConversationMember.conversation_id],
        descending=True, limit=PAGE_SIZE, cursor=request.args.get(arg) or None,
    )
    items = [c.model_dump(mode="json") for c in direct.out(db.session, rows)]
    return items, (url_for("chat_pages.inbox", **{arg: cursor}) if cursor else None)  # type: ignore[arg-type]


@bp.get("/messages")
@login_required
def inbox() -> Any:
    """My conversations with unread counts, latest first; message requests apart."""
    conversations, more = _page("active", "cursor")
    requests, more_requests = _page("request", "requests_cursor")
    return render_template("chat/inbox.html", conversations=conversations, requests=requests,
                           more=more, more_requests=more_requests, me=current_user.id)


@bp.get("/messages/<int:conversation_id>")
@login_required
def conversation(conversation_id: int) -> Any:
    """A conversation, live, with the tribe chat's component."""
    member = direct.membership(db.session, conversation_id, current_user.id)
    [shown] = direct.out(db.session, [member])
    return render_template("chat/conversation.html", conversation=shown.model_dump(mode="json"),
                           me=current_user.id, last_read=member.last_read_id)


def _start(user_ids: list[int], body: str) -> int:
    """Start (or reopen) a conversation, with a first message when one is written; its id."""
    found, _created = direct.start(db.session, current_user, user_ids)
    if body:
        if len(body) > 4000:
            raise ValidationFailed({"body": _("Use 1 to %(max)s characters.", max=4000)})
        client_id = (request.form.get("client_id") or "")[:64] or secrets.token_urlsafe(12)
        send_direct(current_user.id, found.id, body, client_id)
    return found.id


def _goto(conversation_id: int) -> str:
    """The message shown after starting a conversation from a page."""
    return _("Conversation opened.")


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Pick contacts (1..7) for a new conversation, with an optional first message."""
    if request.method == "POST":
        picked = [form_id(v) for v in request.form.getlist("user_ids")]
        if None in picked:
            abort(404)
        ids = sorted({i for i in picked if i is not None})
        if not 1 <= len(ids) <= 7:
            return render_template("chat/new.html", **_contacts(), error=_("Pick 1 to 7 contacts."),
                                   client_id=secrets.token_urlsafe(12)), 422
        started: dict[str, int] = {}
        response = form_action(url_for("chat_pages.inbox"), _goto,
                               lambda: started.setdefault("id", _start(ids, (request.form.get("body") or "").strip())))
        if "id" in started and response.status_code == 302:
            response.location = url_for("chat_pages.conversation", conversation_id=started["id"])
        return response
    return render_template("chat/new.html", **_contacts(), error=None, client_id=secrets.token_urlsafe(12))


def _contacts() -> dict[str, Any]:
    """My newest CONTACTS_SHOWN contacts as the picker lists them, by name, and whether there
    are more (the page then says how to reach the others: "Message" on their profile)."""
    rows = list(db.session.scalars(
        contacts_query(current_user.id).order_by(Contact.created_at.desc(), Contact.id.desc()).limit(CONTACTS_SHOWN + 1)
    ))
    found = [c.model_dump(mode="json") for c in contacts_of(db.session, current_user.id, rows[:CONTACTS_SHOWN])]
    return {"contacts": sorted(found, key=lambda c: c["user"]["display_name"].lower()),
            "more_contacts": len(rows) > CONTACTS_SHOWN}


@bp.post("/u/<int:user_id>/message")
@login_required
def message_person(user_id: int) -> Any:
    """"Message" on a profile: open the conversation with this person (a request if not a contact)."""
    started: dict[str, int] = {}
    response = form_action(url_for("contacts_pages.profile", user_id=user_id), _goto,
                           lambda: started.setdefault("id", _start([user_id], "")))
    if "id" in started and response.status_code == 302:
        response.location = url_for("chat_pages.conversation", conversation_id=started["id"])
    return response


@bp.post("/messages/<int:conversation_id>/accept")
@login_required
def accept(conversation_id: int) -> Any:
    """Accept a message request from the inbox."""
    return form_action(url_for("chat_pages.conversation", conversation_id=conversation_id), _("Request accepted."),
                       lambda: direct.accept(db.session, direct.membership(db.session, conversation_id, current_user.id)))


@bp.post("/messages/<int:conversation_id>/decline")
@login_required
def decline(conversation_id: int) -> Any:
    """Decline a message request, quietly."""
    return form_action(url_for("chat_pages.inbox"), _("Declined. They will not be told."),
                       lambda: direct.decline(db.session, conversation_id, current_user.id))


@bp.post("/messages/<int:conversation_id>/leave")
@login_required
def leave(conversation_id: int) -> Any:
    """Leave a conversation (hidden for me only)."""
    return form_action(url_for("chat_pages.inbox"), _("You left the conversation. The others keep their copy."),
                       lambda: direct.leave(db.session, direct.membership(db.session, conversation_id, current_user.id)))
