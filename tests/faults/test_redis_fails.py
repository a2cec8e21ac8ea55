"""Redis, where the rate limits are counted, dies or hangs while residents comment.

A redis-server of the test's own is killed (SIGKILL), started again, then frozen (SIGSTOP: the
kernel still accepts connections but nothing answers, like a hung server) under gunicorn with
two sync workers. Comments must go on, slowed by at most the half-second socket timeout, and
each worker says once that it counts in memory, not once per request.
"""

import time

import pytest
from faultkit import CommentLoad, Gunicorn, RedisServer, Resident, sqlite_template, wait_until

pytestmark = pytest.mark.faults

FALLBACK = "falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.destroy()


def _phase(load_port, seconds, name):
    load = CommentLoad(load_port, ["en", "ja"], name=name, pause=0.05).start()
    reader = Resident(load_port)
    pages = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pages.append(reader.get("/en/measures/1-1"))
        time.sleep(0.05)
    return load.stop(), pages


def _summary(name, attempts, pages):
    replies = [a.reply for a in attempts if a.reply] + pages
    slowest = max((r.elapsed for r in replies), default=0.0)
    failed = sum(a.error is not None or a.reply.status != 303 for a in attempts)
    failed += sum(p.status != 200 for p in pages)
    print(
        f"{name}: {len(attempts)} comments, {len(pages)} page views, {failed} failed, "
        f"slowest {slowest:.2f} s"
    )
    return failed, slowest


def test_comments_go_on_when_redis_dies_or_hangs(redis_server, tmp_path):
    database = sqlite_template(tmp_path)
    server = Gunicorn(
        tmp_path,
        f"sqlite:///{database}",
        REDIS_URL=redis_server.url,
        PORTAL_SUBMIT_LIMIT="1000 per minute",
    )
    server.start()
    try:
        print()
        healthy = _summary("Redis up", *_phase(server.port, 1.0, "up"))
        redis_server.kill()
        killed = _summary("Redis killed", *_phase(server.port, 2.0, "killed"))
        log_after_kill = server.log()
        redis_server.start()
        back_at = time.monotonic()
        load = CommentLoad(server.port, ["en", "ja"], name="back", pause=0.05).start()
        # Flask-Limiter checks a dead store again after 1, 2, 4, 8 … s, at the next request.
        wait_until(lambda: server.log().count(RECOVERED) >= 2, timeout=30, interval=0.2)
        recovered_in = time.monotonic() - back_at
        back = _summary("Redis back", load.stop(), [])
        print(f"both workers counting in Redis again {recovered_in:.1f} s after it came back")
        log_before_hang = server.log()
        redis_server.freeze()
        hung = _summary("Redis hung", *_phase(server.port, 3.0, "hung"))
        redis_server.thaw()
    finally:
        server.stop()
    log = server.log()

    for failed, _slowest in (healthy, killed, back, hung):
        assert failed == 0
    # A dead Redis refuses at once; a hung one costs a request at most the socket timeout
    # (0.5 s), plus a re-check now and then: never the 30 s wait of a socket without a timeout.
    # (The bounds leave room for a busy test machine.)
    assert killed[1] < 3.0
    assert hung[1] < 3.0
    # Said once per worker when Redis went away, not once per request; and again when it hung.
    assert 1 <= log_after_kill.count(FALLBACK) <= 2
    assert log_before_hang.count(FALLBACK) == log_after_kill.count(FALLBACK)
    assert 1 <= log.count(FALLBACK) - log_before_hang.count(FALLBACK) <= 2
    assert "Traceback" not in log
    assert "Swallowing error" not in log
