"""Avatar pictures: decoded safely, re-encoded without metadata, stored under the instance folder."""

from __future__ import annotations

import os
import re
import secrets
import warnings
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from tribes import events
from tribes.accounts.models import User
from tribes.errors import ValidationFailed
from tribes.i18n import _
from tribes.wsgi import UPLOAD_MAX_BODY

#: the largest file accepted (the contract: at most 5 MB in)
MAX_BYTES = 5 * 1024 * 1024
#: the request body allowed on the upload paths (tribes.wsgi reads them whole)
MAX_BODY = UPLOAD_MAX_BODY
#: the stored picture is at most this many pixels wide and high
MAX_SIDE = 512
#: pictures larger than this (width × height) are refused before decoding
MAX_PIXELS = 40_000_000
#: the formats people may upload
FORMATS = {"JPEG", "PNG", "WEBP"}
#: the URL path prefix the app serves avatars under
URL_PREFIX = "/avatars/"
#: session.info key: files written in the open transaction
NEW_FILES = "tribes_new_avatars"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\.webp$")


def avatar_dir() -> Path:
    """Where avatars are stored: AVATAR_DIR, else `<instance>/avatars`."""
    configured = current_app.config.get("AVATAR_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "avatars"


def file_for(url: str | None) -> Path | None:
    """The stored file behind one of our avatar URLs (None for anything else)."""
    if not url or not url.startswith(URL_PREFIX):
        return None
    name = url[len(URL_PREFIX):]
    return avatar_dir() / name if NAME_RE.match(name) else None


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"file": message}, message)


def reencode(data: bytes) -> bytes:
    """The picture as a WebP of at most MAX_SIDE² pixels without EXIF, GPS or other metadata.

    Refuses (ValidationFailed on `file`) anything too large, not a JPEG/PNG/WebP, broken, or a
    decompression bomb (Pillow's MAX_IMAGE_PIXELS guard, its warning treated as an error).
    """
    if len(data) > MAX_BYTES:
        raise _refuse(_("The picture is larger than 5 MB. Choose a smaller one."))
    if not data:
        raise _refuse(_("Choose a picture to upload."))
    not_a_picture = _("This file is not a picture we can read. Use a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise _refuse(not_a_picture)
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.load()
                upright = ImageOps.exif_transpose(image)
                picture = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(_("This picture has too many pixels. Use one of at most a few megapixels.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _refuse(not_a_picture) from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    picture.save(out, "WEBP", quality=85)  # no exif= and no icc_profile=: metadata stays behind
    return out.getvalue()


def _remove_later(session: Session, path: Path | None) -> None:
    if path is not None:
        events.on_commit(session, lambda: path.unlink(missing_ok=True))


def store_avatar(session: Session, user: User, data: bytes) -> User:
    """Re-encode and store a new avatar for the user; the old file goes after the commit."""
    encoded = reencode(data)
    folder = avatar_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.webp"
    temporary = folder / f".{name}.part"
    temporary.write_bytes(encoded)
    os.replace(temporary, folder / name)
    old = file_for(user.avatar_url)
    user.avatar_url = URL_PREFIX + name
    session.flush()
    _remove_later(session, old)
    session.info.setdefault(NEW_FILES, []).append(folder / name)
    return user


def forget_avatar(session: Session, user: User) -> None:
    """Remove the user's avatar (the file goes after the commit)."""
    _remove_later(session, file_for(user.avatar_url))
    user.avatar_url = None
    session.flush()


@event.listens_for(Session, "after_commit")
def _keep_saved(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _drop_unsaved(session: Session) -> None:
    """After a rollback: remove pictures written in the failed transaction (nothing stored)."""
    for path in session.info.pop(NEW_FILES, []):
        path.unlink(missing_ok=True)
