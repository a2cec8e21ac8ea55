"""Drafts of 意見の要旨: offered on the comment page, never saved or published by themselves."""

from __future__ import annotations

import re

import sqlalchemy as sa
from conftest import comment_receipt, csrf_token_from

from portal.extensions import db
from portal.models import Comment
from portal.models.moderation import CityResponse
from portal.services.moderation import summary_drafts

LETTER = (
    "いつもお世話になっております。コミュニティバスの本数が少なすぎます。"
    "一時間に一本では病院の予約に間に合いません。高齢者は車を運転できないので、"
    "コミュニティバスの増便をお願いします。よろしくお願いします。"
)


def test_a_draft_keeps_the_sentences_that_stand_for_the_comment_in_order():
    draft = summary_drafts.draft(LETTER)
    assert "コミュニティバス" in draft
    assert "いつもお世話" not in draft  # a greeting shares no words with the rest
    assert len(draft) <= len(LETTER)
    kept = summary_drafts.sentences(draft)
    order = [LETTER.index(s) for s in kept]
    assert order == sorted(order)


def test_a_hidden_word_never_reaches_a_draft(app, submit, open_measure):
    number, _key = comment_receipt(
        submit, open_measure, body="山田太郎です。駅の駐輪場を増やしてください。駐輪場が満車です。"
    )
    with app.app_context():
        from portal.models import Redaction

        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        db.session.add(Redaction(comment_id=comment.id, field="body", start=0, end=4, kind="name"))
        db.session.commit()
        draft = summary_drafts.draft_for(comment)
    assert "山田" not in draft
    assert "駐輪場" in draft


def test_use_the_draft_fills_the_summary_field_and_saves_nothing(
    app, client, login_as, submit, open_measure
):
    number, _key = comment_receipt(submit, open_measure, body=LETTER)
    login_as("moderator")
    page = f"/staff/moderation/comments/{number}"
    before = client.get(page).text
    version = re.search(r'name="version" value="(\d+)"', before)[1]
    decided = client.post(
        f"{page}/decide",
        data={"csrf_token": csrf_token_from(before), "decision": "approve", "version": version},
    )
    assert decided.status_code == 303
    shown = client.get(page).text
    assert "Use the draft" in shown
    filled = client.get(f"{page}?draft=summary").text
    field = re.search(r'<textarea[^>]*name="pass-summary"[^>]*>(.*?)</textarea>', filled, re.S)[1]
    assert "コミュニティバス" in field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CityResponse)) == 0
