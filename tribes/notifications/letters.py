"""The shape every notification mail and digest shares: paragraphs of plain text, the same
paragraphs as simple HTML (escaped, links only, no images), and the footer saying why the
mail came and how to stop it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from tribes.i18n import _
from tribes.mail.links import base_url
from tribes.notifications import unsubscribe

_LINK = re.compile(r"(https?://[^\s<>\"]+)")


def absolute(url: str) -> str:
    """A link on this site for a mail: the public address (TRIBES_BASE_URL) and the path of `url`
    (outside a request, Flask may have built `url` on SERVER_NAME)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return base_url() + path


def settings_link() -> str:
    """Where a person changes what Tribes mails them."""
    return f"{base_url()}/settings#email"


def footer(reason: str, user_id: int, kind: str) -> list[str]:
    """Why this mail came, where to change it, and the one-click link that stops it."""
    return [
        "-- ",
        reason,
        _("Change what Tribes mails you: %(link)s", link=settings_link()),
        _("Stop these mails with one click: %(link)s", link=unsubscribe.link(user_id, kind)),
    ]


def text_of(paragraphs: list[str]) -> str:
    """The plain-text body: paragraphs separated by blank lines."""
    return "\n\n".join(paragraphs) + "\n"


def html_of(title: str, paragraphs: list[str]) -> str:
    """The HTML alternative: each paragraph escaped, its links made clickable; nothing remote."""
    body = []
    for paragraph in paragraphs:
        if paragraph == "-- ":
            body.append("<hr>")
            continue
        parts = _LINK.split(paragraph)
        html = "".join(
            str(Markup('<a href="{0}">{0}</a>').format(part)) if i % 2 else str(escape(part))
            for i, part in enumerate(parts)
        )
        body.append(f"<p>{html.replace(chr(10), '<br>')}</p>")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
