"""A flood from one address is slowed down without losing what a resident typed."""

import pytest
from conftest import csrf_token_from, valid_comment


@pytest.fixture
def app_config():
    return {"PORTAL_SUBMIT_LIMIT": "2 per minute", "PORTAL_LOOKUP_LIMIT": "3 per minute"}


def test_third_quick_comment_is_held_back_with_text_kept(app, client, submit, open_measure):
    assert submit("/en/measures/1-1").status_code == 200
    assert submit("/en/measures/1-1").status_code == 200
    response = submit("/en/measures/1-1", body="Third comment, please keep it")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "please wait a few minutes and send it again" in html
    assert "Third comment, please keep it" in html
    assert "Retry-After" in response.headers


def test_held_back_notice_is_in_the_page_language(client, submit, open_measure):
    for _ in range(2):
        submit("/vi/measures/1-1")
    page = client.get("/vi/measures/1-1").get_data(as_text=True)
    data = valid_comment(body="Ý kiến thứ ba", csrf_token=csrf_token_from(page))
    html = client.post("/vi/measures/1-1", data=data).get_data(as_text=True)
    assert "Ý kiến thứ ba" in html
    assert "please wait a few minutes" not in html


def test_another_address_is_not_affected(app, submit, open_measure):
    for _ in range(2):
        submit("/en/measures/1-1")
    neighbour = app.test_client()
    page = neighbour.get("/en/measures/1-1", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    data = valid_comment(csrf_token=csrf_token_from(page.get_data(as_text=True)))
    response = neighbour.post(
        "/en/measures/1-1", data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 303


def test_guessing_access_keys_is_slowed_down(client):
    form = client.get("/en/receipts").get_data(as_text=True)
    token = csrf_token_from(form)
    statuses = [
        client.post(
            "/en/receipts",
            data={
                "receipt_number": "PC-2026-000001",
                "access_key": f"AAAA-BBBB-CCC{i}",
                "csrf_token": token,
            },
        ).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]
    page = client.post("/ja/receipts", data={"csrf_token": token}).get_data(as_text=True)
    assert '<html lang="ja">' in page


def test_reading_pages_is_never_limited(client, open_measure):
    assert all(client.get("/en/measures/1-1").status_code == 200 for _ in range(10))


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}])
def test_comments_still_accepted_when_the_limit_store_is_down(app, submit, open_measure):
    response = submit("/en/measures/1-1")
    assert response.status_code == 200
    assert "PC-" in response.get_data(as_text=True)


def _lookup(client, environ=None, headers=None):
    environ, headers = environ or {}, headers or {}
    page = client.get("/en/receipts", environ_base=environ, headers=headers)
    data = {
        "receipt_number": "PC-2026-000001",
        "access_key": "AAAA-BBBB-CCCC",
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
    }
    return client.post("/en/receipts", data=data, environ_base=environ, headers=headers)


def _withdraw(client):
    page = client.get("/en/receipts").get_data(as_text=True)
    data = {
        "receipt_number": "PC-2026-000001",
        "access_key": "AAAA-BBBB-CCCC",
        "confirm": "y",
        "csrf_token": csrf_token_from(page),
    }
    return client.post("/en/receipts/withdraw", data=data)


def test_lookups_and_withdrawals_share_one_budget(client):
    assert [_withdraw(client).status_code for _ in range(3)] == [404, 404, 404]
    assert _lookup(client).status_code == 429
    assert _withdraw(client).status_code == 429


def test_ipv6_visitors_are_counted_per_64_network(app):
    client = app.test_client()
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4"]
    statuses = [_lookup(client, {"REMOTE_ADDR": a}).status_code for a in addresses]
    assert statuses == [404, 404, 404, 429]
    assert _lookup(client, {"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 404


BEHIND_PROXY = {
    "PORTAL_SUBMIT_LIMIT": "2 per minute",
    "PORTAL_LOOKUP_LIMIT": "3 per minute",
    "PORTAL_PROXY_COUNT": 1,
}


@pytest.mark.parametrize("app_config", [BEHIND_PROXY])
def test_direct_client_cannot_dodge_limits_with_forwarded_for(app):
    client = app.test_client()
    statuses = [
        _lookup(
            client, {"REMOTE_ADDR": "203.0.113.9"}, {"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]


@pytest.mark.parametrize("app_config", [BEHIND_PROXY])
def test_visitors_behind_the_local_proxy_are_counted_apart(app):
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(3):
        assert _lookup(client, proxy, {"X-Forwarded-For": "198.51.100.1"}).status_code == 404
    assert _lookup(client, proxy, {"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert _lookup(client, proxy, {"X-Forwarded-For": "198.51.100.2"}).status_code == 404


@pytest.mark.parametrize("app_config", [BEHIND_PROXY])
def test_proxy_on_a_unix_socket_is_trusted(app):
    # gunicorn bound to a unix socket gives the peer as an empty string.
    client = app.test_client()
    socket_peer = {"REMOTE_ADDR": ""}
    for _ in range(3):
        assert _lookup(client, socket_peer, {"X-Forwarded-For": "198.51.100.1"}).status_code == 404
    assert _lookup(client, socket_peer, {"X-Forwarded-For": "198.51.100.3"}).status_code == 404
