"""Fingerprinted static files: `url_for('static', filename='chat.js')` gives
`/static/chat.<12 hex of its SHA-256>.js`, so a proxy (deploy/nginx.conf) or a browser may
cache it for a year and a new release is fetched at once (its name changed).

The app still serves both names itself (the embedded default has no proxy): a fingerprinted
name whose hash is the file's current one is answered with a year-long immutable cache; the
plain name (and an outdated hash, e.g. a page cached across a release) with the usual
revalidating cache. Hashes are computed once per file and process (static files do not change
while a process runs; a release restarts the processes).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, send_from_directory

#: `name.<12 hex>.ext` (the fingerprint sits before the last suffix)
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
#: a year: the longest lifetime caches honour (RFC 9111 practice)
IMMUTABLE = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None if it is not a file of the folder."""
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def fingerprinted(folder: str, filename: str) -> str:
    """`chat.js` → `chat.<digest>.js` (unchanged when the file does not exist or has no suffix)."""
    digest = _digest(folder, filename)
    stem, dot, suffix = filename.rpartition(".")
    if digest is None or not dot or "/" in suffix:
        return filename
    return f"{stem}.{digest}.{suffix}"


def init_app(app: Flask) -> None:
    """Fingerprint every static URL the app builds and serve fingerprinted names."""
    folder = app.static_folder
    if folder is None:
        return

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = fingerprinted(folder, values["filename"])

    def serve_static(filename: str) -> Response:
        """A static file by its plain or fingerprinted name."""
        match = FINGERPRINTED.match(filename)
        if match and _digest(folder, filename) is None:
            plain = match["stem"] + match["suffix"]
            current = _digest(folder, plain)
            if current is None:
                abort(404)
            response = send_from_directory(folder, plain)
            if current == match["digest"]:
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = IMMUTABLE
                response.cache_control.immutable = True
            return response
        return send_from_directory(folder, filename)

    app.view_functions["static"] = serve_static
