"""What sending costs: the statements of one announcement do not grow with its audience
(one INSERT of the notifications, one of the mails, one UPDATE marking them mailed)."""

from __future__ import annotations

import time
from typing import Any

from tests.announcements.conftest import announce
from tests.conftest import join


def test_statements_do_not_grow_with_the_audience(make_user: Any, make_tribe: Any, count_queries: Any) -> None:
    owner = make_user("Olga")
    slug = make_tribe(owner, [make_user() for _ in range(3)])["slug"]
    figures = {}
    for size in (3, 40):
        while owner.get(f"tribes/{slug}").get_json()["member_count"] < size + 1:
            join(owner, make_user(), slug)
        started = time.perf_counter()
        response, statements = count_queries.measure(lambda n=size: announce(owner, slug, title=f"To {n}"))
        elapsed = time.perf_counter() - started
        assert response.status_code == 201 and response.get_json()["recipient_count"] == size
        figures[size] = (statements, round(elapsed * 1000))
    print(f"\nannouncement to the whole tribe, recipients: (statements, ms) {figures}")
    assert figures[40][0] <= figures[3][0] + 2, figures
