"""Two portal instances (gunicorn, two workers each) on one database and one Redis, behind nginx.

A resident's requests alternate between the instances: the session, the CSRF token, the
submission token, the rate limits and the receipts must not care which one answers.
"""

import http.client
import io
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import REDIS_URL
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import load  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's PostgreSQL pass has it)"),
    pytest.mark.skipif(
        not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()), reason="needs nginx"
    ),
]

LOOKUP_LIMIT = 4


@pytest.fixture(scope="module")
def servers():
    # Its own SQLite file (shared by both instances), never the test database.
    server = load.start_server(
        None,
        REDIS_URL,
        workers=2,
        instances=2,
        nginx=True,
        extra_env={"PORTAL_LOOKUP_LIMIT": f"{LOOKUP_LIMIT} per minute"},
    )
    yield server
    server.stop()


class Resident:
    """One browser whose requests go to whichever instance the test names."""

    def __init__(self, servers):
        self.ports = servers.instance_ports
        self.browsers = [load.Browser("127.0.0.1", port) for port in self.ports]

    def on(self, instance: int) -> load.Browser:
        """The browser talking to `instance`, carrying the cookies the other one set."""
        browser = self.browsers[instance]
        other = self.browsers[1 - instance]
        browser.cookies.update(other.cookies)
        return browser

    def sync(self, instance: int) -> None:
        """Cookies set by `instance` are kept for the next request, whoever answers it."""
        self.browsers[1 - instance].cookies.update(self.browsers[instance].cookies)


def comment_form(page: str, body: str) -> dict:
    form = load.hidden_fields(page)
    form.update(body=body, language="ja", respondent_type="lives", consent="y")
    return form


def receipt(resident, instance, location) -> tuple[str, str]:
    status, _h, page = resident.on(instance).request("GET", location)
    resident.sync(instance)
    assert status == 200
    return load._RECEIPT.search(page)[1], load._KEY.search(page)[1]


def stored(servers, number: str) -> int:
    engine = sa.create_engine(servers.database_url)
    with engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM comments WHERE receipt_number = :n"), {"n": number}
        ).scalar()
    engine.dispose()
    return count


def test_a_comment_whose_requests_alternate_between_instances(servers):
    resident = Resident(servers)
    status, _h, page = resident.on(0).request("GET", "/ja/measures/1-1")
    resident.sync(0)
    assert status == 200
    body = "一台目で開いたページから、二台目に送った意見です。" * 10
    status, headers, _page = resident.on(1).request(
        "POST", "/ja/measures/1-1", comment_form(page, body)
    )
    resident.sync(1)
    assert status == 303  # the CSRF token from instance 0's session is valid on instance 1
    number, key = receipt(resident, 0, headers["Location"])
    assert load.check_receipts(servers.database_url, [(number, key, body, "1-1")]) == []


def test_the_same_form_sent_to_both_instances_at_once_is_one_comment(servers):
    resident = Resident(servers)
    _s, _h, page = resident.on(0).request("GET", "/ja/measures/2-1")
    resident.sync(0)
    form = comment_form(page, "同時に二つのサーバーへ送られた同じフォームの意見です。" * 8)
    twins = [load.Browser("127.0.0.1", port) for port in servers.instance_ports]
    for twin in twins:
        twin.cookies.update(resident.browsers[0].cookies)
    start = threading.Barrier(2)
    answers = [None, None]

    def send(i):
        start.wait()
        answers[i] = twins[i].request("POST", "/ja/measures/2-1", form)

    threads = [threading.Thread(target=send, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receipts = []
    for i, (status, headers, _page) in enumerate(answers):
        assert status == 303
        status, _h, page = twins[i].request("GET", headers["Location"])
        receipts.append((load._RECEIPT.search(page)[1], load._KEY.search(page)[1]))
    assert receipts[0] == receipts[1]
    assert stored(servers, receipts[0][0]) == 1


def test_rate_limits_are_counted_once_for_all_instances(servers):
    resident = Resident(servers)
    statuses = []
    for attempt in range(LOOKUP_LIMIT + 2):
        instance = attempt % 2
        _s, _h, page = resident.on(instance).request("GET", "/ja/receipts")
        token = load.hidden_fields(page.replace('class="comment-form"', ""))
        status, _h, _page = resident.on(instance).request(
            "POST",
            "/ja/receipts",
            {**token, "receipt_number": "PC-2026-999999", "access_key": f"AAAA-BBBB-CC{attempt}"},
        )
        resident.sync(instance)
        statuses.append(status)
    # Four workers in two instances: counted per process, no request would be held back.
    assert statuses == [404] * LOOKUP_LIMIT + [429, 429]


def test_residents_through_nginx_lose_nothing(servers):
    slugs = load.measure_slugs(servers.port)
    result = load.run_load("127.0.0.1", servers.port, 4, 2, slugs, "flow", processes=1)
    assert result.errors == {}
    assert result.receipts
    got = {number for number, *_rest in result.receipts}
    engine = sa.create_engine(servers.database_url)
    with engine.connect() as connection:
        numbers = connection.execute(sa.text("SELECT receipt_number FROM comments")).scalars()
        earlier = {n for n in numbers if n not in got}
    engine.dispose()
    # The check also counts the comments the other tests sent; only this run's receipts here.
    assert load.check_receipts(servers.database_url, result.receipts) == [
        f"stored comment {n} (1) has no receipt" for n in sorted(earlier)
    ]


def test_a_staff_edit_through_one_server_is_seen_by_every_server(servers):
    from portal import create_app
    from portal.extensions import db
    from portal.models import Measure

    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": servers.database_url,
        }
    )
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "3-(2)"))
        text = measure.text("ja")
        text.title = "改訂された施策の題名(二つのサーバーで確認)"
        db.session.commit()
        db.engine.dispose()
    time.sleep(1.2)  # each process trusts a version checked within the last second
    for port in servers.instance_ports:
        for _ in range(4):  # whichever worker of the instance answers
            status, _h, page = load.Browser("127.0.0.1", port).request("GET", "/ja/measures/3-2")
            assert status == 200
            assert "改訂された施策の題名" in page


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _moderator(database_url: str) -> tuple[str, str, str]:
    """A moderator with a second factor, as production requires: (email, password, secret)."""
    from portal import create_app
    from portal.database import utcnow
    from portal.extensions import db
    from portal.services.staff import accounts

    email, password = "scans-multi@city.example", "lantern-harbour-quiet-2026"
    app = create_app(
        {"PORTAL_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url}
    )
    with app.app_context():
        now = utcnow()
        user = accounts.create_account(email, "Scans", ["moderator"], now)
        accounts.set_password(user, password, now)
        secret = user.totp_secret = accounts.new_totp_secret()
        db.session.commit()
        db.engine.dispose()
    return email, password, secret


def _post_multipart(browser: load.Browser, path: str, fields: dict) -> tuple[int, str]:
    boundary, body = encode_multipart(fields)
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=60)
    try:
        cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": browser.host,
                "Cookie": cookies,
                "Content-Type": f'multipart/form-data; boundary="{boundary}"',
            },
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_a_5_mb_scan_gets_through_nginx_to_the_paper_form(servers):
    email, password, secret = _moderator(servers.database_url)
    staff = load.Browser("127.0.0.1", servers.port)
    try:
        _upload_a_5_mb_scan(servers, staff, email, password, secret)
    finally:
        staff.conn.close()


def _upload_a_5_mb_scan(servers, staff, email, password, secret):
    import pyotp

    _s, _h, page = staff.request("GET", "/staff/login")
    form = {"csrf_token": _CSRF.search(page)[1], "email": email, "password": password}
    assert staff.request("POST", "/staff/login", form)[0] == 302
    _s, _h, page = staff.request("GET", "/staff/login/code")
    form = {"csrf_token": _CSRF.search(page)[1], "code": pyotp.TOTP(secret).now()}
    assert staff.request("POST", "/staff/login/code", form)[0] == 302
    _s, _h, page = staff.request("GET", "/staff/moderation/paper")
    scan = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    status, text = _post_multipart(
        staff,
        "/staff/moderation/paper",
        {
            "csrf_token": _CSRF.search(page)[1],
            "measure": "1-(1)",
            "channel": "post",
            "received_on": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600)),
            "body": "郵便で届いた意見です。スキャンを添付します。",
            "language": "ja",
            "respondent_type": "lives",
            "scan": FileStorage(io.BytesIO(scan), filename="letter.pdf"),
        },
    )
    assert status == 303, text[:300]
    engine = sa.create_engine(servers.database_url)
    with engine.connect() as connection:
        sizes = connection.execute(sa.text("SELECT size FROM comment_attachments")).scalars()
        assert list(sizes) == [len(scan)]
    engine.dispose()
    # Any other address keeps nginx's 1 MB limit.
    status, text = _post_multipart(staff, "/ja/measures/1-1", {"body": "x" * (2 * 1024 * 1024)})
    assert status == 413
    assert "nginx" in text
