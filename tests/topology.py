"""The production topology for live tests: nginx (the shipped deploy/nginx.conf) in front of two
`tribes serve` processes and one `tribes worker`, on PostgreSQL and Redis.

`.ci/run` sets TRIBES_TEST_NGINX=1 in its PostgreSQL + Redis run; elsewhere the fixture skips
(nginx, a PostgreSQL database URL and a Redis URL are all needed).

deploy/nginx.conf is used as shipped, with only these changes: the upstream ports and the
static root point at this test's processes and checkout, the server listens on a free local
port without TLS (the plain-HTTP redirect block and the TLS lines are left out), and every
proxied answer carries `X-Tribes-Upstream` (which process answered) so tests can tell the
processes apart.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import LiveDatabase, LiveServer, free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_available() -> bool:
    """Whether this run should and can start the topology."""
    return (
        os.environ.get("TRIBES_TEST_NGINX") == "1"
        and os.environ.get("TRIBES_TEST_DATABASE_URL", "").startswith("postgresql")
        and bool(os.environ.get("TRIBES_TEST_REDIS_URL"))
        and os.path.exists(NGINX)
    )


def render_site(web_ports: list[int], listen_port: int, static_root: Path) -> str:
    """deploy/nginx.conf for this test: local ports and paths, no TLS, the upstream named in answers."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = re.sub(r"# BEGIN plain-http redirect.*?# END plain-http redirect\n", "", conf, flags=re.S)
    conf = re.sub(r"[ \t]*# BEGIN tls.*?# END tls\n", "", conf, flags=re.S)
    conf = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{listen_port};", conf)
    conf = re.sub(r"[ \t]*listen \[::\]:443 ssl;\n", "", conf)
    conf = re.sub(r"[ \t]*http2 on;\n", "", conf)
    servers = [line for line in conf.splitlines() if re.match(r"\s*server 127\.0\.0\.1:80\d\d\b", line)]
    assert len(servers) == 2, "deploy/nginx.conf lists two web processes"
    for line, port in zip(servers, web_ports, strict=True):
        conf = conf.replace(line, re.sub(r"127\.0\.0\.1:80\d\d", f"127.0.0.1:{port}", line), 1)
    conf = conf.replace("/srv/tribes/static/", f"{static_root}/")
    conf = conf.replace("server_name tribes.example.org;",
                        "server_name tribes.example.org;\n    add_header X-Tribes-Upstream $upstream_addr always;", 1)
    assert "example.org/" not in conf and "ssl_" not in conf
    return conf


def main_conf(prefix: Path, site: str) -> str:
    """A complete nginx.conf around the site, with every path under `prefix`."""
    return f"""
user root;
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


class Topology:
    """nginx + two web processes + one worker sharing a fresh PostgreSQL database and Redis."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        from tests.mail.conftest import SmtpServer

        self.workdir = Path(tempfile.mkdtemp(prefix="tribes-topology-"))
        self.smtp = SmtpServer()
        self.database = LiveDatabase()
        self.redis_url = os.environ["TRIBES_TEST_REDIS_URL"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "TRIBES_SECRET_KEY": secrets.token_hex(32),   # one deployment: one key
            "TRIBES_SOCKETIO_CHANNEL": f"tribes-topology-{secrets.token_hex(6)}",
            "TRIBES_TRUST_PROXY": "1",
            "TRIBES_BASE_URL": self.url,
            "TRIBES_ALLOWED_ORIGINS": self.url,
            "TRIBES_SMTP_URL": self.smtp.url,
            # every process runs the jobs here (production leaves them to the worker): three
            # processes competing for each reminder and mail is the stricter test of "once"
            "TRIBES_MAIL_POLL_SECONDS": "0.5",
            "TRIBES_MAIL_RETRY_SECONDS": "1",
            "TRIBES_MEETUP_REMINDER_POLL_SECONDS": "0.5",
            "TRIBES_LIMIT_PASSWORD_RESET": "100000 per minute",
            **(env or {}),
        }
        self.web: list[LiveServer] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.nginx: subprocess.Popen[bytes] | None = None

    def start(self) -> Topology:
        """Start the database, the web processes (one after the other), the worker, then nginx."""
        self.smtp.start()
        url = self.database.create()
        for _ in range(2):
            self.web.append(LiveServer(database_url=url, redis_url=self.redis_url, env=self.env).start())
        worker_env = self.web[0].environment()
        self.worker = subprocess.Popen(
            [*self.web[0].command()[:-5], "worker"], env=worker_env, cwd=self.workdir,
            stdin=subprocess.DEVNULL, stdout=open(self.workdir / "worker.log", "ab"), stderr=subprocess.STDOUT,
        )
        prefix = self.workdir / "nginx"
        for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        site = render_site([s.port for s in self.web], self.port, ROOT / "static")
        (prefix / "nginx.conf").write_text(main_conf(prefix, site))
        test = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                              capture_output=True, text=True)
        assert test.returncode == 0, test.stderr
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(prefix / "stderr.log", "ab"),
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.1)
        raise RuntimeError("nginx did not answer /readyz:\n" + self.logs())

    def upstream_of(self, web: LiveServer) -> str:
        """The `X-Tribes-Upstream` value that names this web process."""
        return f"127.0.0.1:{web.port}"

    def logs(self) -> str:
        """The output of every process, for a failed test's report."""
        parts = [f"--- web {s.url} ---\n{s.log()[-6000:]}" for s in self.web]
        for name in ("worker.log", "nginx/error.log", "nginx/stderr.log"):
            path = self.workdir / name
            if path.exists():
                parts.append(f"--- {name} ---\n{path.read_text(errors='replace')[-6000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop everything and drop the database."""
        for process in (self.nginx, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        for server in self.web:
            with contextlib.suppress(Exception):
                server.stop()
        self.database.drop()
        self.smtp.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def topology(request: pytest.FixtureRequest) -> Iterator[Topology]:
    """nginx in front of two web processes and a worker (skipped outside the CI topology run)."""
    if not nginx_available():
        pytest.skip("needs TRIBES_TEST_NGINX=1, nginx, PostgreSQL and Redis (the CI topology run)")
    site = Topology()
    try:
        site.start()
    except Exception:
        print(site.logs())
        site.stop()
        raise
    yield site
    report: Any = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(site.logs())
    site.stop()
