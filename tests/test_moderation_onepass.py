"""A moderator's one pass over a comment: decision, personal data, translation and the city's
response in one submit, saved responses that fill the response and its category, the "response
missing" filter, "save and next" within the queue's filter, and select-all on the queue."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from conftest import comment_receipt, csrf_token_from

from portal.extensions import db
from portal.models import AuditRecord, Comment
from portal.models.moderation import CityResponse, ModerationTemplate

QUEUE = "/staff/moderation/"


def _page(number, query=""):
    return f"/staff/moderation/comments/{number}" + (f"?{query}" if query else "")


def _pass(client, number, fields, act="approve", query=""):
    """Submit the one-pass form of the comment page (the values the page shows, then `fields`)."""
    page = client.get(_page(number, query)).text
    version = re.search(r'name="pass-version" value="(\d+)"', page)[1]
    data = {"pass-csrf_token": csrf_token_from(page), "pass-version": version, "act": act}
    data.update(fields)
    return client.post(_page(number) + "/pass" + (f"?{query}" if query else ""), data=data)


def _status(app, number):
    with app.app_context():
        return db.session.scalar(sa.select(Comment.status).where(Comment.receipt_number == number))


def _response(app, number):
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        row = db.session.scalar(
            sa.select(CityResponse).where(CityResponse.comment_id == comment.id)
        )
        return None if row is None else (row.category, row.text_ja, row.summary)


def _actions(app, number):
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditRecord.action)
                .where(AuditRecord.object_id == number)
                .order_by(AuditRecord.id)
            )
        )


@pytest.fixture
def plain(submit, open_measure):
    """Three plain Japanese comments, oldest first."""
    bodies = [
        "図書館の開館時間を延ばしてください。",
        "公園のベンチを増やしてほしいです。",
        "駅前の駐輪場が足りません。",
    ]
    return [comment_receipt(submit, open_measure, body=body)[0] for body in bodies]


@pytest.fixture
def saved_response(client, login_as):
    """A moderator, and a saved response carrying its category (今後の参考とする)."""
    login_as("moderator")
    page = client.get("/staff/moderation/templates").text
    created = client.post(
        "/staff/moderation/templates",
        data={
            "csrf_token": csrf_token_from(page),
            "kind": "response",
            "category": "for_reference",
            "title": "参考",
            "text": "ご意見は今後の参考とさせていただきます。",
        },
    )
    assert created.status_code == 303
    with client.application.app_context():
        return db.session.scalar(sa.select(ModerationTemplate.id))


def test_saved_response_is_used_when_the_field_is_left_empty_with_its_category(
    app, client, plain, saved_response
):
    number = plain[0]
    page = client.get(_page(number)).text
    # the browser no longer blocks the form: the response's field is not required
    text_field = re.search(r"<textarea[^>]*name=\"pass-text_ja\"[^>]*>", page)[0]
    assert "required" not in text_field
    assert "参考（今後の参考とする）" in page  # the saved text names its category
    answer = _pass(client, number, {"pass-template": str(saved_response)})
    assert answer.status_code == 303
    assert _status(app, number) == "published"
    assert _response(app, number) == (
        "for_reference",
        "ご意見は今後の参考とさせていただきます。",
        None,
    )


def test_typed_response_wins_over_the_saved_one(app, client, plain, saved_response):
    number = plain[0]
    answer = _pass(
        client,
        number,
        {
            "pass-template": str(saved_response),
            "pass-text_ja": "検討します。",
            "pass-category": "reflected",
        },
    )
    assert answer.status_code == 303
    assert _response(app, number) == ("reflected", "検討します。", None)


def test_response_without_text_or_saved_text_is_refused_clearly_and_nothing_is_lost(
    app, client, login_as, plain
):
    login_as("moderator")
    number = plain[0]
    hostile = "<script>alert('x')</script>要旨"
    answer = _pass(client, number, {"pass-summary": hostile, "pass-category": "reflected"})
    assert answer.status_code == 422
    assert "Write the city&#39;s response (市の考え方) or choose a saved response." in answer.text
    # what was typed comes back, escaped; the approval of the same submit was not made
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;要旨" in answer.text
    assert "<script>alert" not in answer.text
    assert _status(app, number) == "received"
    assert _response(app, number) is None
    assert "comment_approve" not in _actions(app, number)


def test_hostile_values_are_refused_without_a_change(app, client, login_as, plain):
    login_as("moderator")
    number = plain[0]
    too_long = _pass(client, number, {"pass-text_ja": "あ" * 5001, "pass-category": "reflected"})
    assert too_long.status_code == 422
    assert "Field cannot be longer than 5000 characters." in too_long.text
    assert _pass(client, number, {}, act="publish_everything").status_code == 400
    assert _pass(client, number, {"pd:1:x:name": "hide"}).status_code == 400
    stale = _pass(client, number, {"pass-version": "999"})
    assert stale.status_code == 409
    assert _status(app, number) == "received"


def test_decision_and_response_in_one_submit_are_two_audit_entries(app, client, login_as, plain):
    login_as("moderator")
    number = plain[0]
    answer = _pass(client, number, {"pass-text_ja": "検討します。", "pass-category": "reflected"})
    assert answer.status_code == 303
    assert _status(app, number) == "published"
    assert _actions(app, number)[-2:] == ["comment_approve", "response_written"]
    # the same values again change nothing: no empty "response changed" entry
    same = {"pass-text_ja": "検討します。", "pass-category": "reflected"}
    assert _pass(client, number, same, act="save").status_code == 303
    assert _actions(app, number)[-2:] == ["comment_approve", "response_written"]


def test_save_and_next_goes_to_the_next_comment_of_the_filter_and_keeps_it(
    app, client, login_as, plain
):
    login_as("moderator")
    filters = "state=received&order=oldest"
    queue = client.get(QUEUE + "?" + filters).text
    # the queue's links carry its filters to the comment page
    assert f'href="{_page(plain[0])}?' in queue
    page = client.get(_page(plain[0], filters)).text
    assert 'href="/staff/moderation/?state=received&amp;order=oldest"' in page
    assert f'href="{_page(plain[1])}?state=received&amp;order=oldest"' in page
    answer = _pass(
        client, plain[0], {"pass-text_ja": "検討します。", "pass-category": "reflected"},
        act="approve_next", query=filters,
    )  # fmt: skip
    assert answer.status_code == 303
    moved = urlsplit(answer.location)
    assert moved.path == _page(plain[1])
    assert parse_qs(moved.query) == {"state": ["received"], "order": ["oldest"]}
    # the last one of the filter leads back to the queue, filters kept
    last = _pass(client, plain[2], {}, act="approve_next", query=filters)
    assert urlsplit(last.location).path == QUEUE
    assert parse_qs(urlsplit(last.location).query) == {"state": ["received"], "order": ["oldest"]}


def test_response_missing_filter_lists_approved_comments_without_a_response(
    app, client, login_as, plain
):
    login_as("moderator")
    assert _pass(client, plain[0], {"pass-text_ja": "検討します。", "pass-category": "reflected"}).status_code == 303  # fmt: skip
    assert _pass(client, plain[1], {}).status_code == 303  # approved, no response
    listed = client.get(QUEUE + "?missing=y").text
    assert plain[1] in listed
    assert plain[0] not in listed  # answered
    assert plain[2] not in listed  # not approved


def test_all_in_this_filter_respects_the_approval_gate(
    app, client, login_as, plain, submit, open_measure
):
    with_phone = comment_receipt(submit, open_measure, body="電話は090-1234-5678です。")[0]
    login_as("moderator")
    queue = client.get(QUEUE + "?state=received").text
    assert "Apply to all 4 comments in this filter" in queue
    data = {
        "csrf_token": csrf_token_from(queue),
        "decision": "approve",
        "reason": "",
        "all_matching": "1",
    }
    refused = client.post(QUEUE + "?state=received", data=data)
    assert refused.status_code == 409
    assert with_phone in refused.text
    assert all(_status(app, number) == "received" for number in plain)
    client.post(QUEUE + "?state=received&q=図書館", data=data)  # one match: confirmation page
    confirm = client.post(QUEUE + "?state=received&q=図書館", data=data)
    assert "1 comment will be approved." in confirm.text
    ids = re.findall(r'name="ids" value="(\d+)"', confirm.text)
    done = client.post(
        QUEUE + "?state=received&q=図書館", data={**data, "confirmed": "1", "ids": ids}
    )
    assert done.status_code == 200
    assert _status(app, plain[0]) == "published"
    assert _status(app, plain[1]) == "received"


def test_one_pass_hides_and_keeps_personal_data_then_approves(
    app, client, login_as, submit, open_measure
):
    number = comment_receipt(
        submit, open_measure, body="隣の田中太郎さんが毎晩騒ぎます。私の電話は090-1234-5678です。"
    )[0]
    login_as("moderator")
    page = client.get(_page(number)).text
    keys = sorted(set(re.findall(r'name="pd:([^"]+)"', page)))
    assert len(keys) == 2
    choices = {f"pd:{key}": ("keep" if key.endswith(":name") else "hide") for key in keys}
    answer = _pass(client, number, choices, act="approve")
    assert answer.status_code == 303
    assert _status(app, number) == "published"
    assert {"redaction_added", "body_suggestions_kept", "comment_approve"} <= set(
        _actions(app, number)
    )


def test_saved_response_button_approves_answers_and_opens_the_next(
    app, client, plain, saved_response
):
    filters = "order=oldest&state=received"
    page = client.get(_page(plain[0], filters)).text
    assert f'name="quick" value="{saved_response}"' in page
    assert 'data-shortcut="1"' in page  # key 1 presses it
    answer = _pass(client, plain[0], {"quick": str(saved_response)}, act="save", query=filters)
    assert answer.status_code == 303
    assert urlsplit(answer.location).path == _page(plain[1])
    assert _status(app, plain[0]) == "published"
    assert _response(app, plain[0])[0] == "for_reference"


def test_results_draft_rows_and_blockers_link_to_their_comments(app, client, login_as, plain):
    login_as("moderator", "admin")
    for number in plain[:2]:
        assert _pass(client, number, {}).status_code == 303  # approved, no response yet
    draft = client.get("/staff/admin/measures/1-(1)/results").text
    for number in plain[:2]:
        assert f'href="{_page(number)}' in draft
    # the blocker "rows without a response" leads to those comments, and to the filter
    assert "/staff/moderation/?measure=1-(1)&amp;missing=y" in draft


def test_comment_page_lists_its_shortcuts_and_has_unique_ids(app, client, plain, saved_response):
    page = client.get(_page(plain[0], "state=received&order=oldest")).text
    for key in ("a", "s", "n", "q", "/", "1"):
        assert f'data-shortcut="{key}"' in page
    assert "Keyboard shortcuts" in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    queue = client.get(QUEUE).text
    assert 'data-shortcut="/"' in queue
    assert 'data-select-all="ids"' in queue
