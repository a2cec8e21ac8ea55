"""What identifies a person stays on the staff side: contact details, and every word a
moderator hid, in the comment and in everything derived from it."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import comment_receipt, csrf_token_from, look_up_receipt, post_form, set_period

from portal.extensions import db
from portal.i18n import LOCALES
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


# --- hidden words reach every text derived from the comment ------------------------------------

PLANTED = ("Mary Johnson", "555-0199", "mary.johnson@example.com")
ENGLISH = (
    "My name is Mary Johnson. Call me at 555-0199 or write to mary.johnson@example.com. "
    "Please open the library on Sundays."
)
JAPANESE = (
    "私の名前はMary Johnsonです。555-0199またはmary.johnson@example.comまでご連絡ください。"
    "日曜日にも図書館を開けてください。"
)


def _pdf_text(data: bytes, tmp_path, name: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is not installed: .ci/run installs it")
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _moderate_as_a_moderator_would(client, number: str) -> None:
    """Translate (the name, number and address appear in the translation too), hide them in the
    comment's body only, review the translation, approve, respond."""
    page = f"/staff/moderation/comments/{number}"

    def post(action, data):
        response = post_form(client, page, f"{page}/{action}", data)
        assert response.status_code in (303, 409), (action, response.status_code)
        return response

    post("translation", {"text": JAPANESE})
    spans = [f"{ENGLISH.index(word)}:{ENGLISH.index(word) + len(word)}:other" for word in PLANTED]
    token = csrf_token_from(client.get(page).text)
    hidden = client.post(
        f"{page}/redactions", data={"csrf_token": token, "field": "body", "span": spans}
    )
    assert hidden.status_code == 303
    post("translation/review", {})
    post("decide", {"decision": "approve", "version": _version(client, page)})
    post(
        "response",
        {
            "category": "for_reference",
            "text_ja": "日曜日の開館は今後の参考とします。",
            "translation": "We will consider opening on Sundays.",
        },
    )


def _version(client, page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', client.get(page).text)[1]


def test_words_hidden_in_the_comment_leave_through_no_output(
    app, client, submit, open_measure, login_as, tmp_path
):
    number, key = comment_receipt(submit, open_measure, body=ENGLISH, language="en")
    login_as("moderator")
    _moderate_as_a_moderator_would(client, number)
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=-1))
    login_as("admin")
    publish = "/staff/admin/measures/1-(1)/results/publish"
    assert post_form(client, publish, publish, {"confirm": "y"}).status_code == 302
    login_as("committee")

    outputs: dict[str, str] = {}
    for query in ("measure=1-1", "measure=1-1&encoding=cp932"):
        response = client.get(f"/staff/committee/export/csv?{query}")
        outputs[f"committee CSV {query}"] = response.data.decode(
            "cp932" if "cp932" in query else "utf-8-sig"
        )
    outputs["committee JSON"] = client.get("/staff/committee/export/json?measure=1-1").text
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/staff/committee/export/xlsx?measure=1-1").data)
    )
    outputs["committee XLSX"] = "\n".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    outputs["committee PDF"] = _pdf_text(
        client.get("/staff/committee/export/pdf?measure=1-1").data, tmp_path, "committee.pdf"
    )
    for path in (
        "/staff/committee/",
        "/staff/committee/measures/1-1",
        "/staff/committee/areas/1",
        "/staff/committee/comments?measure=1-1&state=published",
        "/staff/committee/terms?measure=1-1&term=図書館",
    ):
        outputs[f"committee page {path}"] = client.get(path).text
    for locale in LOCALES:
        for suffix in ("", "/comments"):
            path = f"/{locale.tag}/measures/1-1/results{suffix}"
            outputs[path] = client.get(path).text
        outputs[f"receipt page {locale.tag}"] = look_up_receipt(
            app.test_client(), number, key, lang=locale.tag
        ).text
    for tag in ("ja", "en"):
        outputs[f"results PDF {tag}"] = _pdf_text(
            client.get(f"/{tag}/measures/1-1/results.pdf").data, tmp_path, f"results-{tag}.pdf"
        )
    outputs["results CSV"] = client.get("/ja/measures/1-1/results.csv").data.decode("utf-8-sig")
    outputs["results JSON"] = client.get("/ja/measures/1-1/results.json").text

    leaks = {where: [word for word in PLANTED if word in text] for where, text in outputs.items()}
    assert not {where: words for where, words in leaks.items() if words}
    assert len(outputs) == 41
    # and the comment is there (the overview shows figures only), its translation too where
    # a translation is shown
    for where, text in outputs.items():
        assert "Sundays" in text or "日曜日" in text or where.endswith("/committee/"), where
    for where in ("committee CSV measure=1-1", "committee JSON", "committee XLSX"):
        assert "日曜日にも図書館を開けてください。" in outputs[where]
    assert "日曜日にも図書館を開けてください。" in outputs["/en/measures/1-1/results/comments"]


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
