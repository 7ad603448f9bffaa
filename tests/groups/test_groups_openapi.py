"""Every groups endpoint documents its response (or answers 204): the typed edge."""

from __future__ import annotations

from typing import Any


def test_groups_responses_have_schemas(app: Any) -> None:
    views = {name: view for name, view in app.view_functions.items() if name.startswith("groups_api.")}
    assert len(views) >= 17
    for name, view in views.items():
        typed = getattr(view, "_tribes_response", None) is not None
        assert typed or getattr(view, "_tribes_status", None) == 204, name
