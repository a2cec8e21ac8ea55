"""Comments that arrive by post, fax, email or at the counter, and the scans kept with them."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models import AuditRecord, Comment, ContactDetails, Measure
from portal.models.moderation import CommentAttachment

PAPER = "/staff/moderation/paper"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"PORTAL_UPLOAD_DIR": str(tmp_path / "uploads")}


def _fields(**overrides):
    data = {
        "measure": "1-(1)",
        "channel": "post",
        "received_on": utcnow().astimezone(JAPAN).date().isoformat(),
        "body": "郵便で意見を送ります。窓口の混雑を解消してください。",
        "language": "ja",
        "respondent_type": "lives",
        "name": "伊勢崎太郎",
        "address": "",
        "email": "",
        "phone": "0270-24-5111",
    }
    data.update(overrides)
    return data


def _enter(client, scan=None, **overrides):
    token = csrf_token_from(client.get(PAPER).get_data(as_text=True))
    data = {"csrf_token": token, **_fields(**overrides)}
    if scan is not None:
        data["scan"] = FileStorage(io.BytesIO(scan[1]), filename=scan[0])
    # Encoded in memory: the test client's own encoder spools large bodies to a temporary
    # file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(PAPER, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def _closing_yesterday(app):
    """Measure 1-(1) closed at the end of yesterday (Japan time)."""
    today = utcnow().astimezone(JAPAN).replace(hour=0, minute=0, second=0, microsecond=0)
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        measure.opens_at, measure.closes_at = today - timedelta(days=40), today
        measure.results_published_at = None
        db.session.commit()
    return (today - timedelta(days=1)).date(), today.date()


def test_paper_entry_needs_a_moderator(client, login_as):
    anonymous = client.get(PAPER)
    assert anonymous.status_code == 302
    assert "/staff/login" in anonymous.location
    login_as("committee")
    assert client.get(PAPER).status_code == 403


def test_paper_comment_gets_a_receipt_and_joins_the_queue(app, client, login_as, open_measure):
    login_as("moderator")
    response = _enter(client)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    number = re.search(r"PC-\d{4}-\d{6}", page)[0]
    assert "Post" in page
    assert re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", page)  # key shown once to post it
    assert not re.search(
        r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", client.get(response.location).get_data(as_text=True)
    )
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert comment.channel == "post"
        assert comment.status == "received"
        contact = db.session.scalar(sa.select(ContactDetails))
        assert contact.name == "伊勢崎太郎"
        assert contact.phone == "0270-24-5111"
        record = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "paper_comment_entered")
        )
        assert record.object_id == number
        assert "伊勢崎太郎" not in record.details
        assert "0270" not in record.details


def test_letter_received_on_the_closing_day_is_accepted_after_the_period(app, client, login_as):
    closing_day, _today = _closing_yesterday(app)
    login_as("moderator")
    response = _enter(client, received_on=closing_day.isoformat(), channel="fax")
    assert response.status_code == 303
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment))
        assert comment.received_at.astimezone(JAPAN).date() == closing_day
        assert comment.channel == "fax"


def test_letter_received_after_the_closing_day_is_refused_and_nothing_is_lost(
    app, client, login_as
):
    _closing_day, today = _closing_yesterday(app)
    login_as("moderator")
    response = _enter(client, received_on=today.isoformat())
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "not open for comments" in page
    assert "郵便で意見を送ります。" in page
    assert "伊勢崎太郎" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_a_date_in_the_future_is_refused(app, client, login_as, open_measure):
    login_as("moderator")
    tomorrow = (utcnow().astimezone(JAPAN) + timedelta(days=1)).date()
    assert _enter(client, received_on=tomorrow.isoformat()).status_code == 409


def test_scan_is_kept_outside_the_web_root_and_served_only_as_a_download(
    app, client, login_as, open_measure, make_staff
):
    login_as("moderator")
    response = _enter(client, scan=("letter.pdf", PDF))
    assert response.status_code == 303
    with app.app_context():
        item = db.session.scalar(sa.select(CommentAttachment))
        stored = Path(app.config["PORTAL_UPLOAD_DIR"]) / item.storage_name
        assert stored.read_bytes() == PDF
        assert "letter" not in item.storage_name
        assert item.content_type == "application/pdf"
        attachment_id = item.id
    page = client.get(response.location).get_data(as_text=True)
    assert f"/staff/moderation/attachments/{attachment_id}" in page
    download = client.get(f"/staff/moderation/attachments/{attachment_id}")
    content = download.data
    download.close()
    assert download.status_code == 200
    assert content == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)))
    assert actions[-3:] == ["paper_comment_entered", "attachment_uploaded", "attachment_downloaded"]
    committee = app.test_client()
    from conftest import staff_login

    staff_login(committee, make_staff("committee")["email"])
    assert committee.get(f"/staff/moderation/attachments/{attachment_id}").status_code == 403
    resident = app.test_client()
    assert resident.get(f"/staff/moderation/attachments/{attachment_id}").status_code == 302


def test_scan_downloads_under_the_type_its_bytes_show_not_its_uploaded_name(
    app, client, login_as, open_measure
):
    login_as("moderator")
    response = _enter(client, scan=("letter.html", PNG))
    assert response.status_code == 303
    with app.app_context():
        item = db.session.scalar(sa.select(CommentAttachment))
        receipt = db.session.get(Comment, item.comment_id).receipt_number
    download = client.get(f"/staff/moderation/attachments/{item.id}")
    download.close()
    assert download.headers["Content-Type"] == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=scan-{receipt}.png"
    assert "html" not in disposition
    # The uploaded name is still shown to staff on the comment's page, as text.
    assert "letter.html" in client.get(response.location).text


def test_png_scan_is_accepted(app, client, login_as, open_measure):
    login_as("moderator")
    assert _enter(client, scan=("scan.png", PNG)).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(CommentAttachment.content_type)) == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", b"#!/bin/sh\nrm -rf /\n", "must be a PDF, JPEG or PNG"),
        ("letter.pdf", b"<script>alert(1)</script>", "must be a PDF, JPEG or PNG"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_bad_scans_are_refused_and_the_text_is_kept(
    app, client, login_as, open_measure, name, content, message
):
    login_as("moderator")
    response = _enter(client, scan=(name, content))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "郵便で意見を送ります。" in page
    assert "choose the scan again" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentAttachment)) == 0
    upload_dir = Path(app.config["PORTAL_UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_scan_of_exactly_10_mb_is_accepted(app, client, login_as, open_measure):
    login_as("moderator")
    content = b"%PDF-" + b"0" * (10 * 1024 * 1024 - 5)
    assert _enter(client, scan=("big.pdf", content)).status_code == 303


def test_residents_form_keeps_its_small_request_limit(client, open_measure):
    response = client.post(open_measure, data={"body": "x" * (600 * 1024)})
    assert response.status_code == 413


def test_missing_fields_are_reported(app, client, login_as, open_measure):
    login_as("moderator")
    response = _enter(client, body="", received_on="")
    assert response.status_code == 422
    assert "伊勢崎太郎" in response.get_data(as_text=True)
