"""The chat section's page side and live notifications in the recipient's language."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.chat.conftest import client_id, events_named


def test_live_mention_arrives_in_the_recipients_language(make_user: Any, make_tribe: Any, make_socket: Any) -> None:
    ada, bo = make_user("Ada"), make_user("Bo")
    tribe = make_tribe(ada, [bo], name="Kiez Kollektiv")
    assert bo.patch("me", {"locale": "de"}).status_code == 200
    sock = make_socket(bo)
    events_named(sock, "notification")
    sent = ada.post(f"tribes/{tribe['slug']}/messages", {"body": "@Bo schau mal", "client_id": client_id()})
    assert sent.status_code == 201
    [pushed] = events_named(sock, "notification")
    assert pushed["kind"] == "mention"
    assert pushed["text"] == "Ada hat dich in Kiez Kollektiv erwähnt."
    assert pushed["url"] == f"/t/{tribe['slug']}#message-{sent.get_json()['id']}"
    # the API gives the same sentence (in Ada's English for an English reader)
    assert bo.get("notifications").get_json()["items"][0]["text"] == pushed["text"]


def test_section_carries_blocked_ids_and_translated_strings(make_user: Any, make_tribe: Any) -> None:
    ada, bo, cy = make_user("Ada"), make_user("Bo"), make_user("Cy")
    tribe = make_tribe(ada, [bo, cy])
    assert bo.post("blocks", {"user_id": cy.user["id"]}).status_code in (200, 201)
    page = bo.http.get(f"/t/{tribe['slug']}").get_data(as_text=True)
    section = re.search(r'<section[^>]*id="chat"[^>]*>', page)
    assert section is not None
    blocked = re.search(r'data-blocked="([^"]*)"', section.group(0))
    assert blocked is not None and json.loads(html.unescape(blocked.group(1))) == [cy.user["id"]]
    assert "Skip to the message box" in page and 'data-typing-one="{names} is typing…"' in page
    # nothing inline for the Content-Security-Policy, and no English in the script
    chat = page[page.index('id="chat"'):]
    assert "<style" not in chat and "style=" not in chat and "<script>" not in chat
    assert ada.http.get(f"/t/{tribe['slug']}").get_data(as_text=True).count('data-blocked="[]"') == 1
    assert bo.patch("me", {"locale": "de"}).status_code == 200
    german = bo.http.get(f"/t/{tribe['slug']}").get_data(as_text=True)
    assert "Zum Nachrichtenfeld springen" in german and "Nachricht von jemandem, den du blockiert hast" in german


def test_every_text_the_script_shows_comes_from_the_template() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (root / "static" / "chat.js").read_text()
    template = (root / "templates" / "chat" / "_section.html").read_text()
    strings = template[template.index('id="chat-strings"'):]
    used = set(re.findall(r"\bT\.(\w+)", script))
    assert len(used) > 20
    for key in used:
        attribute = "data-" + re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)
        assert f'{attribute}="{{{{ _(' in strings, key
    # no English sentence typed into the script (textContent only from T.*)
    assert not re.search(r'textContent = "[A-Za-z]', script)
