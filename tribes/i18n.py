"""Languages: German and English, chosen per person (`me.locale`), else by the browser.

Every string a person reads goes through Flask-Babel: `_()` / `lazy_gettext()` in Python,
`{{ _('...') }}` in templates. Each feature keeps its own catalogue in
`tribes/<feature>/translations/de/LC_MESSAGES/messages.po` (core strings in
`tribes/translations/`); Flask-Babel merges them. The compiled `.mo` files are committed
next to their `.po` (`pybabel compile -d <dir>`); tests/test_i18n.py fails when a string
has no German translation or a `.mo` is older than its `.po`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel, get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user

#: the languages Tribes speaks; the first is the fallback
LOCALES = ("en", "de")
PACKAGE = Path(__file__).resolve().parent

babel = Babel()

__all__ = ["LOCALES", "_", "babel", "browser_locale", "current_locale", "init_app", "lazy_gettext"]


def translation_directories() -> list[str]:
    """The core catalogue and every feature's, as Flask-Babel merges them."""
    found = [PACKAGE / "translations"] + sorted(PACKAGE.glob("*/translations"))
    return [str(path) for path in found if path.is_dir()]


def browser_locale() -> str:
    """The best of our languages for the browser's Accept-Language, else English."""
    try:
        return request.accept_languages.best_match(LOCALES) or LOCALES[0]
    except RuntimeError:  # outside a request (jobs, CLI)
        return LOCALES[0]


def _select_locale() -> str:
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        locale = getattr(user, "locale", None)
        if locale in LOCALES:
            return str(locale)
    return browser_locale()


def _select_timezone() -> str | None:
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "timezone", None) or "UTC"
    return None


def current_locale() -> str:
    """The language of the current request ("de" or "en")."""
    return str(get_locale() or LOCALES[0])


def moment(value: Any) -> str:
    """A point in time for a page: the language's medium date and short time (no seconds), in
    the reader's time zone ("Dec 1, 2026, 12:01 PM", "01.12.2026, 12:01"); the Jinja filter
    `moment`. Flask-Babel's `datetimeformat('medium')` shows the seconds too."""
    from babel.dates import get_datetime_format
    from flask_babel import format_date, format_time

    pattern = str(get_datetime_format("medium", locale=get_locale()))
    return pattern.replace("{1}", str(format_date(value, "medium"))).replace("{0}", str(format_time(value, "short")))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale and time-zone choice and every catalogue."""
    app.add_template_filter(moment, "moment")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[0])
    babel.init_app(
        app,
        locale_selector=_select_locale,
        timezone_selector=_select_timezone,
        default_translation_directories=";".join(translation_directories()),
    )

    @app.context_processor
    def _language() -> dict[str, Any]:
        """`lang` for <html lang>, and the languages for pickers."""
        return {"lang": current_locale(), "locales": LOCALES}
