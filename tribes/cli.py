"""The `tribes` command: serve, worker, db upgrade/downgrade, admin grant/revoke, demo data."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

#: commands that run under gevent: patched here, before click, Flask, SQLAlchemy, psycopg
#: or redis import socket/ssl/threading (tribes/__init__.py imports nothing heavy).
GEVENT_COMMANDS = ("serve", "worker")


def _patch_for_gevent() -> bool:
    """Monkey-patch the standard library when this process is `tribes serve`/`worker`."""
    entry = Path(sys.argv[0]).name if sys.argv else ""
    if len(sys.argv) < 2 or sys.argv[1] not in GEVENT_COMMANDS or entry not in ("tribes", "cli.py", "-m"):
        return False
    if os.environ.get("TRIBES_ASYNC_MODE", "gevent") != "gevent":
        return False
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()
    return True


_patch_for_gevent()

import click  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Any:
    """An Alembic config pointing at migrations/ and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade_database(database_url: str, revision: str = "heads") -> None:
    """Apply migrations up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


@click.group()
def cli() -> None:
    """Tribes: invite-only professional communities."""


def _configure_logging() -> None:
    """TRIBES_LOG_FORMAT (text | json) and TRIBES_LOG_LEVEL (default INFO) for the server processes."""
    from tribes.logs import configure

    configure(os.environ.get("TRIBES_LOG_FORMAT", "text"), os.environ.get("TRIBES_LOG_LEVEL", "INFO"))


def _serve_metrics(app: Any) -> None:
    """Prometheus metrics on TRIBES_METRICS_ADDRESS:TRIBES_METRICS_PORT, when a port is set."""
    from tribes import metrics

    port = os.environ.get("TRIBES_METRICS_PORT")
    if port:
        metrics.serve(app, int(port), os.environ.get("TRIBES_METRICS_ADDRESS") or "127.0.0.1")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load a small demo tribe once and print its logins.")
def serve(host: str, port: int, demo: bool) -> None:
    """Apply migrations, then serve HTTP and Socket.IO (gevent + gevent-websocket, no dev server)."""
    from tribes import create_app
    from tribes.extensions import socketio

    _configure_logging()
    mode = os.environ.get("TRIBES_ASYNC_MODE", "gevent")
    if mode == "gevent":
        for problem in check_gevent_runtime():
            click.echo(f"warning: {problem}", err=True)
    from tribes.config import load_config

    url = load_config(os.environ.get("TRIBES_INSTANCE_PATH") or str(Path.cwd() / "instance"))["DATABASE_URL"]
    app = create_app({"SOCKETIO_ASYNC_MODE": mode, "ENGINE_OPTIONS": engine_options(url, mode)})
    upgrade_database(app.config["DATABASE_URL"])
    if demo:
        from tribes.demo import load_demo

        with app.app_context():
            for line in load_demo():
                click.echo(line)
    _serve_metrics(app)
    with app.app_context():
        from tribes.features import feature_modules

        for module in feature_modules("jobs"):
            module.start_background(app)
    _settle_garbage_collector()
    click.echo(f"Tribes is serving on http://{host}:{port}", err=True)
    access_log = bool(os.environ.get("TRIBES_ACCESS_LOG"))
    if mode == "gevent":
        serve_gevent(app, host, port, access_log)
        _exit_now()
    socketio.run(  # threading: only for the benchmark comparison
        app, host=host, port=port, log_output=access_log, allow_unsafe_werkzeug=True,
    )


def _settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector from pausing the event loop for tens of milliseconds.

    After start-up the process holds a few hundred thousand long-lived objects (modules, the
    app, SQLAlchemy's mappers and caches) that a full collection would walk again and again:
    they are frozen out of the collector's view (`gc.freeze`), and the youngest generation is
    collected after 50,000 allocations instead of 700, so that a busy chat does not trigger a
    collection every few messages. Measured: bench/README.md, "send path".
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def serve_gevent(app: Any, host: str, port: int, access_log: bool) -> None:
    """Serve HTTP and WebSocket with gevent's WSGI server and gevent-websocket.

    This is what `socketio.run` does under gevent, with the connection handler of
    tribes.wsgi: TCP_NODELAY, an idle timeout and a read deadline for every request.
    """
    from gevent import pywsgi

    from tribes.wsgi import gevent_handler_class

    handler = gevent_handler_class(app.config["IDLE_TIMEOUT_SECONDS"], app.config["READ_TIMEOUT_SECONDS"])
    import logging

    import gevent
    from gevent.pool import Pool

    if access_log:  # gevent-websocket writes the access log through this logger
        logging.getLogger("geventwebsocket.handler").setLevel(logging.INFO)

    # a pool (unbounded) rather than bare greenlets, so that stopping can wait for the requests in flight
    server = pywsgi.WSGIServer(
        (host, port), app, handler_class=handler, log="default" if access_log else None, spawn=Pool(None),
    )

    gevent.signal_handler(signal.SIGTERM, _stop_gracefully, server)
    gevent.signal_handler(signal.SIGINT, _stop_gracefully, server)
    server.serve_forever()


def _exit_now() -> None:
    """After a graceful stop: close the database connections and leave at once (the interpreter's
    own shutdown spends seconds collecting garbage that the process no longer needs)."""
    from tribes.chat import after_send
    from tribes.extensions import db

    after_send.drain(timeout=5.0)   # the after-posting work of messages sent before the stop
    if db.engine is not None:
        db.engine.dispose()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


#: seconds a stopping process gives requests in flight before it exits (systemd waits 15)
STOP_GRACE_SECONDS = 8.0


def _stop_gracefully(server: Any) -> None:
    """SIGTERM: stop accepting, close every Socket.IO connection (clients reconnect to another
    process behind the proxy), let requests in flight finish, then exit."""
    import gevent

    from tribes.extensions import socketio
    from tribes.wsgi import close_idle_connections

    def stop() -> None:
        click.echo("Tribes is stopping: no new connections; finishing requests in flight", err=True)
        began = time.monotonic()
        server.close()   # the listening socket: the proxy sends new connections elsewhere
        close_idle_connections()   # kept-alive connections between requests
        engine = getattr(socketio.server, "eio", None)
        if engine is not None:
            engine.disconnect()   # every client, at once
        server.stop(timeout=STOP_GRACE_SECONDS)
        click.echo(f"Tribes stopped ({time.monotonic() - began:.1f} s)", err=True)

    gevent.spawn(stop)


@cli.command()
@click.option("--once", is_flag=True, help="Send the reminders and mails due now, then exit.")
def worker(once: bool) -> None:
    """Run the background jobs (meetup reminders, digests, the mail outbox) in the foreground, for a separate process."""
    from tribes import create_app
    from tribes.digest.jobs import digest_loop
    from tribes.extensions import socketio
    from tribes.mail.jobs import mail_loop
    from tribes.meetups.jobs import reminder_loop

    _configure_logging()
    app = create_app({"RUN_BACKGROUND_JOBS": False})
    _serve_metrics(app)
    click.echo("Tribes worker: sending meetup reminders, digests and mail", err=True)
    if once:
        digest_loop(app, passes=1)
        mail_loop(app, passes=1)
    else:
        socketio.start_background_task(digest_loop, app)
        socketio.start_background_task(mail_loop, app)
    reminder_loop(app, passes=1 if once else None)


@cli.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command()
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Upgrade the database to the newest schema (or REVISION)."""
    from tribes.config import load_config

    url = load_config(os.environ.get("TRIBES_INSTANCE_PATH") or str(Path.cwd() / "instance"))["DATABASE_URL"]
    upgrade_database(url, revision)
    click.echo("database upgraded")


@db.command()
@click.argument("revision", default="base")
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION (default: base, an empty database)."""
    from alembic import command

    from tribes.config import load_config

    url = load_config(os.environ.get("TRIBES_INSTANCE_PATH") or str(Path.cwd() / "instance"))["DATABASE_URL"]
    command.downgrade(alembic_config(url), revision)
    click.echo("database downgraded")


@cli.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Back up the embedded default (SQLite database, avatars, secret key) into the new directory PATH.

    Safe while `tribes serve` runs: the database is copied with SQLite's online backup API (a
    consistent snapshot, writers are not stopped). PostgreSQL is backed up with pg_dump
    (README, "Backups").
    """
    import shutil
    import sqlite3

    from sqlalchemy.engine import make_url

    from tribes import create_app

    app = create_app({"RUN_BACKGROUND_JOBS": False})
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "tribes backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (README, Backups)."
        )
    if path.exists():
        raise click.ClickException(f"{path} exists already; name a new directory.")
    path.mkdir(parents=True, mode=0o700)
    target = sqlite3.connect(path / "tribes.db")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
    try:
        with target:
            source.backup(target, pages=1024)
    finally:
        source.close()
        target.close()
    with app.app_context():
        from tribes.accounts.avatars import avatar_dir

        avatars = avatar_dir()
    if avatars.is_dir():
        shutil.copytree(avatars, path / "avatars")
    secret = Path(app.instance_path) / "secret_key"
    if secret.is_file():
        shutil.copy2(secret, path / "secret_key")
        (path / "secret_key").chmod(0o600)
    click.echo(f"backed up {url.database} (and avatars, secret key) to {path}")


def engine_options(database_url: str, mode: str) -> dict[str, Any]:
    """Engine settings for the server process.

    SQLite under gevent gets a pool of ONE connection: every SQLite transaction here is
    BEGIN IMMEDIATE (it takes the write lock) and SQLite waits for a busy lock inside C,
    blocking the event loop; if a greenlet yielded inside a transaction (a rate-limiter
    timer, a socket write) while another began one, the process would stall until
    "database is locked". With one pooled connection the second greenlet waits for the
    connection cooperatively instead. SQLite admits one writer anyway.
    """
    if mode == "gevent" and database_url.startswith("sqlite"):
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}
    return {}


def check_gevent_runtime() -> list[str]:
    """Problems that would let one connection stall the others under gevent (empty: none)."""
    from gevent import monkey

    problems = [
        f"{name} is not monkey-patched" for name in ("socket", "ssl", "select", "threading")
        if not monkey.is_module_patched(name)
    ]
    try:
        import psycopg.waiting as waiting

        if getattr(waiting, "wait_c", None) is not None and waiting.wait is waiting.wait_c:
            problems.append("psycopg waits in C (not cooperative); psycopg was imported before patching")
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return problems


@cli.group()
def mail() -> None:
    """E-mail: test the transport, queue the due digests."""


@mail.command("digest")
def mail_digest() -> None:
    """Build and queue every due digest now, whatever the hour of its reader; prints how many."""
    from tribes import create_app
    from tribes.digest.jobs import run_digests

    app = create_app({"RUN_BACKGROUND_JOBS": False})
    count = run_digests(app, by_clock=False)
    click.echo(f"{count} digest(s) queued")


@mail.command("test")
@click.argument("address")
def mail_test(address: str) -> None:
    """Send a test mail to ADDRESS through the configured transport, now."""
    from tribes import create_app
    from tribes.extensions import db
    from tribes.mail.outbox import queue, send_due

    app = create_app({"RUN_BACKGROUND_JOBS": False})
    with app.app_context():
        row = queue(db.session, to=address, subject="Tribes: test mail",
                    text="This is a test mail from Tribes. The mail transport works.", kind="test")
        mail_id = row.id
        db.session.commit()
        db.remove()
    send_due(app)
    from tribes.mail.models import OutboxMail

    with app.app_context():
        sent = db.session.get(OutboxMail, mail_id)
        status, error = (sent.status, sent.last_error) if sent else ("missing", None)
        db.remove()
    if status != "sent":
        raise click.ClickException(f"the test mail was not sent ({status}): {error}")
    where = app.config.get("SMTP_URL") and "the SMTP server" or f"{app.instance_path}/mail/"
    click.echo(f"test mail to {address} handed to {where}")


@cli.group()
def admin() -> None:
    """Site admins: who may open the site administration."""


def _set_site_admin(email: str, value: bool) -> None:
    """Grant or revoke the site-admin right of the account with this address (audited).

    The app is the one given as the click context's `obj` (tests), else a new one."""
    from flask import Flask

    from tribes import create_app
    from tribes.accounts.suspension import set_site_admin, user_by_email
    from tribes.extensions import db

    given = click.get_current_context().obj
    app = given if isinstance(given, Flask) else create_app({"RUN_BACKGROUND_JOBS": False})
    with app.app_context():
        try:
            user = user_by_email(db.session, email)
            if user is None:
                raise click.ClickException(f"no account has the address {email}")
            changed = set_site_admin(db.session, user, value)
            db.session.commit()
        finally:
            db.remove()
    state = "is now" if value else "is no longer"
    click.echo(f"{email} {state} a site admin" if changed else f"{email} {'already is' if value else 'is not'} a site admin")


@admin.command("grant")
@click.argument("email")
def admin_grant(email: str) -> None:
    """Make the account with EMAIL a site admin."""
    _set_site_admin(email, True)


@admin.command("revoke")
@click.argument("email")
def admin_revoke(email: str) -> None:
    """Take the site-admin right from the account with EMAIL."""
    _set_site_admin(email, False)


@cli.group()
def i18n() -> None:
    """Translation catalogues (German and English)."""


@i18n.command("update")
def i18n_update() -> None:
    """Extract the strings of every catalogue's sources into its .po files."""
    from tribes.catalogues import catalogues, update

    for catalogue in catalogues():
        update(catalogue)
        click.echo(f"updated {catalogue.name}")


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every .po into the .mo that is shipped beside it."""
    from tribes.catalogues import compile_all

    for path in compile_all():
        click.echo(f"wrote {path}")


def main() -> None:
    """Console entry point; `serve` and `worker` run under gevent (patched at import above)."""
    cli(prog_name="tribes")


if __name__ == "__main__":  # pragma: no cover
    main()
