"""Where mail goes: an SMTP server (`TRIBES_SMTP_URL`), or `.eml` files under instance/mail/.

Python's `smtplib` + `email`: the standard library speaks SMTP, STARTTLS and SMTPS, needs no
extra dependency, and lets the outbox keep the exact bytes it queued (Flask-Mail would add a
wrapper around the same smtplib and nothing the outbox needs).

`smtp://user:pass@host:587` upgrades with STARTTLS when the server offers it (and refuses to
send a password in clear to a server that does not); `smtps://user:pass@host:465` is TLS from
the first byte; `smtp://host:25` without credentials is plain, for a local relay.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

#: seconds to wait for the SMTP server (connect and each reply)
SMTP_TIMEOUT = 30


class TemporaryFailure(Exception):
    """The server is unreachable or answered 4xx: try again later."""


class PermanentFailure(Exception):
    """The server answered 5xx for this mail: never try again."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # SMTPS: TLS from the first byte
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """The parts of `smtp://[user:pass@]host[:port]` or `smtps://…`; ValueError when malformed."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("TRIBES_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 587 if parts.username else 25),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _failure(exc: BaseException) -> Exception:
    """A temporary or permanent failure, by the SMTP reply code (5xx is permanent)."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = min(codes) if codes else None
    text = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(code, int) and 500 <= code < 600:
        return PermanentFailure(text)
    return TemporaryFailure(text)


@functools.lru_cache(maxsize=8)
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The TLS settings for the SMTP server, built once per process (loading the system's
    certificate store takes ~0.1 s; SSLContext may be shared by connections)."""
    return ssl.create_default_context(cafile=ca_file)


class SmtpTransport:
    """One connection, reused for every mail of a sending pass; `close()` ends it."""

    def __init__(self, settings: SmtpSettings, ca_file: str | None = None) -> None:
        self.settings = settings
        self.ca_file = ca_file
        self.connection: smtplib.SMTP | None = None

    @property
    def context(self) -> ssl.SSLContext:
        """The TLS context, only built when TLS is spoken."""
        return tls_context(self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.tls:
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=self.context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
        try:
            conn.ehlo()
            if not s.tls and conn.has_extn("starttls"):
                conn.starttls(context=self.context)
                conn.ehlo()
            elif not s.tls and s.username:
                raise TemporaryFailure("the SMTP server offers no STARTTLS; the password is not sent in clear")
            if s.username:
                conn.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(conn)
            raise
        return conn

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Hand one mail to the server; TemporaryFailure or PermanentFailure when it is not taken."""
        if self.connection is None:
            try:
                self.connection = self._connect()
            except TemporaryFailure:
                raise
            except (OSError, smtplib.SMTPException) as exc:  # no connection: nothing is wrong with the mail
                raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:500]) from exc
        try:
            self.connection.sendmail(sender, [recipient], message)
        except (TemporaryFailure, PermanentFailure):
            self.close()
            raise
        except smtplib.SMTPResponseException as exc:
            failure = _failure(exc)
            if exc.smtp_code in (421,) or isinstance(exc, smtplib.SMTPConnectError):
                self.close()
            else:
                self._reset()
            raise failure from exc
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            raise _failure(exc) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:500]) from exc

    def _reset(self) -> None:
        if self.connection is not None:
            try:
                self.connection.rset()
            except (OSError, smtplib.SMTPException):
                self.close()

    def close(self) -> None:
        if self.connection is not None:
            _quietly_close(self.connection)
            self.connection = None


def _quietly_close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


class FileTransport:
    """The embedded default: every mail becomes an RFC 5322 `.eml` file; its subject and path are logged."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, sender: str, recipient: str, message: bytes, *, name: str = "mail", subject: str = "") -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{name}.eml"
        path.write_bytes(message)
        log.info("mail to %s: %s -> %s", recipient, subject, path)
        return path

    def close(self) -> None:
        pass


#: where `send_due` hands mails
Transport = SmtpTransport | FileTransport


def transport_for(config: Any, instance_path: str) -> Transport:
    """The transport the configuration asks for."""
    url = config.get("SMTP_URL")
    if url:
        return SmtpTransport(parse_smtp_url(url), config.get("SMTP_CA_FILE"))
    return FileTransport(Path(instance_path) / "mail")
