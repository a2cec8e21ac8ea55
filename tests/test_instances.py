"""Two portal instances (gunicorn, two workers each) on one database and one Redis, behind nginx.

A resident's requests alternate between the instances: the session, the CSRF token, the
submission token, the rate limits and the receipts must not care which one answers.
"""

import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import REDIS_URL

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
