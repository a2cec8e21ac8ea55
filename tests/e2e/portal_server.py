"""The portal served by gunicorn in a subprocess on a free loopback port, and a browser for it.

Shared by the browser tests (tests/e2e/conftest.py) and the screenshot script
(tests/e2e/screenshots.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
AXE_SCRIPT = Path(__file__).parent / ".npm" / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine, but fail in CI (CI=true): CI must never skip these."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def require_chromium() -> None:
    """Skip without Debian's chromium on a developer's machine; fail in CI."""
    require(CHROMIUM is not None, "Debian's chromium is not installed")


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the test process dies without cleaning up (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer in time")


@contextmanager
def database_for_server(app) -> Iterator[datetime]:
    """Change a fresh app's database in its app context (yields now), then commit and close
    every connection: the gunicorn started next is then the only one to hold the database."""
    with app.app_context():
        yield utcnow()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def open_for_comment(code: str, opens_at: datetime, closes_at: datetime) -> None:
    """Set a measure's comment period (inside an app context)."""
    measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
    measure.opens_at, measure.closes_at = opens_at, closes_at


@contextmanager
def gunicorn_server(database_uri: str, **settings: str) -> Iterator[str]:
    """Serve the portal on `database_uri` with gunicorn; yields the base URL, stops it after.

    The listening socket is opened here and handed to gunicorn (``fd://``), so the port is
    free and ours without a race between choosing it and binding it.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PORTAL_ENV": "testing",
        "SECRET_KEY": secrets.token_hex(16),
        "DATABASE_URL": database_uri,
        # One browser session sends many comments and look-ups; the limits are tested elsewhere.
        "PORTAL_SUBMIT_LIMIT": "10000 per minute",
        "PORTAL_LOOKUP_LIMIT": "10000 per minute",
        "PORTAL_LOG_LEVEL": "WARNING",
        **settings,
    }
    env.pop("REDIS_URL", None)
    env.pop("PORTAL_TRUSTED_HOSTS", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{listener.fileno()}",
        "--workers",
        "1",
        "--threads",
        "4",
        "--graceful-timeout",
        "3",
        "--log-level",
        "warning",
        "portal:create_app()",
    ]
    process = subprocess.Popen(  # noqa: S603 (fixed command)
        command,
        cwd=ROOT,
        env=env,
        pass_fds=(listener.fileno(),),
        start_new_session=True,  # Ctrl-C reaches pytest, which stops gunicorn in order
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    listener.close()  # gunicorn holds its own copy
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base_url + "/ja/", process)
        yield base_url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextmanager
def chromium_browser() -> Iterator:
    """Debian's chromium under Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()
