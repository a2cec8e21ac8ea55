"""A gunicorn worker is killed (SIGKILL) in the middle of storing a comment.

To catch the worker mid-request for certain, a second connection holds a SHARE lock on the
contacts table: the worker has inserted the comment (uncommitted) and waits to insert its
contact row when it is killed. Reading pages needs no contact row, so the other worker goes on.
"""

import os
import signal
import socket
import threading
import time
import urllib.parse

import psycopg
import pytest
from faultkit import (
    Gunicorn,
    Resident,
    prepare_database,
    running_cluster,
    stored_comments,
    wait_until,
)

pytestmark = pytest.mark.faults


@pytest.fixture
def pg_cluster():
    yield from running_cluster()


def _lock_waiters(dsn: str) -> int:
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()[0]


def test_killed_worker_leaves_no_partial_comment_and_no_receipt(pg_cluster, tmp_path):
    prepare_database(pg_cluster.url)
    dsn = f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=postgres"
    server = Gunicorn(tmp_path, pg_cluster.url)
    server.start()
    try:
        victim = Resident(server.port)
        victim.open_form("/en/measures/1-1")
        neighbour = Resident(server.port)
        neighbour.open_form("/en/measures/1-1")

        locker = psycopg.connect(dsn)
        locker.execute("LOCK TABLE comment_contacts IN SHARE MODE")

        # The victim's browser, sending by hand so the test knows its port.
        form = {
            "body": "Half-sent comment",
            "language": "en",
            "respondent_type": "lives",
            "consent": "y",
            "name": "Victim",
            "csrf_token": victim.csrf_token,
        }
        body = urllib.parse.urlencode(form).encode()
        cookies = "; ".join(f"{k}={v}" for k, v in victim.cookies.items())
        request = (
            f"POST /en/measures/1-1 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Cookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode() + body
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        answer = []
        client_port = connection.getsockname()[1]

        def send():
            connection.sendall(request)
            chunks = []
            try:
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            except OSError as error:
                chunks.append(f"<{type(error).__name__}>".encode())
            answer.append(b"".join(chunks))
            connection.close()

        sender = threading.Thread(target=send)
        sender.start()
        wait_until(lambda: _lock_waiters(dsn) >= 1, timeout=10)
        worker = server.worker_serving(client_port)

        # While the worker is stuck mid-transaction, the other one serves pages.
        pages_during = [neighbour.get("/en/measures/1-1") for _ in range(5)]
        killed_at = time.monotonic()
        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=10)
        locker.rollback()
        locker.close()
        pages_after = [neighbour.get("/en/") for _ in range(5)]
        replacement = wait_until(
            lambda: len(server.worker_pids()) == 2 and worker not in server.worker_pids(),
            timeout=15,
        )
        respawned_in = time.monotonic() - killed_at
        receipt_page = victim.get("/en/receipts/new")
        retry = victim.post_comment("/en/measures/1-1", body="Sent again", name="Victim")
        neighbour_comment = neighbour.post_comment("/en/measures/1-1", body="Neighbour", name="N")
    finally:
        server.stop()
    stored = stored_comments(pg_cluster.url)
    print(
        f"\nworker {worker} killed mid-transaction; the victim got {len(answer[0])} bytes; "
        f"{len(pages_during) + len(pages_after)} neighbour pages all "
        f"{sorted({p.status for p in pages_during + pages_after})}; "
        f"replacement worker in {respawned_in:.2f} s"
    )

    assert replacement
    # The victim got no receipt: an empty answer (or a gateway error from a proxy), not a 303.
    assert b"PC-" not in answer[0]
    assert not answer[0].startswith(b"HTTP/1.1 303")
    assert receipt_page.status == 302
    assert "PC-" not in receipt_page.text
    # The other worker answered throughout.
    assert all(page.status == 200 for page in pages_during + pages_after)
    # Nothing half-written: the killed transaction left neither the comment nor its contact.
    assert "Half-sent comment" not in {row["body"] for row in stored}
    assert all(row["contact_name"] for row in stored)
    # Sending again works, and the neighbour's comment went in too. Number 1 went to the
    # killed transaction's comment, which was inserted (so the kill was mid-transaction) and
    # rolled back; numbers are never reused.
    assert retry.status == 303
    assert retry.receipt.endswith("-000002")
    assert neighbour_comment.status == 303
    assert sorted(row["body"] for row in stored) == ["Neighbour", "Sent again"]
