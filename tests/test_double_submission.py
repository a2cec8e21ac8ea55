"""Sending the same comment form twice stores one comment and shows its receipt both times."""

import re
import threading

import sqlalchemy as sa
from conftest import csrf_token_from, valid_comment

from portal.extensions import db
from portal.models import Comment, SubmissionToken

_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
_RECEIPT = re.compile(r'class="receipt-number">([^<]+)<')
_KEY = re.compile(r'class="access-key">([^<]+)<')


def form_from(page: str, **fields) -> dict:
    """The comment form of `page`, filled in, with its hidden tokens."""
    token = _TOKEN.search(page)
    assert token, "the comment form has no submission token"
    return valid_comment(csrf_token=csrf_token_from(page), submission_token=token[1], **fields)


def receipt_of(client, response) -> tuple[str, str]:
    """Receipt number and access key on the receipt page a POST redirected to."""
    assert response.status_code == 303, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return _RECEIPT.search(page)[1], _KEY.search(page)[1]


def stored_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Comment))


def test_each_form_shown_carries_its_own_token(client, open_measure):
    first = _TOKEN.search(client.get(open_measure).get_data(as_text=True))[1]
    second = _TOKEN.search(client.get(open_measure).get_data(as_text=True))[1]
    assert first != second


def test_sending_the_same_form_twice_gives_the_first_receipt_again(app, client, open_measure):
    data = form_from(client.get(open_measure).get_data(as_text=True))
    first = receipt_of(client, client.post(open_measure, data=data))
    second = receipt_of(client, client.post(open_measure, data=data))
    assert second == first
    assert stored_comments(app) == 1
    # The access key shown the second time really opens the comment.
    lookup = client.get("/ja/receipts").get_data(as_text=True)
    status = client.post(
        "/ja/receipts",
        data={
            "receipt_number": first[0],
            "access_key": second[1],
            "csrf_token": csrf_token_from(lookup),
        },
    )
    assert status.status_code == 200
    assert valid_comment()["body"] in status.get_data(as_text=True)


def test_a_second_form_is_a_second_comment(app, client, open_measure):
    first = receipt_of(
        client, client.post(open_measure, data=form_from(client.get(open_measure).text))
    )
    second = receipt_of(
        client, client.post(open_measure, data=form_from(client.get(open_measure).text))
    )
    assert first[0] != second[0]
    assert stored_comments(app) == 2


def test_same_form_sent_again_with_a_changed_text_is_stored_too(app, client, open_measure):
    data = form_from(client.get(open_measure).get_data(as_text=True))
    first = receipt_of(client, client.post(open_measure, data=data))
    data["body"] = "戻るボタンで戻って書き直した、別の意見です。"
    second = receipt_of(client, client.post(open_measure, data=data))
    assert first[0] != second[0]
    assert stored_comments(app) == 2


def test_form_shown_again_after_an_error_keeps_its_token(app, client, open_measure):
    data = form_from(client.get(open_measure).get_data(as_text=True), consent=None)
    del data["consent"]
    refused = client.post(open_measure, data=data)
    assert refused.status_code == 422
    assert _TOKEN.search(refused.get_data(as_text=True))[1] == data["submission_token"]
    data["consent"] = "y"
    first = receipt_of(client, client.post(open_measure, data=data))
    assert receipt_of(client, client.post(open_measure, data=data)) == first
    assert stored_comments(app) == 1


def test_the_access_key_is_not_stored_in_clear(app, client, open_measure):
    data = form_from(client.get(open_measure).get_data(as_text=True))
    _number, key = receipt_of(client, client.post(open_measure, data=data))
    with app.app_context():
        row = db.session.scalars(sa.select(SubmissionToken)).one()
        stored = f"{row.token_hash} {row.sealed_key}"
    assert key.replace("-", "") not in stored.upper()
    assert data["submission_token"] not in stored


def test_two_posts_of_one_form_at_the_same_moment_store_one_comment(app, open_measure):
    browser = app.test_client()
    data = form_from(browser.get(open_measure).get_data(as_text=True))
    twin = app.test_client()
    twin.set_cookie("session", browser.get_cookie("session").value)
    start = threading.Barrier(2)
    responses = {}

    def send(name, client):
        start.wait()
        responses[name] = client.post(open_measure, data=data)

    threads = [
        threading.Thread(target=send, args=(name, c)) for name, c in (("a", browser), ("b", twin))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert receipt_of(browser, responses["a"]) == receipt_of(twin, responses["b"])
    assert stored_comments(app) == 1
