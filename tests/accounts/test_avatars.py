"""Avatar upload: re-encoded without metadata, served by the app; bad files refused, nothing stored."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image

from tests.conftest import PASSWORD


def avatar_files(app: Any) -> list[Path]:
    folder = Path(app.instance_path) / "avatars"
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


@pytest.fixture(autouse=True)
def _no_avatars(app: Any) -> None:
    for path in avatar_files(app):
        path.unlink()


def jpeg_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG photo carrying a camera name and GPS coordinates in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims a huge picture (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def upload_page(user: Any, data: bytes, name: str = "me.jpg") -> Any:
    """Post a picture through the settings page like a browser."""
    return user.http.post(
        "/settings/avatar",
        data={"csrf_token": user.csrf, "file": (BytesIO(data), name)},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )


def me(user: Any) -> dict[str, Any]:
    return user.get("me").get_json()


def test_jpeg_with_gps_comes_back_without_it(app, make_user):
    user = make_user()
    photo = jpeg_with_gps()
    assert Image.open(BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the test photo carries GPS"
    done = upload_page(user, photo)
    assert done.status_code == 302
    url = me(user)["avatar_url"]
    assert url.startswith("/avatars/") and url.endswith(".webp")
    served = user.http.get(url)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    picture = Image.open(BytesIO(served.data))
    assert picture.format == "WEBP"
    assert max(picture.size) <= 512 and picture.size == (512, 341)
    assert len(picture.getexif()) == 0
    assert b"SpyCam" not in served.data
    settings = user.http.get("/settings").get_data(as_text=True)
    assert f'src="{url}"' in settings and "Your new picture is saved." in settings
    assert len(avatar_files(app)) == 1


def test_new_picture_replaces_the_old_file_and_removing_deletes_it(app, make_user):
    user = make_user()
    upload_page(user, jpeg_with_gps((300, 300)))
    first = avatar_files(app)
    upload_page(user, jpeg_with_gps((300, 200)))
    second = avatar_files(app)
    assert len(second) == 1 and second != first
    removed = user.http.post("/settings/avatar", data={"csrf_token": user.csrf, "remove": "1"})
    assert removed.status_code == 302
    assert avatar_files(app) == [] and me(user).get("avatar_url") is None


def _assert_refused(app: Any, user: Any, response: Any, status: int, message: str, before: Any) -> None:
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert avatar_files(app) == []
    assert me(user).get("avatar_url") == before


def test_not_a_picture_is_refused_and_nothing_stored(app, make_user):
    user = make_user()
    user.patch("me", {"avatar_url": "https://example.org/old.png"})
    refused = upload_page(user, b"%PDF-1.4 this is not a picture at all", "cv.jpg")
    _assert_refused(app, user, refused, 422, "This file is not a picture we can read", "https://example.org/old.png")
    gif = BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    refused = upload_page(user, gif.getvalue(), "a.gif")
    _assert_refused(app, user, refused, 422, "Use a JPEG, PNG or WebP image", "https://example.org/old.png")


def test_decompression_bombs_are_refused(app, make_user):
    user = make_user()
    for width, height in ((60_000, 60_000), (10_000, 10_000), (8_000, 6_000)):
        refused = upload_page(user, png_claiming(width, height), "bomb.png")
        _assert_refused(app, user, refused, 422, "This picture has too many pixels", None)


def test_20_mb_upload_is_refused_with_413_and_a_clear_page(app, make_user):
    user = make_user()
    big = b"\xff\xd8" + b"\0" * (20 * 1024 * 1024)
    refused = upload_page(user, big)
    _assert_refused(app, user, refused, 413, "The picture is larger than 5 MB", None)
    assert "<h1>Settings</h1>" in refused.get_data(as_text=True)
    api = user.http.put("/api/v1/me/avatar", data={"file": (BytesIO(big), "big.jpg")},
                        content_type="multipart/form-data", headers={"X-CSRF-Token": user.csrf})
    assert api.status_code == 413 and api.get_json()["error"]["code"]
    assert avatar_files(app) == []


def test_just_over_5_mb_is_a_field_error(app, make_user):
    user = make_user()
    refused = upload_page(user, b"\xff\xd8" + b"\0" * (5 * 1024 * 1024 + 10))
    _assert_refused(app, user, refused, 422, "The picture is larger than 5 MB", None)


def test_api_put_and_delete_avatar(app, make_user):
    user = make_user()
    done = user.put("me/avatar", data={"file": (BytesIO(jpeg_with_gps((64, 64))), "me.jpg")},
                    content_type="multipart/form-data")
    assert done.status_code == 200 and done.get_json()["avatar_url"].startswith("/avatars/")
    bad = user.put("me/avatar", data={"file": (BytesIO(b"nope"), "x.png")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "file" in bad.get_json()["error"]["fields"]
    missing = user.put("me/avatar", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert len(avatar_files(app)) == 1
    assert user.delete("me/avatar").status_code == 204
    assert avatar_files(app) == [] and me(user).get("avatar_url") is None


def test_deleting_the_account_deletes_the_picture(app, make_user):
    user = make_user()
    upload_page(user, jpeg_with_gps((64, 64)))
    assert len(avatar_files(app)) == 1
    assert user.delete("me", {"password": PASSWORD}).status_code == 204
    assert avatar_files(app) == []


def test_avatars_are_only_served_to_logged_in_people_and_by_exact_name(app, make_user, make_client):
    user = make_user()
    upload_page(user, jpeg_with_gps((64, 64)))
    url = me(user)["avatar_url"]
    assert make_client().http.get(url).status_code in (302, 401)
    assert user.http.get("/avatars/..%2Fsecret.webp").status_code == 404
    assert user.http.get("/avatars/nothing-here-at-all-1234.webp").status_code == 404
