"""Slow clients behind the shipped nginx configuration (deploy/nginx.conf).

gunicorn runs with two sync workers on 127.0.0.1, nginx in front of it with the repository's
configuration (only ports, certificate and upstream address changed for the test). Eight
clients then send their headers a byte at a time, and two their comment: the site must still
answer promptly. The same two slow clients sent straight to gunicorn take it down, which
shows what nginx is there for.
"""

import http.client
import io
import os
import re
import shutil
import socket
import ssl
import subprocess  # noqa: S404 - nginx and openssl are what is tested
import threading
import time

import pytest
import sqlalchemy as sa
from faultkit import (
    REPO,
    Gunicorn,
    RedisServer,
    Resident,
    free_port,
    sqlite_template,
    wait_until,
)
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

pytestmark = pytest.mark.faults

HOST = "iken.city.isesaki.example"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 under the portal's host name (SNI and Host), as a browser would."""

    def __init__(self, port: int, timeout: float):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        super().__init__(HOST, port, timeout=timeout, context=context)

    def connect(self):
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=HOST)


def _render_config(directory, upstream_port, http_port, https_port):
    """The shipped configuration with this test's ports, certificate and upstream."""
    text = (REPO / "deploy" / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https_port} ssl default_server;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(directory / "cert.pem"),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(directory / "key.pem"),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"deploy/nginx.conf changed: {old!r}"
        text = text.replace(old, new)
    # IPv6 may be missing on a test machine; the IPv4 lines above are the same servers.
    text = "\n".join(line for line in text.splitlines() if "listen [::]" not in line)
    site = directory / "portal.conf"
    site.write_text(text)
    temp_paths = "\n".join(
        f"  {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = directory / "nginx.conf"
    main.write_text(
        f"""{"user root root;" if _is_root() else ""}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 256; }}
http {{
  access_log {directory / "access.log"};
{temp_paths}
  include {site};
}}
"""
    )
    return main


def _is_root():
    return os.geteuid() == 0


@pytest.fixture(scope="module")
def nginx_in_front(tmp_path_factory):
    if not shutil.which(NGINX) or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed")
    tmp_path = tmp_path_factory.mktemp("slow-clients")
    directory = tmp_path / "nginx"
    directory.mkdir()
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]  # noqa: S607
        + ["-nodes", "-days", "1", "-subj", f"/CN={HOST}"]
        + ["-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")],
        check=True,
        capture_output=True,
    )
    database = sqlite_template(tmp_path)
    # Redis holds the rate-limit counts, as in production: both workers count together.
    redis = RedisServer(tmp_path)
    redis.start()
    server = Gunicorn(
        tmp_path,
        f"sqlite:///{database}",
        extra_args=("--access-logfile", "-", "--access-logformat", "XFF=%({x-forwarded-for}i)s"),
        PORTAL_PROXY_COUNT="1",
        PORTAL_TRUSTED_HOSTS=HOST,
        PORTAL_LOOKUP_LIMIT="3 per minute",
        REDIS_URL=redis.url,
    )
    # The helper checks readiness with the loopback name; here only the real name is trusted.
    server.env["PORTAL_TRUSTED_HOSTS"] = f"{HOST},127.0.0.1"
    server.start()
    http_port, https_port = free_port(), free_port()
    config = _render_config(directory, server.port, http_port, https_port)
    checked = subprocess.run(  # noqa: S603
        [NGINX, "-t", "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(config)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _answers(https_port), timeout=10)
        yield server, http_port, https_port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        server.stop()
        redis.destroy()


def _answers(port):
    try:
        return _get(port, "/en/", timeout=2)[0] == 200
    except OSError:
        return False


def _get(port, path, headers=None, timeout=5.0, method="GET", body=None):
    connection = PinnedHTTPS(port, timeout)
    started = time.monotonic()
    try:
        all_headers = {"Host": HOST, **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, text, time.monotonic() - started, dict(response.getheaders())
    finally:
        connection.close()


class SlowClient(threading.Thread):
    """Opens a connection and sends its request a little at a time, never finishing."""

    def __init__(self, port, tls, stop, body=False):
        super().__init__(daemon=True)
        self.port, self.tls, self.stop, self.body = port, tls, stop, body
        self.bytes_sent = 0

    def run(self):
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock = raw
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw, server_hostname=HOST)
        try:
            if self.body:
                head = (
                    f"POST /en/measures/1-1 HTTP/1.1\r\nHost: {HOST}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: 100000\r\n\r\nbody="
                )
                sock.sendall(head.encode())
            else:
                sock.sendall(f"GET /en/ HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            while not self.stop.wait(0.3):
                sock.sendall(b"a" if self.body else b"X-Slow: 1\r\n")
                self.bytes_sent += 1
        except OSError:
            pass
        finally:
            sock.close()


def _attack(port, tls, headers=8, bodies=2):
    stop = threading.Event()
    clients = [SlowClient(port, tls, stop) for _ in range(headers)]
    clients += [SlowClient(port, tls, stop, body=True) for _ in range(bodies)]
    for client in clients:
        client.start()
    time.sleep(1.0)  # every slow client is connected and has started to dribble
    return stop, clients


def test_site_answers_while_slow_clients_hang_on_behind_nginx(nginx_in_front):
    server, _http_port, https_port = nginx_in_front
    stop, clients = _attack(https_port, tls=True)
    try:
        answers = []
        for path in ["/en/", "/en/measures/1-1", "/vi/", "/ja/measures/1-1"] * 2:
            answers.append(_get(https_port, path, timeout=5))
            time.sleep(0.2)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
    slowest = max(answer[2] for answer in answers)
    print(
        f"\nbehind nginx, with {len(clients)} slow clients on 2 workers: "
        f"{len(answers)} pages, statuses {sorted({a[0] for a in answers})}, slowest {slowest:.2f} s"
    )
    assert all(answer[0] == 200 for answer in answers)
    assert slowest < 2.0


def test_without_nginx_two_slow_clients_take_gunicorn_down(nginx_in_front):
    server, _http_port, _https_port = nginx_in_front
    stop, clients = _attack(server.port, tls=False, headers=2, bodies=0)
    try:
        started = time.monotonic()
        with pytest.raises(OSError, match="timed out"):
            Resident(server.port, timeout=3).get("/en/")
        waited = time.monotonic() - started
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
    print(f"\nstraight to gunicorn, 2 slow clients: no answer within {waited:.1f} s")


def test_forwarded_headers_are_set_by_nginx_not_by_the_client(nginx_in_front):
    server, http_port, https_port = nginx_in_front
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example"}
    status, page, _elapsed, _headers = _get(https_port, "/en/", headers=forged)
    assert status == 200
    assert "evil.example" not in page
    # Absolute links carry the scheme nginx saw (https) and the real host name.
    assert f'hreflang="vi" href="https://{HOST}/vi/"' in page

    # The rate limit counts the real address, whatever address the client claims.
    form = _get(https_port, "/en/receipts")
    statuses = []
    for n in range(5):
        status, *_rest = _get(
            https_port,
            "/en/receipts",
            method="POST",
            headers={
                "X-Forwarded-For": f"198.51.100.{n}",
                "Content-Type": "application/x-www-form-urlencoded",
                # Flask-WTF checks the Referer on HTTPS, as a browser sends it.
                "Referer": f"https://{HOST}/en/receipts",
                "Cookie": form[3].get("Set-Cookie", "").split(";", 1)[0],
            },
            body="receipt_number=PC-2026-000001&access_key=AAAA-BBBB-CCCC&csrf_token="
            + CSRF.search(form[1])[1],
        )
        statuses.append(status)
    assert statuses == [404, 404, 404, 429, 429]
    # gunicorn received nginx's address only, never the client's header appended to.
    forwarded = [line for line in server.log().splitlines() if line.startswith("XFF=")]
    assert forwarded
    assert set(forwarded) <= {"XFF=127.0.0.1", "XFF=-"}

    # Plain http is sent to https, and an unknown host name gets nothing at all.
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
    plain.request("GET", "/en/", headers={"Host": HOST})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == f"https://{HOST}/en/"
    plain.close()
    stranger = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
    stranger.request("GET", "/en/", headers={"Host": "evil.example"})
    with pytest.raises(http.client.RemoteDisconnected):
        stranger.getresponse()
    stranger.close()


class StaffBrowser:
    """A staff member's browser over HTTPS through nginx: cookies, CSRF tokens, the login."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, content_type=None, referer=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        if method == "POST":
            # Flask-WTF checks the Referer on HTTPS, as a browser sends it.
            headers["Referer"] = f"https://{HOST}{referer or path}"
        connection = PinnedHTTPS(self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **headers})
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location"), text
        finally:
            connection.close()

    def post_form(self, page_path, fields, action_path=None):
        """Open `page_path`, then send its form with `fields` (a file as a FileStorage)."""
        _status, _location, page = self.request("GET", page_path)
        boundary, body = encode_multipart({"csrf_token": CSRF.search(page)[1], **fields})
        return self.request(
            "POST",
            action_path or page_path,
            body,
            f'multipart/form-data; boundary="{boundary}"',
            referer=page_path,
        )

    def log_in(self, email, password, secret):
        """The staff login with its second step, as in production."""
        import pyotp

        status, location, _page = self.post_form(
            "/staff/login", {"email": email, "password": password}
        )
        assert status == 302, status
        assert "/staff/login/code" in location
        status, location, _page = self.post_form(
            "/staff/login/code", {"code": pyotp.TOTP(secret).now()}
        )
        assert status == 302, status


def _moderator(database_url: str) -> tuple[str, str, str]:
    """A moderator with a second factor in the served database: (email, password, secret)."""
    from portal import create_app
    from portal.database import utcnow
    from portal.extensions import db
    from portal.services.staff import accounts

    email, password = "scans@city.example", "harbour-lantern-quiet-2026"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "PORTAL_ENV": "testing"}
    )
    with app.app_context():
        now = utcnow()
        user = accounts.create_account(email, "Scans", ["moderator"], now)
        accounts.set_password(user, password, now)
        secret = user.totp_secret = accounts.new_totp_secret()
        db.session.commit()
        db.engine.dispose()
    return email, password, secret


def _stored_scan_sizes(database_url: str) -> list[int]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT size FROM comment_attachments")).scalars()
            )
    finally:
        engine.dispose()


def test_a_5_mb_scan_gets_through_nginx_on_the_paper_form_only(nginx_in_front):
    server, _http_port, https_port = nginx_in_front
    database_url = server.env["DATABASE_URL"]
    email, password, secret = _moderator(database_url)
    browser = StaffBrowser(https_port)
    browser.log_in(email, password, secret)
    scan = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    started = time.monotonic()
    status, location, page = browser.post_form(
        "/staff/moderation/paper",
        {
            "measure": "1-(1)",
            "channel": "post",
            "received_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600)),
            "body": "郵便で届いた意見です。スキャンを添付します。",
            "language": "ja",
            "respondent_type": "lives",
            "scan": FileStorage(io.BytesIO(scan), filename="letter.pdf"),
        },
    )
    print(f"\n5 MB scan through nginx: {status} in {time.monotonic() - started:.2f} s")
    assert status == 303, page[:500]
    assert "/staff/moderation/comments/PC-" in location
    assert _stored_scan_sizes(database_url) == [len(scan)]

    # Everywhere else nginx keeps its 1 MB limit: the same body on the residents' form is
    # refused by nginx itself, before gunicorn sees it.
    status, _location, page = browser.request(
        "POST", "/ja/measures/1-1", scan, "application/x-www-form-urlencoded"
    )
    assert status == 413
    assert "nginx" in page
