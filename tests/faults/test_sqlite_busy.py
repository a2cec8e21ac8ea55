"""Another SQLite writer holds the lock: the portal waits a bounded time, then says so calmly."""

import shutil
import sqlite3
import threading
import time

import pytest
from faultkit import form_fields, in_process_app, sqlite_template, stored_comments, textarea_text

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return sqlite_template(tmp_path_factory.mktemp("busy"))


@pytest.fixture
def database(template, tmp_path):
    path = tmp_path / "portal.sqlite3"
    shutil.copy(template, path)
    return path


def _portal(database, busy_timeout):
    app = in_process_app(f"sqlite:///{database}", PORTAL_SQLITE_BUSY_TIMEOUT=busy_timeout)
    return app, app.test_client()


def _hold_lock(database, kind):
    other_writer = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other_writer.execute(f"BEGIN {kind}")
    return other_writer


def _send(client, path, **fields):
    page = client.get(path).get_data(as_text=True)
    started = time.monotonic()
    response = client.post(path, data=form_fields(page, **fields))
    return response, time.monotonic() - started


def test_comment_waits_out_a_short_write_lock(database):
    _app, client = _portal(database, busy_timeout=3)
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    other_writer = _hold_lock(database, "IMMEDIATE")
    threading.Timer(0.4, other_writer.rollback).start()
    started = time.monotonic()
    response = client.post("/en/measures/1-1", data=form_fields(page, body="Waited"))
    waited = time.monotonic() - started
    other_writer.close()
    print(f"\nwrite lock held 0.4 s: the comment went in after {waited:.2f} s")
    assert response.status_code == 303
    assert 0.35 < waited < 3
    assert [row["body"] for row in stored_comments(f"sqlite:///{database}")] == ["Waited"]


def test_a_long_write_lock_gives_the_translated_503_with_the_text_kept(database):
    _app, client = _portal(database, busy_timeout=0.5)
    other_writer = _hold_lock(database, "IMMEDIATE")
    try:
        page_while_locked = client.get("/vi/measures/1-1")
        response, waited = _send(
            client, "/vi/measures/1-1", body="Ý kiến của tôi", name="Nguyễn", language="vi"
        )
    finally:
        other_writer.rollback()
        other_writer.close()
    html = response.get_data(as_text=True)
    print(f"\nwrite lock held: 503 after {waited:.2f} s (busy timeout 0.5 s)")
    assert page_while_locked.status_code == 200
    assert response.status_code == 503
    assert 0.45 < waited < 2
    assert '<html lang="vi">' in html
    assert "Xin lỗi, không thể lưu ý kiến của quý vị" in html
    assert textarea_text(html) == "Ý kiến của tôi"
    assert stored_comments(f"sqlite:///{database}") == []
    # Once the other writer is done, sending again works.
    again, _waited = _send(client, "/vi/measures/1-1", body="Ý kiến của tôi", language="vi")
    assert again.status_code == 303
    assert len(stored_comments(f"sqlite:///{database}")) == 1


def test_an_exclusive_lock_gives_503_pages_never_a_500(database):
    _app, client = _portal(database, busy_timeout=0.3)
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    other_writer = _hold_lock(database, "EXCLUSIVE")
    try:
        started = time.monotonic()
        reading = client.get("/en/")
        read_wait = time.monotonic() - started
        sending = client.post(
            "/en/measures/1-1", data=form_fields(page, body="Locked out", email="a@example.jp")
        )
    finally:
        other_writer.rollback()
        other_writer.close()
    print(f"\nexclusive lock: page answered 503 after {read_wait:.2f} s")
    assert reading.status_code == 503
    assert "The portal is unavailable for a moment" in reading.get_data(as_text=True)
    assert reading.headers["Retry-After"] == "30"
    html = sending.get_data(as_text=True)
    assert sending.status_code == 503
    assert textarea_text(html) == "Locked out"
    assert 'value="a@example.jp"' in html
    assert sending.headers["Cache-Control"] == "no-store"
    assert client.get("/en/").status_code == 200
