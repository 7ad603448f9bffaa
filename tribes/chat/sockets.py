"""Socket.IO handlers (default namespace): connect, join, leave, send, typing.

Each handler runs in `scoped_db`, the sockets' one commit point: a fresh database session,
committed when the handler returns (emits queued with `events.on_commit` go out then),
rolled back on errors, always removed: Flask's request teardown is not what ends a
socket event. (The send path's own transaction shape is described in `chat.sending`.) The user is re-loaded from
the server-side session on every event and membership is asked of `groups.policy`
every time: the rooms only decide who receives, never who may act.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, join_room, leave_room
from pydantic import BaseModel
from sqlalchemy import select

from tribes import events, metrics
from tribes.accounts.models import UserSession
from tribes.accounts.service import card
from tribes.chat import batching, direct, fanout, schemas, service, socket_cap, trace
from tribes.chat.direct_schemas import DirectJoinEvent, DirectMessageOut, DirectSendEvent
from tribes.chat.direct_sending import send_direct
from tribes.chat.models import Message
from tribes.chat.schemas import MessageOut
from tribes.chat.sending import SessionEnded, send_message
from tribes.endpoint import commit
from tribes.errors import ApiError, ValidationFailed, unavailable
from tribes.extensions import db, socketio
from tribes.groups import policy
from tribes.groups.models import Tribe
from tribes.http import check_json, parse
from tribes.i18n import _

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

#: a socket announces typing in a tribe at most this often
TYPING_INTERVAL = 2.0
_last_typing: dict[tuple[str, str], float] = {}


def _quiet_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection went with the database: nothing to roll back
        db.remove()


def scoped_db(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a socket handler with a fresh DB session: commit when it returns (the one
    commit of socket events), roll back on errors, always remove the session."""

    event = handler.__name__.removeprefix("on_")

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, outcome = time.perf_counter(), "ok"
        if trace.PATH is not None and event == "send":
            trace.start()
        try:
            result = handler(*args, **kwargs)
            commit()
            if trace.PATH is not None:
                trace.finish()
            if isinstance(result, dict) and result.get("ok") is False:
                outcome = str(result.get("error"))
            return result
        except ApiError as exc:
            db.session.rollback()
            outcome = exc.code
            return {"ok": False, "error": exc.code}
        except ConnectionRefusedError:
            db.session.rollback()
            outcome = "refused"
            raise
        except Exception as exc:
            outcome = "service_unavailable" if unavailable(exc) else "internal_error"
            _quiet_rollback()
            if outcome == "internal_error":
                log.exception("socket handler %s failed", handler.__name__)
            return {"ok": False, "error": outcome}
        finally:
            db.remove()
            metrics.observe_socket_event(event, outcome, time.perf_counter() - started)

    return wrapper


#: socket id -> (user id, login-session id, user card), set when the socket connected
_identities: dict[str, tuple[int, int, dict[str, Any]]] = {}


def socket_user_id() -> int:
    """The id of the user behind the current socket (set by `authenticated`)."""
    return int(g.socket_user[0])


def authenticated(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse the event (and drop the socket) once its login session has ended.

    The user was loaded from the session cookie at connect; each event re-checks in one
    light query that the login session still exists (ended sessions also disconnect
    their sockets at once, in every process) instead of re-running the cookie login.
    """

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        identity = _identities.get(request.sid)  # type: ignore[attr-defined]
        alive = identity is not None and db.session.scalar(
            select(UserSession.id).where(UserSession.id == identity[1], UserSession.user_id == identity[0])
        )
        if not alive:
            disconnect()
            return {"ok": False, "error": "unauthenticated"}
        g.socket_user = identity
        return handler(*args, **kwargs)

    return wrapper


def _payload(schema: type[M], data: Any) -> M:
    """An event's data checked like a JSON body (numbers, NUL, depth), then by its schema."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": _("The data must be an object.")})
    check_json(data)
    return parse(schema, data)


def origin_allowed() -> bool:
    """A browser's Origin must be in ALLOWED_ORIGINS, or the site's own when none is set."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: the session cookie is what authenticates it
    allowed = current_app.config.get("ALLOWED_ORIGINS") or [request.host_url.rstrip("/")]
    return origin.rstrip("/") in allowed


@socketio.on("connect")
@scoped_db
def on_connect(auth: Any = None) -> bool:
    """Accept only sockets of a live login session, up to the account's cap; join its rooms.

    Over the cap the connection is refused with `too_many_sockets` (the client's
    `connect_error` gets `{message: "too_many_sockets", data: {message, max}}`).
    """
    if not origin_allowed():
        return False
    if not current_user.is_authenticated or current_user.session_id is None:
        return False
    sid = request.sid  # type: ignore[attr-defined]
    if not socket_cap.claim(current_user.id, sid):
        cap = socket_cap.limit()
        raise ConnectionRefusedError("too_many_sockets", {
            "message": _(
                "This account already has %(count)s open connections. Close a window or tab and try again.",
                count=cap,
            ),
            "max": cap,
        })
    join_room(fanout.user_room(current_user.id))
    join_room(fanout.session_room(current_user.session_id))
    _identities[sid] = (current_user.id, current_user.session_id, card(current_user) or {})
    return True


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    """Forget the socket: its identity, its place under the account's cap, its typing throttle."""
    sid = request.sid  # type: ignore[attr-defined]
    identity = _identities.pop(sid, None)
    if identity is not None:
        try:
            socket_cap.release(identity[0], sid)
        except Exception:  # Redis away: the entry lapses after SOCKET_TTL
            log.exception("could not release the socket count of user %s", identity[0])
    for key in [k for k in _last_typing if k[0] == sid]:
        _last_typing.pop(key, None)


@socketio.on("join")
@scoped_db
@authenticated
def on_join(data: Any = None) -> dict[str, Any]:
    """Enter a tribe's room (members only) and get what was missed after `after_id`; for a
    conversation, only the catch-up (its events reach the members' personal rooms)."""
    if isinstance(data, dict) and "conversation" in data:
        return _join_conversation(_payload(DirectJoinEvent, data))
    event = _payload(schemas.JoinEvent, data)
    tribe, _member = policy.get_tribe_for(db.session, socket_user_id(), event.tribe)
    socket_cap.renew(socket_user_id(), request.sid)  # type: ignore[attr-defined]
    room = fanout.tribe_room(tribe.id)
    join_room(room)
    db.session.rollback()  # a fresh read: a removal committed meanwhile must win
    if not policy.is_member(db.session, tribe.id, socket_user_id()):
        leave_room(room)
        return {"ok": False, "error": "not_found"}
    missed, has_more = [], False
    if event.after_id is not None:
        rows, has_more = service.missed(db.session, tribe.id, event.after_id)
        missed = [MessageOut.of(m, tribe.slug).model_dump(mode="json") for m in rows]
    return {"ok": True, "missed": missed, "has_more": has_more}


def _join_conversation(event: DirectJoinEvent) -> dict[str, Any]:
    """A conversation's catch-up after `after_id` (what I may read of it), oldest first."""
    member = direct.membership(db.session, event.conversation, socket_user_id())
    socket_cap.renew(socket_user_id(), request.sid)  # type: ignore[attr-defined]
    missed, has_more = [], False
    if event.after_id is not None:
        rows = list(db.session.scalars(
            direct.visible(event.conversation, member).where(Message.id > event.after_id)
            .order_by(Message.id).limit(service.MISSED_MAX + 1)
        ))
        has_more = len(rows) > service.MISSED_MAX
        missed = [DirectMessageOut.of(m).model_dump(mode="json") for m in rows[:service.MISSED_MAX]]
    return {"ok": True, "missed": missed, "has_more": has_more}


@socketio.on("leave")
@scoped_db
@authenticated
def on_leave(data: Any = None) -> dict[str, Any]:
    """Leave a tribe's room."""
    event = _payload(schemas.TribeEvent, data)
    tribe_id = db.session.scalar(select(Tribe.id).where(Tribe.slug == event.tribe))
    if tribe_id is not None:
        leave_room(fanout.tribe_room(tribe_id))
    return {"ok": True}


@socketio.on("send")
@scoped_db
def on_send(data: Any = None) -> dict[str, Any]:
    """Post a message; ack with the stored message (a repeated client_id acks the same one).

    The live-session check of `authenticated` runs inside the send's own query.
    """
    identity = _identities.get(request.sid)  # type: ignore[attr-defined]
    if identity is None:
        disconnect()
        return {"ok": False, "error": "unauthenticated"}
    try:
        if isinstance(data, dict) and "conversation" in data:
            direct_event = _payload(DirectSendEvent, data)
            message: MessageOut | DirectMessageOut
            message, _created = send_direct(
                identity[0], direct_event.conversation, direct_event.body, direct_event.client_id,
                session_id=identity[1],
            )
        else:
            event = _payload(schemas.SendEvent, data)
            if trace.PATH is not None:
                trace.annotate(event.client_id)
            message, _created = send_message(  # under `tribes serve` a tribe send takes `fast_send`
                identity[0], event.tribe, event.body, event.client_id, session_id=identity[1],
                own_transaction=True,
            )
    except SessionEnded:
        disconnect()
        raise  # scoped_db rolls back and answers {"ok": false, "error": "unauthenticated"}
    return {"ok": True, "message": message.model_dump(mode="json")}


def fast_send(sid: str, data: Any = None) -> dict[str, Any]:
    """`send` of a tribe message under `tribes serve`, straight from python-socketio.

    What `on_send` does, without the parts a tribe send does not use: Flask-SocketIO's request
    context per event (a Request object, the session, URL adapter and teardown) and the
    event's own database session (the batched send path has its own, `chat.batching`). It
    runs in the app context of the socket's app; a direct message (`conversation`) and
    anything that is not an object take `on_send` through Flask-SocketIO as before.
    """
    server = socketio.server
    environ = server.get_environ(sid, namespace=fanout.NAMESPACE)
    if not environ:
        return {"ok": False, "error": "unauthenticated"}
    if not isinstance(data, dict) or "conversation" in data:
        return socketio._handle_event(on_send, "send", fanout.NAMESPACE, sid, data)
    started, outcome = time.perf_counter(), "ok"
    with environ["flask.app"].app_context():
        if trace.PATH is not None:
            trace.start()
        try:
            identity = _identities.get(sid)
            if identity is None:
                raise SessionEnded()
            event = _payload(schemas.SendEvent, data)
            if trace.PATH is not None:
                trace.annotate(event.client_id)
            sent = batching.submit(identity[0], identity[1], event.tribe, event.body, event.client_id)
            trace.mark_stages(sent.stages)
            assert sent.message is not None
            answer = {"ok": True, "message": sent.message.model_dump(mode="json")}
            if trace.PATH is not None:
                trace.finish()
            return answer
        except ApiError as exc:
            outcome = exc.code
            if isinstance(exc, SessionEnded):
                server.disconnect(sid, namespace=fanout.NAMESPACE)
            return {"ok": False, "error": exc.code}
        except Exception as exc:
            outcome = "service_unavailable" if unavailable(exc) else "internal_error"
            if outcome == "internal_error":
                log.exception("socket handler fast_send failed")
            return {"ok": False, "error": outcome}
        finally:
            metrics.observe_socket_event("send", outcome, time.perf_counter() - started)


def install_fast_send() -> None:
    """Answer `send` with `fast_send` (under `tribes serve`, where sends are batched)."""
    if batching.enabled():
        socketio.server.on("send", fast_send, namespace=fanout.NAMESPACE)


@socketio.on("typing")
@scoped_db
@authenticated
def on_typing(data: Any = None) -> dict[str, Any]:
    """Tell the others in the room that I am typing (throttled per socket and tribe)."""
    event = _payload(schemas.TribeEvent, data)
    sid = request.sid  # type: ignore[attr-defined]
    now = time.monotonic()
    if now - _last_typing.get((sid, event.tribe), 0.0) < TYPING_INTERVAL:
        return {"ok": True}
    tribe, _member = policy.get_tribe_for(db.session, socket_user_id(), event.tribe)
    _last_typing[(sid, event.tribe)] = now
    user, slug, room = g.socket_user[2], tribe.slug, fanout.tribe_room(tribe.id)
    # after scoped_db's commit: no transaction (nor SQLite lock) held while the emit may yield
    events.on_commit(db.session, lambda: socketio.emit(
        "typing", {"tribe": slug, "user": user}, to=room, skip_sid=sid, namespace=fanout.NAMESPACE,
    ))
    return {"ok": True}
