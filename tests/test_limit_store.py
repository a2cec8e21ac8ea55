"""A rate-limit store that hangs does not hold residents up."""

import socket
import threading
import time

import pytest
from conftest import csrf_token_from, valid_comment


@pytest.fixture
def silent_redis():
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept_forever():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def app_config(silent_redis):
    return {"RATELIMIT_STORAGE_URI": silent_redis[0]}


def test_hung_limit_store_gives_way_in_seconds_not_forever(silent_redis, client, open_measure):
    _url, accepted = silent_redis
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    started = time.monotonic()
    response = client.post("/en/measures/1-1", data=valid_comment(csrf_token=csrf_token_from(page)))
    first = time.monotonic() - started
    assert response.status_code == 303
    # The store's timeout is well under a second; the margin absorbs a busy CI machine. A
    # store without a timeout would hold the resident until the test's own timeout.
    assert first < 5.0
    assert accepted, "the portal never tried the hung store"
    # Later requests count in memory without waiting on the store each time.
    started = time.monotonic()
    for _ in range(3):
        page = client.get("/en/receipts").get_data(as_text=True)
        client.post("/en/receipts", data={"csrf_token": csrf_token_from(page)})
    assert time.monotonic() - started < 5.0
