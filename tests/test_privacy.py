"""Contact details stay on the staff side."""

import sqlalchemy as sa
from conftest import csrf_token_from

from portal.extensions import db
from portal.models import Comment, ContactDetails

CONTACT = {
    "name": "伊勢崎花子",
    "address": "群馬県伊勢崎市今泉町二丁目410",
    "email": "hanako@example.jp",
    "phone": "0270-24-5111",
}


def test_contact_details_are_stored_apart_from_the_comment(app, submit, open_measure):
    submit(open_measure, **CONTACT)
    with app.app_context():
        contact = db.session.scalars(sa.select(ContactDetails)).one()
        assert (contact.name, contact.address, contact.email, contact.phone) == tuple(
            CONTACT.values()
        )
        comment = db.session.scalars(sa.select(Comment)).one()
        assert contact.comment_id == comment.id
        assert not any(value in (comment.body or "") for value in CONTACT.values())


def test_no_contact_row_when_none_given(app, submit, open_measure):
    submit(open_measure)
    with app.app_context():
        assert db.session.scalars(sa.select(ContactDetails)).all() == []


def test_contact_details_never_appear_on_public_pages(app, client, submit, open_measure):
    receipt_page = submit(open_measure, **CONTACT).get_data(as_text=True)
    number = receipt_page.split("PC-", 1)[1][:11]
    key_start = receipt_page.index('class="access-key">') + len('class="access-key">')
    key = receipt_page[key_start : key_start + 14]
    lookup_form = client.get("/ja/receipts").get_data(as_text=True)
    status_page = client.post(
        "/ja/receipts",
        data={
            "receipt_number": "PC-" + number,
            "access_key": key,
            "csrf_token": csrf_token_from(lookup_form),
        },
    ).get_data(as_text=True)
    assert "行政運営の効率化に賛成します" in status_page
    pages = [receipt_page, status_page] + [
        client.get(path).get_data(as_text=True)
        for path in ("/ja/", "/en/", open_measure, "/en/measures/1-1", "/ja/privacy")
    ]
    for page in pages:
        for value in CONTACT.values():
            assert value not in page


def test_city_can_require_name_and_address(app_config, app, client, submit, open_measure):
    app.config["PORTAL_REQUIRE_CONTACT"] = True
    response = submit("/en/measures/1-1", body="My view")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter your name. It will not be published." in page
    assert "Please enter your address. It will not be published." in page
    assert "(name and address required)" in page
    ok = submit("/en/measures/1-1", body="My view", name="Ana Souza", address="Isesaki")
    assert ok.status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(ContactDetails)).one().name == "Ana Souza"


def test_contact_optional_by_default(client, open_measure):
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    assert "(optional)" in page
    assert "They are never published" in page


def test_planted_contact_details_reach_neither_the_mail_log_nor_the_api(
    app, client, make_staff, open_measure
):
    """A comment with every contact detail and a notice subscription goes through publication
    and its notice: nothing of the contact details is in the record of sent mail, the read
    API or the feeds."""
    from mailserver import smtp_server
    from test_notices import approve_answer_and_publish

    from portal.models.notices import MailDelivery

    with smtp_server() as (inbox, port):
        app.config.update(
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=port,
            PORTAL_SMTP_STARTTLS=False,
            PORTAL_MAIL_SENDING="inline",
        )
        page = client.get("/ja/measures/1-1").get_data(as_text=True)
        client.post(
            "/ja/measures/1-1",
            data={
                "body": "窓口の待ち時間を短くしてください。",
                "language": "ja",
                "respondent_type": "lives",
                "consent": "y",
                "notify_results": "y",
                "csrf_token": csrf_token_from(page),
                **CONTACT,
            },
        )
        approve_answer_and_publish(app, make_staff)
        assert len(inbox.wait_for(1)) == 1
    with app.app_context():
        log_rows = [
            {column.name: getattr(row, column.name) for column in MailDelivery.__table__.columns}
            for row in db.session.scalars(sa.select(MailDelivery))
        ]
    assert len(log_rows) == 1
    outputs = [repr(log_rows)] + [
        client.get(path).get_data(as_text=True)
        for path in (
            "/api/v1/consultations?limit=200",
            "/api/v1/consultations/1-1",
            "/api/v1/consultations/1-1/results",
            "/api/v1/consultations/1-1/results/rows",
            "/api/v1/consultations/1-1/results/comments",
            "/ja/feeds/all.atom",
            "/ja/measures/1-1/results.json",
        )
    ]
    for output in outputs:
        for value in CONTACT.values():
            assert value not in output
