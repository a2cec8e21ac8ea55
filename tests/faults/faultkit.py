"""Real servers for the fault tests: a throwaway PostgreSQL cluster, Redis, gunicorn, nginx.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every server is started on a
free loopback port in a temporary directory and stopped at the end of its test.
"""

from __future__ import annotations

import glob
import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess  # noqa: S404 - the point of these tests is to run real servers
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
RECEIPT = re.compile(r"PC-\d{4}-\d{6}")
_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, timeout: float, interval: float = 0.05):
    """Call `check` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s")
        time.sleep(interval)


def _as_postgres_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PostgresCluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            pytest.skip("PostgreSQL server binaries are not installed")
        self.bindir = Path(binaries[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run(  # noqa: S603
            _as_postgres_user(
                [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust"]
                + ["-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "-N", "--no-instructions"]
            ),
            check=True,
            capture_output=True,
        )

    def _ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off -c max_connections=40"
        )
        self._ctl("-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: `immediate` is a crash (no clean shut-down), `fast` a maintenance."""
        self._ctl("-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs, and delete its files."""
        subprocess.run(  # noqa: S603
            _as_postgres_user(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def running_cluster():
    """For a fixture: a running throwaway PostgreSQL cluster, deleted after the test."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def prepare_database(url: str) -> None:
    """Migrate and seed the database at `url`, and open measure 1-(1) for comments."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.database import utcnow
    from portal.extensions import db
    from portal.models import Measure
    from portal.services.content.seed import seed_outline

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "faults", "PORTAL_ENV": "testing"}
    )
    with app.app_context():
        upgrade()
        seed_outline()
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        now = utcnow()
        measure.opens_at, measure.closes_at = now - timedelta(days=1), now + timedelta(days=10)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def stored_comments(url: str) -> list[dict]:
    """Every stored comment with its receipt number, body and whether it has a contact row."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT c.receipt_number, c.body, k.name FROM comments c "
                    "LEFT JOIN comment_contacts k ON k.comment_id = c.id"
                )
            )
            return [{"receipt": r[0], "body": r[1], "contact_name": r[2]} for r in rows]
    finally:
        engine.dispose()


class RedisServer:
    """A redis-server of its own, keeping nothing on disk."""

    def __init__(self, directory: Path) -> None:
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start (or start again) on the same port and wait for PONG."""
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=5)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Stop it dead (SIGKILL): connections are reset, new ones refused."""
        self.process.kill()
        self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, but nothing ever answers."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: answers again."""
        self.process.send_signal(signal.SIGCONT)

    def destroy(self) -> None:
        """Stop it for good."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()


def _children(pid: int) -> list[int]:
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = text.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(Path(stat).parent.name))
    return sorted(children)


class Gunicorn:
    """The portal under gunicorn (sync workers) on 127.0.0.1, as in production."""

    def __init__(
        self,
        directory: Path,
        database_url: str,
        workers: int = 2,
        extra_args: tuple[str, ...] = (),
        **env: str,
    ) -> None:
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.log_path = directory / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PORTAL_ENV": "production",
            "SECRET_KEY": "fault-tests-secret",
            "PORTAL_AUDIT_KEY": "fault-tests-audit-key-0123456789abcdef",
            "PORTAL_TRUSTED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            # One address sends all the test's comments: the limit is not what is tested here.
            "PORTAL_SUBMIT_LIMIT": "100000 per minute",
            # Campaign grouping of arrivals runs in a background thread that competes for the
            # database; these tests measure the residents' path alone.
            "PORTAL_GROUPING": "off",
            **env,
        }
        if not self.env["REDIS_URL"]:
            del self.env["REDIS_URL"]
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the master and its workers; wait until every worker can answer."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "--preload", "--workers", str(self.workers)]
            + ["--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "1"]
            + ["--no-control-socket", *self.extra_args, "wsgi:app"]
            # Not the repository's gunicorn.conf.py: its refusal of several workers without
            # Redis (tested in tests/test_instances.py) is not what these faults are about.
            + ["--config", os.devnull],
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=self._log,
        )
        # Generous: loading the language models takes seconds, more on a busy machine.
        wait_until(lambda: len(self.worker_pids()) == self.workers and self._answers(), 90)

    def _answers(self) -> bool:
        try:
            return Resident(self.port, timeout=2).get("/ja/").status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The live workers' process ids."""
        return _children(self.process.pid)

    def worker_serving(self, client_port: int) -> int:
        """The worker whose socket is connected to the client's port `client_port`."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                local, remote = parts[1], parts[2]
                if int(local.split(":")[1], 16) == self.port and (
                    int(remote.split(":")[1], 16) == client_port
                ):
                    inodes.add(f"socket:[{parts[9]}]")
        for pid in self.worker_pids():
            for fd in glob.glob(f"/proc/{pid}/fd/*"):
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:
                    continue
        pytest.fail(f"no worker holds the connection from port {client_port}")

    def log(self) -> str:
        """Everything gunicorn and the portal wrote so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the master (and so its workers) at once."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass
class Reply:
    """One HTTP response as a resident's browser would get it."""

    status: int
    headers: dict
    text: str
    elapsed: float
    started: float = 0.0
    reloads: int = 0

    @property
    def receipt(self) -> str | None:
        """The receipt number shown on the page, if any."""
        match = RECEIPT.search(self.text)
        return match[0] if match else None


@dataclass
class Resident:
    """A browser, reduced to what the portal needs: cookies, forms, redirects."""

    port: int
    timeout: float = 15
    host: str = "127.0.0.1"
    cookies: dict = field(default_factory=dict)
    csrf_token: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, headers=None) -> Reply:
        """Send one request (the production session cookie is `Secure`: sent anyway on loopback)."""
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            all_headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form).encode()
                all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            headers_out = {k.lower(): v for k, v in response.getheaders()}
            return Reply(response.status, headers_out, text, time.monotonic() - started, started)
        finally:
            connection.close()

    def get(self, path: str) -> Reply:
        """GET a page."""
        return self.request("GET", path)

    def open_form(self, path: str) -> Reply:
        """Open a page with a form and keep its CSRF token for the next posts."""
        reply = self.get(path)
        match = _CSRF_FIELD.search(reply.text)
        self.csrf_token = match[1] if match else None
        return reply

    def post_comment(self, path: str, **fields: str) -> Reply:
        """Send a comment through the form; after a redirect, the receipt page that follows."""
        data = {
            "body": "窓口の待ち時間を短くしてください。",
            "language": "ja",
            "respondent_type": "lives",
            "consent": "y",
            "csrf_token": self.csrf_token,
            **fields,
        }
        reply = self.request("POST", path, form=data)
        if reply.status == 303:
            location = urllib.parse.urlsplit(reply.headers["location"])
            receipt_page = self.get(location.path)
            reloads = 0
            while receipt_page.status == 503 and reloads < 100:
                # The comment was stored but the receipt page could not be read: reload it,
                # as a resident would, until the database answers again.
                time.sleep(0.1)
                reloads += 1
                receipt_page = self.get(location.path)
            receipt_page.reloads = reloads
            receipt_page.elapsed += reply.elapsed
            receipt_page.started = reply.started
            receipt_page.status = 303 if receipt_page.status == 200 else receipt_page.status
            return receipt_page
        return reply


def textarea_text(page: str, name: str = "body") -> str:
    """What a form's textarea holds, unescaped."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(match[1]).strip() if match else ""


def input_value(page: str, name: str) -> str:
    """The value of a form's input field, unescaped."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    if not match:
        match = re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return html.unescape(match[1]) if match else ""


@dataclass
class Attempt:
    """One comment a resident tried to send, and what they saw."""

    resident: int
    body: str
    reply: Reply | None
    error: str | None = None

    @property
    def started(self) -> float:
        """When the resident pressed send (monotonic clock)."""
        return self.reply.started if self.reply else 0.0


class CommentLoad:
    """Residents sending comments one after another, each from their own browser, in threads."""

    def __init__(self, port: int, locales: list[str], name: str = "load", pause: float = 0.0):
        import threading

        self.port = port
        self.locales = locales
        self.name = name
        self.pause = pause
        self.attempts: list[Attempt] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(locales))
        ]

    def _run(self, index: int) -> None:
        locale = self.locales[index]
        path = f"/{locale}/measures/1-1"
        resident = Resident(self.port, timeout=20)
        resident.open_form(path)
        n = 0
        while not self._stop.is_set():
            n += 1
            body = f"{self.name} {index}-{n}: 窓口の待ち時間を短くしてください。"
            fields = {
                "body": body,
                "name": f"住民 {index}-{n}",
                "email": f"r{index}-{n}@example.jp",
            }
            try:
                attempt = Attempt(index, body, resident.post_comment(path, **fields))
            except OSError as error:
                attempt = Attempt(index, body, None, error=type(error).__name__)
            with self._lock:
                self.attempts.append(attempt)
            if self.pause:
                time.sleep(self.pause)

    def start(self) -> CommentLoad:
        """Start every resident."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Attempt]:
        """Stop every resident after their current request; the attempts, in order."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        return sorted(self.attempts, key=lambda a: a.started)


def sqlite_template(directory: Path) -> Path:
    """A migrated, seeded SQLite database with measure 1-(1) open, to copy for each test."""
    path = directory / "template.sqlite3"
    prepare_database(f"sqlite:///{path}")
    return path


def in_process_app(database_uri: str, **settings):
    """The portal as gunicorn would run it (errors handled, not raised), for the test client."""
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SECRET_KEY": "faults",
            "PORTAL_ENV": "testing",
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )


def form_fields(page: str, **fields: str) -> dict:
    """A valid comment for the form in `page`, with its CSRF token."""
    return {
        "body": "窓口の待ち時間を短くしてください。",
        "language": "ja",
        "respondent_type": "lives",
        "consent": "y",
        "csrf_token": _CSRF_FIELD.search(page)[1],
        **fields,
    }
