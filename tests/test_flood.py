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
