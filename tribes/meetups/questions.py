"""Questions organisers ask on RSVP, and the answers stored per RSVP.

A meetup has 0..5 questions `{id, text, required}` in the order the organiser gave them.
`POST`/`PATCH` send the whole list: an item with `id` keeps that question (its text and
`required` may change, its answers stay), an item without `id` adds one, a question left out
is removed (its answers are no longer shown). Answers are `{str(question id): text}` on the
RSVP; "going" (also past capacity, onto the waitlist) checks them: every required question
answered, no unknown ids, 1..1000 characters each. Omitting `answers` keeps the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tribes.db import utcnow
from tribes.errors import ValidationFailed
from tribes.i18n import _
from tribes.meetups.models import Meetup, MeetupQuestion

MAX_QUESTIONS = 5
ANSWER_MAX = 1000


def questions_of(session: Session, meetup_ids: Iterable[int]) -> dict[int, list[MeetupQuestion]]:
    """The questions of each meetup, in order (one query)."""
    ids = list(meetup_ids)
    found: dict[int, list[MeetupQuestion]] = {i: [] for i in ids}
    if ids:
        stmt = (select(MeetupQuestion).where(MeetupQuestion.meetup_id.in_(ids))
                .order_by(MeetupQuestion.meetup_id, MeetupQuestion.position, MeetupQuestion.id))
        for question in session.scalars(stmt):
            found[question.meetup_id].append(question)
    return found


def as_json(questions: Iterable[MeetupQuestion]) -> list[dict[str, Any]]:
    """`[{id, text, required}]`."""
    return [{"id": q.id, "text": q.text, "required": q.required} for q in questions]


def set_questions(session: Session, meetup: Meetup, items: list[Mapping[str, Any]]) -> None:
    """Replace the meetup's questions by `items` (validated texts; ids keep questions)."""
    if len(items) > MAX_QUESTIONS:
        raise ValidationFailed({"questions": _("At most %(count)s questions.", count=MAX_QUESTIONS)})
    current = {q.id: q for q in questions_of(session, [meetup.id])[meetup.id]}
    kept: set[int] = set()
    for index, item in enumerate(items):
        ident = item.get("id")
        if ident is not None and (ident not in current or ident in kept):
            raise ValidationFailed({f"questions.{index}.id": _("This question is not part of this meetup.")})
        if ident is not None:
            kept.add(ident)
    gone = [i for i in current if i not in kept]
    if gone:
        session.execute(delete(MeetupQuestion).where(MeetupQuestion.id.in_(gone)))
    for index, item in enumerate(items):
        ident = item.get("id")
        if ident is None:
            session.add(MeetupQuestion(meetup_id=meetup.id, position=index, text=item["text"],
                                       required=bool(item.get("required")), created_at=utcnow()))
        else:
            question = current[ident]
            question.position, question.text, question.required = index, item["text"], bool(item.get("required"))
    session.flush()


def check_answers(
    questions: list[MeetupQuestion], given: Mapping[str, str] | None, stored: Mapping[str, Any] | None
) -> dict[str, str]:
    """The answers to store for "going": `given` (or, when omitted, the stored ones) checked
    against the questions; ValidationFailed with `answers.<id>` fields otherwise."""
    known = {str(q.id): q for q in questions}
    errors: dict[str, str] = {}
    if given is None:
        answers = {k: str(v) for k, v in (stored or {}).items() if k in known}
    else:
        answers = {}
        for key, value in given.items():
            key = str(key).strip()
            text = value.strip() if isinstance(value, str) else ""
            if key not in known:
                errors[f"answers.{key}"[:120]] = _("This meetup asks no such question.")
            elif not text:
                if known[key].required:
                    errors[f"answers.{key}"] = _("Please answer this question.")
            elif len(text) > ANSWER_MAX:
                errors[f"answers.{key}"] = _("Use at most %(count)s characters.", count=ANSWER_MAX)
            else:
                answers[key] = text
    for key, question in known.items():
        if question.required and key not in answers and f"answers.{key}" not in errors:
            errors[f"answers.{key}"] = _("Please answer this question.")
    if errors:
        raise ValidationFailed(errors, _("This meetup asks a few questions: please answer them on the meetup's page."))
    return answers


def answers_for(questions: list[MeetupQuestion], stored: Mapping[str, Any] | None) -> dict[str, str]:
    """The stored answers to the meetup's current questions."""
    known = {str(q.id) for q in questions}
    return {k: str(v) for k, v in (stored or {}).items() if k in known}
