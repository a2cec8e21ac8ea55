"""PostgreSQL stops while residents are commenting: a calm 503, nothing half-written, recovery.

A throwaway cluster of the test's own is crashed (``pg_ctl stop -m immediate``) under gunicorn
with two sync workers and four residents sending comments, and started again 2 s later. The
portal is never restarted.
"""

import time

import pytest
from faultkit import (
    CommentLoad,
    Gunicorn,
    Resident,
    input_value,
    prepare_database,
    running_cluster,
    stored_comments,
    textarea_text,
)

from portal import create_app

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 2.0


def _trouble(log: str) -> list[str]:
    """The server log's lines that explain an unexpected answer (shown when the test fails)."""
    words = ("Traceback", "Error", "error", '" 400 ', '" 500 ')
    return [line for line in log.splitlines() if any(word in line for word in words)][-40:]


@pytest.fixture
def pg_cluster():
    yield from running_cluster()


def test_engine_checks_connections_at_checkout_without_a_round_trip():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql://db/portal"})
    # portal.database drops connections the server closed when they leave the pool
    # (tests/test_database_connections.py); a SELECT 1 per request is not needed for that.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False


def test_residents_keep_their_text_and_nothing_is_half_written_when_postgresql_stops(
    pg_cluster, tmp_path
):
    prepare_database(pg_cluster.url)
    server = Gunicorn(tmp_path, pg_cluster.url)
    server.start()
    workers_before = server.worker_pids()
    try:
        load = CommentLoad(server.port, ["en", "vi", "ja", "ne"], name="pg", pause=0.05).start()
        probe = Resident(server.port)
        probe.open_form("/en/measures/1-1")
        time.sleep(1.0)
        down_at = time.monotonic()
        pg_cluster.stop("immediate")
        refused_probe = probe.post_comment(
            "/en/measures/1-1", body="Keep this, please", name="Probe", phone="0270-24-5111"
        )
        index_page = probe.get("/en/")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
        restart_at = time.monotonic()
        pg_cluster.start()
        up_at = time.monotonic()
        time.sleep(1.5)
        attempts = load.stop()
        workers_after = server.worker_pids()
    finally:
        server.stop()
    log = server.log()

    stored = stored_comments(pg_cluster.url)
    by_receipt = {row["receipt"]: row for row in stored}
    sent = {a.body for a in attempts}
    during = [a for a in attempts if down_at <= a.started < up_at]
    after = [a for a in attempts if a.started >= up_at + 0.2]
    statuses = sorted({a.reply.status for a in attempts if a.reply})
    recovered = next(a for a in attempts if a.started >= restart_at and a.reply.status == 303)
    print(
        f"\nPostgreSQL down {up_at - down_at:.2f} s; {len(attempts)} comments tried, "
        f"{len(during)} during the outage, {sum(a.reply.status == 503 for a in attempts)} "
        f"answered 503, {sum(a.error is not None for a in attempts)} without an answer; "
        f"restart took {up_at - restart_at:.2f} s, first receipt "
        f"{recovered.started + recovered.reply.elapsed - restart_at:.2f} s after the restart began; "
        f"slowest answer {max(a.reply.elapsed for a in attempts):.2f} s; "
        f"{len(stored)} comments stored; {sum(a.reply.reloads > 0 for a in attempts)} receipt "
        f"pages had to be reloaded"
    )

    # Every resident got an answer, and never a 500.
    assert all(a.error is None for a in attempts)
    assert set(statuses) <= {303, 503}, (statuses, _trouble(log))
    assert "Traceback" not in log
    # During the outage: the 503 page in the resident's language, with the comment kept.
    refused = [a for a in attempts if a.reply.status == 503]
    assert len(refused) >= 4
    for attempt in refused:
        page = attempt.reply.text
        assert f'<html lang="{load.locales[attempt.resident]}">' in page
        assert textarea_text(page) == attempt.body
        assert input_value(page, "email").startswith(f"r{attempt.resident}-")
        assert "retry-after" in attempt.reply.headers
    assert refused_probe.status == 503
    assert "The portal is unavailable for a moment" in refused_probe.text
    assert "Nothing was sent. Your text is still below" in refused_probe.text
    assert textarea_text(refused_probe.text) == "Keep this, please"
    assert input_value(refused_probe.text, "phone") == "0270-24-5111"
    assert refused_probe.headers["cache-control"] == "no-store"
    assert index_page.status == 503
    assert "Please try again in a few minutes" in index_page.text
    # Nothing half-written: every receipt shown is a stored comment with its contact row,
    # every stored comment was sent by a resident and has its contact row.
    shown = [a.reply.receipt for a in attempts if a.reply.status == 303]
    assert all(receipt in by_receipt for receipt in shown)
    assert all(by_receipt[r]["body"] in sent for r in shown)
    assert all(row["receipt"] and row["contact_name"] for row in stored)
    assert {row["body"] for row in stored} <= sent
    # Recovery by itself: same workers, and once the database is back every comment goes in.
    assert workers_after == workers_before
    assert after
    assert all(a.reply.status == 303 for a in after)
    assert "database unavailable during POST public.measure: OperationalError" in log
