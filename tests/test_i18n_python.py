"""Messages raised or flashed from Python follow the reader's language.

The guard walks every module under tribes/ and fails when an error message (`ApiError` and its
subclasses, `ValidationFailed` field texts), a `flash()` text or a `ValueError` raised inside a
pydantic validator is a plain string literal or f-string instead of a `_()` / `lazy_gettext()`
call. The behaviour tests send the same invalid requests as a German and an English user.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tribes"
#: the error classes of tribes/errors.py; subclasses defined anywhere in tribes/ are found below
BASE_ERRORS = {"ApiError", "Unauthenticated", "Forbidden", "NotFound", "Conflict", "ValidationFailed", "RateLimited"}
VALIDATOR_DECORATORS = {"field_validator", "model_validator", "validator", "root_validator"}
VALIDATOR_WRAPPERS = {"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"}
#: (module, stripped line) of literals that must stay as they are, each with the reason (none needed today)
ALLOWED: dict[tuple[str, str], str] = {}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield str(path.relative_to(PACKAGE.parent)), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _error_classes(trees: list[tuple[str, ast.Module]]) -> set[str]:
    """BASE_ERRORS and every class under tribes/ that derives from one of them."""
    found = set(BASE_ERRORS)
    grew = True
    while grew:
        grew = False
        for _path, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in found:
                    if any(_name(base) in found for base in node.bases):
                        found.add(node.name)
                        grew = True
    return found


def _plain_text(node: ast.AST | None) -> bool:
    """A literal a person would read untranslated: "…", f"…", "…" % x, "…".format(x), "a" + b."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.strip() != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _plain_text(node.left) or _plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _plain_text(node.func.value)
    if isinstance(node, ast.IfExp):
        return _plain_text(node.body) or _plain_text(node.orelse)
    return False


def _message_args(call: ast.Call) -> Iterator[ast.AST]:
    """The arguments of an error call that carry human-readable text (never code= or status=)."""
    for arg in call.args:
        if isinstance(arg, ast.Dict):  # ValidationFailed({"field": "message"})
            yield from (value for value in arg.values if value is not None)
        else:
            yield arg
    for keyword in call.keywords:
        if keyword.arg == "message":
            yield keyword.value
        elif keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
            yield from (value for value in keyword.value.values if value is not None)


def _validator_functions(tree: ast.Module) -> set[ast.AST]:
    """Functions pydantic runs as validators: decorated ones, those handed to *Validator() or to
    `field_validator(...)(...)`, and the module's functions they call."""
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    named: set[str | None] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        applied = isinstance(node.func, ast.Call) and _name(node.func.func) in VALIDATOR_DECORATORS
        if _name(node.func) in VALIDATOR_WRAPPERS or applied:
            named |= {_name(inner) for arg in node.args for inner in ast.walk(arg)}
    found = {
        f for f in functions.values()
        if f.name in named
        or {_name(d.func if isinstance(d, ast.Call) else d) for d in f.decorator_list} & VALIDATOR_DECORATORS
    }
    grew = True
    while grew:  # and what they call, in the same module
        called = {_name(n.func) for f in found for n in ast.walk(f) if isinstance(n, ast.Call)}
        more = {functions[name] for name in called if name in functions} - found
        found |= more
        grew = bool(more)
    return set(found)


def untranslated() -> list[str]:
    """`path:line: code` of every human-readable literal that skips the catalogue."""
    trees = list(_modules())
    errors = _error_classes(trees)
    problems: list[str] = []
    for path, tree in trees:
        lines = (PACKAGE.parent / path).read_text(encoding="utf-8").splitlines()
        suspects: list[tuple[ast.Call, ast.AST]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in errors:
                suspects += [(node, arg) for arg in _message_args(node)]
            elif isinstance(node, ast.Call) and _name(node.func) == "flash" and node.args:
                suspects.append((node, node.args[0]))
        for function in _validator_functions(tree):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and _name(node.func) == "ValueError" and node.args:
                    suspects.append((node, node.args[0]))
        for call, arg in suspects:
            if not _plain_text(arg):
                continue
            text = lines[call.lineno - 1].strip()
            if (path, text) not in ALLOWED:
                problems.append(f"{path}:{call.lineno}: {text}")
    return sorted(set(problems))


def test_no_error_or_flash_message_skips_translation() -> None:
    assert untranslated() == [], "wrap these messages in _() (or lazy_gettext() at import time)"


def test_the_guard_catches_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "tribes"
    bad.mkdir()
    (bad / "bad.py").write_text(
        "from pydantic import BaseModel, field_validator\n"
        "class Shout(Conflict):\n    pass\n"
        "def view(n):\n"
        "    flash('Saved.', 'success')\n"
        "    raise ValidationFailed({'name': f'At most {n}.'})\n"
        "def other():\n"
        "    raise Shout('Too loud.', code='loud')\n"
        "def fine():\n"
        "    flash(_('Saved.'), 'success')\n"
        "    raise ValidationFailed({'name': _('At most %(n)s.', n=3)})\n"
        "class Body(BaseModel):\n"
        "    @field_validator('text')\n"
        "    @classmethod\n"
        "    def _text(cls, v):\n"
        "        raise ValueError('Say something.')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", bad)
    found = untranslated()
    assert [line.split(": ", 1)[0] for line in found] == [
        "tribes/bad.py:16", "tribes/bad.py:5", "tribes/bad.py:6", "tribes/bad.py:8",
    ]


# -- behaviour: the same mistake, told in each reader's language --------------------------------------


def _speaking(make_user: Any, locale: str) -> Any:
    user = make_user()
    assert user.patch("me", {"locale": locale}).status_code == 200
    return user


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


@pytest.mark.parametrize(
    ("locale", "message", "field"),
    [
        ("en", "Some fields are not valid.", "You cannot send a contact request to yourself."),
        ("de", "Einige Felder sind nicht gültig.", "Du kannst dir selbst keine Kontaktanfrage schicken."),
    ],
)
def test_a_contact_request_to_myself_is_refused_in_my_language(
    make_user: Any, locale: str, message: str, field: str
) -> None:
    me = _speaking(make_user, locale)
    error = _error(me.post("contacts/requests", {"user_id": me.user["id"]}), 422)
    assert error["code"] == "validation_failed"
    assert error["message"] == message
    assert error["fields"] == {"user_id": field}


def test_a_bad_cursor_and_limit_are_explained_in_german_and_english(make_user: Any) -> None:
    german, english = _speaking(make_user, "de"), _speaking(make_user, "en")
    for path in ("notifications?cursor=nonsense", "tribes?limit=0"):
        de, en = _error(german.get(path), 422), _error(english.get(path), 422)
        assert de["code"] == en["code"] == "validation_failed"
        assert de["fields"].keys() == en["fields"].keys()
        assert de["fields"] != en["fields"] and de["message"] != en["message"]
    assert _error(english.get("notifications?cursor=nonsense"), 422)["fields"] == {"cursor": "Invalid cursor."}
    assert _error(german.get("notifications?cursor=nonsense"), 422)["fields"] == {"cursor": "Ungültiger Cursor."}


def test_a_bad_meetup_is_refused_in_my_language(make_user: Any, make_tribe: Any) -> None:
    german, english = _speaking(make_user, "de"), _speaking(make_user, "en")
    answers = {}
    for name, user in (("de", german), ("en", english)):
        tribe = make_tribe(owner=user)
        answers[name] = _error(
            user.post(f"tribes/{tribe['slug']}/meetups", {"title": "", "starts_at": "tomorrow-ish"}), 422
        )
    assert answers["de"]["fields"].keys() == answers["en"]["fields"].keys() >= {"title", "starts_at"}
    assert answers["en"]["fields"]["starts_at"] == "Enter a date and time."
    assert answers["de"]["fields"]["starts_at"] == "Gib ein Datum mit Uhrzeit ein."
    assert answers["de"]["fields"]["title"] != answers["en"]["fields"]["title"]


def test_no_function_that_translates_also_names_a_variable_underscore() -> None:
    """`tribe, _ = ...` in a function that calls `_()` makes `_` local there: the call would fail."""
    clashes = []
    for path, tree in _modules():
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            nodes = list(ast.walk(function))
            translates = any(isinstance(n, ast.Call) and _name(n.func) == "_" for n in nodes)
            if translates and any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in nodes):
                clashes.append(f"{path}:{function.lineno}: {function.name}")
    assert clashes == []


@pytest.mark.parametrize(
    ("language", "message"), [("de-DE,de;q=0.9", "Die Anfrage ist zu groß."), ("en", "The request is too large.")]
)
def test_a_body_refused_before_the_app_runs_is_explained_in_the_browsers_language(
    make_user: Any, language: str, message: str
) -> None:
    api = make_user()
    response = api.patch("me", {"bio": "x" * (1024 * 1024 + 1)}, headers={"Accept-Language": language})
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "payload_too_large", "message": message}


def test_refusals_outside_any_request_speak_the_headers_language() -> None:
    from tribes.errors import status_error

    assert status_error(408, "de") == ("request_timeout", "Die Anfrage kam nicht rechtzeitig an.")
    assert status_error(408, "fr, en;q=0.5") == ("request_timeout", "The request did not arrive in time.")
    assert status_error(413, "") == ("payload_too_large", "The request is too large.")
