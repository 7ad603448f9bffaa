"""German and English: every string translated, catalogues compiled, the right language chosen."""

from __future__ import annotations

from typing import Any

import pytest

from tribes.catalogues import TRANSLATED, catalogues, missing, stale


@pytest.mark.parametrize("catalogue", catalogues(), ids=lambda c: c.name)
def test_every_string_has_a_translation(catalogue: Any) -> None:
    for locale in TRANSLATED:
        assert missing(catalogue, locale) == [], "run `tribes i18n update`, translate, `tribes i18n compile`"


@pytest.mark.parametrize("catalogue", catalogues(), ids=lambda c: c.name)
def test_shipped_catalogues_are_compiled_from_their_sources(catalogue: Any) -> None:
    for locale in TRANSLATED:
        assert not stale(catalogue, locale), f"{catalogue.mo(locale)} is older than its .po: `tribes i18n compile`"


def test_a_visitor_reads_the_browsers_language(make_client: Any) -> None:
    visitor = make_client()
    german = visitor.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    english = visitor.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    other = visitor.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert 'lang="de"' in german and "Registrieren" in german and "Zum Inhalt springen" in german
    assert 'lang="en"' in english and "Register" in english and "Registrieren" not in english
    assert 'lang="en"' in other  # neither language asked for: English


def test_a_new_account_takes_the_browsers_language_and_may_change_it(make_client: Any) -> None:
    api = make_client()
    registered = api.post(
        "auth/register",
        {"email": "sprache@example.test", "password": "correct horse battery staple", "display_name": "Sprache"},
        headers={"Accept-Language": "de"},
    )
    assert registered.status_code == 201 and registered.get_json()["user"]["locale"] == "de"
    # the account's language wins over the browser's
    page = api.get("/tribes", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Meine Tribes" in page and "Benachrichtigungen" in page
    assert api.patch("me", {"locale": "en"}).get_json()["locale"] == "en"
    page = api.get("/tribes", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "My tribes" in page and "Meine Tribes" not in page
    refused = api.patch("me", {"locale": "fr"})
    assert refused.status_code == 422 and "locale" in refused.get_json()["error"]["fields"]
    assert api.get("me").get_json()["locale"] == "en"
