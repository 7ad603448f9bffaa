"""JSON answers written by orjson (tribes.json_provider) say what Flask's own provider said."""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup


@dataclasses.dataclass
class Point:
    x: int
    label: str


DOCUMENTS: list[Any] = [
    {"b": 1, "a": [1, 2.5, None, True], "ä": "Grüße, 🙂", "nested": {"z": {}, "y": []}},
    {"when": datetime(2026, 11, 30, 18, 0, tzinfo=UTC), "day": date(2026, 12, 1)},
    {"amount": decimal.Decimal("12.50"), "id": uuid.UUID(int=7), "point": Point(1, "p"), "html": Markup("<b>x</b>")},
    {1: "int keys", 2: "more"},
    {"lone": "\ud800 surrogate", "big": 2**70},
    [],
    "text",
]


def test_documents_read_back_as_flask_wrote_them(app: Any) -> None:
    flask_provider = DefaultJSONProvider(app)
    with app.app_context():
        for document in DOCUMENTS:
            ours = app.json.response(document)
            theirs = flask_provider.response(document)
            assert ours.mimetype == "application/json"
            assert json.loads(ours.get_data()) == json.loads(theirs.get_data()), document
            assert json.loads(app.json.dumps(document)) == json.loads(flask_provider.dumps(document))


def test_keys_are_sorted_and_the_text_is_compact_utf8(app: Any) -> None:
    with app.app_context():
        body = app.json.response({"b": 1, "a": "ä"}).get_data()
    assert body == '{"a":"ä","b":1}\n'.encode()


def test_with_times_writes_datetimes_as_isoformat_in_the_providers_bytes(app: Any) -> None:
    from datetime import timedelta, timezone

    from tribes.json_provider import with_times

    times = [datetime(2026, 11, 30, 18, 0, tzinfo=UTC), datetime(2026, 12, 1, 3, 12, 2, 912612, tzinfo=UTC),
             datetime(2026, 12, 1, 3, 12, 2, 5, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))]
    document = {"items": [{"starts_at": t, "title": "Grüße", "n": i} for i, t in enumerate(times)], "next_cursor": None}
    as_text = {"items": [{**item, "starts_at": item["starts_at"].isoformat()} for item in document["items"]],
               "next_cursor": None}
    with app.app_context():
        ours = with_times(document)
        assert ours.mimetype == "application/json"
        assert ours.get_data() == app.json.response(as_text).get_data()
        # what orjson refuses (a lone surrogate) still comes out, timestamps as isoformat
        odd = with_times({"when": times[1], "title": "\ud800"})
        assert json.loads(odd.get_data()) == {"when": "2026-12-01T03:12:02.912612+00:00", "title": "\ud800"}
