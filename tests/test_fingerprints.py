"""Fingerprints: the receipt shows the text as received, the annex the text as published; equal
when nothing was withheld; never published for a text with a withheld part, because a short
withheld part is found again by trying every value."""

from __future__ import annotations

import itertools
import json
import re

import sqlalchemy as sa
from api_conformance import PHONE, publish_sample_results
from conftest import comment_receipt, look_up_receipt

from portal.extensions import db
from portal.models import Comment
from portal.models.moderation import Redaction
from portal.services.disclosure.fingerprint import fingerprint

FINGERPRINT = re.compile(r'<code class="fingerprint" translate="no">([0-9a-f ]{19})</code>')


def test_the_receipt_and_the_annex_show_the_same_fingerprint(app, client, submit, open_measure):
    number, key = comment_receipt(
        submit, "/en/measures/1-1", body="Please open the counters on Saturdays."
    )
    received = FINGERPRINT.search(look_up_receipt(client, number, key).text)[1]
    assert received == fingerprint("Please open the counters on Saturdays.")
    # published (with the sample's other comments) with nothing withheld
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        comment_id = comment.id
    publish_sample_results(app)
    annex = client.get("/en/measures/1-1/results/comments").text
    assert received in FINGERPRINT.findall(annex)
    assert comment_id


def test_a_text_with_a_withheld_part_has_no_public_fingerprint(app, client):
    publish_sample_results(app)
    with app.app_context():
        redacted = db.session.scalar(sa.select(Redaction))
        original = db.session.get(Comment, redacted.comment_id).body
    secret = fingerprint(original)
    annex = client.get("/ja/measures/1-1/results/comments").text
    assert "fingerprint-withheld" not in annex
    assert "annex-withheld" in annex
    open_data = client.get("/ja/measures/1-1/results.json").text
    api = client.get("/api/v1/consultations/1-1/results/comments?limit=200").text
    for public in (annex, open_data, api):
        assert secret not in public
    withheld = [c for c in json.loads(open_data)["comments"] if c["withheld"]]
    assert [c["fingerprint"] for c in withheld] == [None]


def test_a_short_withheld_part_is_found_again_from_a_fingerprint():
    """Why the rule exists: the published text plus a fingerprint of the original give the
    withheld phone number back by trying every value (here the last four digits: 10,000
    tries), and a name from a short list in a handful."""
    original = f"窓口の待ち時間を短くしてください。電話は{PHONE}です。"
    published = original.replace(PHONE, "[非公開]")
    leaked = fingerprint(original)
    prefix = PHONE[:-4]
    found = [
        guess
        for digits in itertools.product("0123456789", repeat=4)
        if fingerprint(published.replace("[非公開]", guess := prefix + "".join(digits))) == leaked
    ]
    assert found == [PHONE]
    names = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
    text = "担当の田中さんの対応が悪かったです。"
    hidden = text.replace("田中", "[非公開]")
    assert [
        n for n in names if fingerprint(hidden.replace("[非公開]", n)) == fingerprint(text)
    ] == ["田中"]


def test_the_author_no_longer_sees_the_fingerprint_once_part_is_withheld(
    app, client, submit, open_measure
):
    body = "電話は090-1111-2222です。窓口を増やしてください。"
    number, key = comment_receipt(submit, "/en/measures/1-1", body=body)
    assert fingerprint(body) in look_up_receipt(client, number, key).text
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        db.session.add(
            Redaction(comment_id=comment.id, field="body", start=3, end=16, kind="phone")
        )
        db.session.commit()
    page = look_up_receipt(client, number, key).text
    assert fingerprint(body) not in page
    assert "fingerprint-withheld" in page
