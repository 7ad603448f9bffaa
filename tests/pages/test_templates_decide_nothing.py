"""Templates show, Python decides: no role lists, no state rules, no "is it me" id comparisons,
no queries from Jinja."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

#: a role compared with a named role, or looked up in a list of roles, inside Jinja
ROLE_RULE = re.compile(r"\{[{%][^}]*\brole\s*(==\s*['\"]|!=\s*['\"]|(not\s+)?in\s*[(\[])[^}]*[}%]\}")
#: an invite's state worked out from its columns
STATE_RULE = re.compile(r"\{[{%][^}]*\b(revoked_at|expires_at\s*[<>]|uses\s*[<>])[^}]*[}%]\}")
#: "is this me / mine?" worked out by comparing ids with the reader's (the view says what I may do)
SELF_RULE = re.compile(r"\{[{%][^}]*(==|!=)\s*(current_user\.id|me\.user_id)\b[^}]*[}%]\}")


def test_templates_hold_no_role_lists_or_state_rules() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ROLE_RULE.search(line) or STATE_RULE.search(line) or SELF_RULE.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_template_global_runs_a_query(app: Any) -> None:
    """Jinja globals the features add are formatters, never database lookups."""
    import inspect

    for name, value in app.jinja_env.globals.items():
        if callable(value) and getattr(value, "__module__", "").startswith("tribes."):
            source = inspect.getsource(value)
            assert "db.session" not in source and "session." not in source, name
