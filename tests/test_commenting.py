"""A resident comments on an open measure, and every way that can go wrong."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import KEY, RECEIPT, csrf_token_from, set_period, valid_comment
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Comment, ContactDetails

PORTUGUESE = "A prefeitura deveria oferecer informações em português nos balcões de atendimento."
NEPALI = "नगरपालिकाको सेवा सुधार गर्नुहोस्। विदेशी नागरिकका लागि जानकारी नेपाली भाषामा पनि दिनुहोस्।"


def _comments(app):
    with app.app_context():
        return db.session.scalars(sa.select(Comment)).all()


def _refused(app, response, message: str) -> str:
    """The page of a refused comment: answered 422 with `message`, and nothing stored."""
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert _comments(app) == []
    return page


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("行政運営の効率化に賛成します。窓口の待ち時間を短くしてください。", "ja"),
        (PORTUGUESE, "pt-BR"),
        (NEPALI, "ne"),
    ],
)
def test_resident_gets_receipt_after_commenting(app, submit, open_measure, body, language):
    response = submit(open_measure, body=body, language=language)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert RECEIPT.search(page)
    assert KEY.search(page)
    assert body in page
    [comment] = _comments(app)
    assert comment.body == body
    assert comment.declared_language == language
    assert comment.receipt_number == RECEIPT.search(page)[0]
    assert comment.status == "received"


def test_receipt_page_is_shown_once(client, submit, open_measure):
    submit(open_measure)
    again = client.get("/ja/receipts/new")
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/ja/receipts")


def test_receipt_numbers_are_unique_and_sequential(app, submit, open_measure):
    for _ in range(3):
        submit(open_measure)
    numbers = [c.receipt_number for c in _comments(app)]
    assert len(set(numbers)) == 3
    assert all(RECEIPT.fullmatch(number) for number in numbers)


def test_easy_japanese_page_preselects_japanese(app, client, open_measure):
    page = client.get("/ja-x-easy/measures/1-1").get_data(as_text=True)
    assert '<option selected value="ja">' in page
    assert 'value="ja-x-easy"' not in page


def test_odd_accept_language_headers_do_not_break_anything(client):
    for header in ("*", ";;;q=abc", "x" * 5000, "ja;q=2, en;q=-1", "\u202e"):
        response = client.get("/", headers={"Accept-Language": header})
        assert response.status_code == 302
    assert client.get("/ja-x-easy-evil/").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["lang_code=x", "slug=9-9", "_external=1&_scheme=javascript", "_anchor=x", "_method=POST"],
)
def test_hostile_query_strings_change_nothing(client, query):
    for path in ("/en/", "/en/measures/1-1", "/en/receipts", "/en/privacy"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "javascript:" not in page
        assert 'href="/vi' + path[3:] + '"' in page


def test_form_starts_in_the_page_language(app, client):
    set_period(app, "1-(1)", -timedelta(days=1), timedelta(days=5))
    page = client.get("/vi/measures/1-1").get_data(as_text=True)
    assert re.search(r'<option selected value="vi">', page)


@pytest.mark.parametrize("body", ["", "   \n\t  ", "\u3000\u3000", "\x00\x01\x02"])
def test_empty_comment_is_refused_with_form_kept(app, submit, open_measure, body):
    response = submit(open_measure.replace("/ja/", "/en/"), body=body, name="山田太郎")
    page = _refused(app, response, "Please write your comment.")
    assert 'value="山田太郎"' in page


def test_too_long_comment_is_refused_and_kept(app, submit, open_measure):
    body = "あ" * 10_001
    response = submit(open_measure.replace("/ja/", "/en/"), body=body)
    page = _refused(app, response, "Your comment has 10001 characters; the limit is 10000.")
    assert body in page
    assert "10,001 of 10,000 characters" in page


def test_comment_at_the_limit_is_accepted(app, submit, open_measure):
    assert submit(open_measure, body="a" * 10_000).status_code == 200
    assert len(_comments(app)[0].body) == 10_000


def test_missing_consent_is_refused_with_text_kept(app, submit, open_measure):
    response = submit("/en/measures/1-1", body="Keep this text please", consent=None)
    html = _refused(app, response, "Please agree to the privacy notice to send your comment.")
    assert "Keep this text please" in html


def test_missing_connection_to_city_is_refused(app, submit, open_measure):
    response = submit("/en/measures/1-1", respondent_type="")
    assert response.status_code == 422
    assert "Please choose how you are connected to the city." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field", ["respondent_type", "language", "age_band", "district", "position"]
)
def test_forged_choices_are_refused(app, submit, open_measure, field):
    response = submit("/en/measures/1-1", **{field: "<script>x</script>"})
    page = _refused(app, response, "Please choose one of the options.")
    assert "<script>x</script>" not in page


def test_bad_email_and_phone_are_explained(app, submit, open_measure):
    response = submit("/en/measures/1-1", email="not-an-address", phone="call me maybe")
    page = response.get_data(as_text=True)
    assert "Please check the email address" in page
    assert "Please check the phone number" in page
    assert _comments(app) == []


@pytest.mark.parametrize(
    ("opens_in", "closes_in"),
    [
        (-timedelta(days=40), -timedelta(seconds=1)),  # closed while the resident was typing
        (timedelta(days=2), timedelta(days=32)),  # not open yet
    ],
    ids=["closed", "upcoming"],
)
def test_measure_not_open_refuses_comment_and_keeps_text(
    app, client, open_measure, opens_in, closes_in
):
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    set_period(app, "1-(1)", opens_in, closes_in)
    data = valid_comment(body="Written while it was open", csrf_token=csrf_token_from(page))
    response = client.post("/en/measures/1-1", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This measure is not open for comments, so your comment was not sent." in html
    assert "Written while it was open" in html
    assert _comments(app) == []


def test_missing_csrf_token_keeps_text_and_asks_to_resubmit(app, client, open_measure):
    client.get("/en/measures/1-1")
    response = client.post("/en/measures/1-1", data=valid_comment(body="My careful comment"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "this form had expired. Nothing was sent." in html
    assert "My careful comment" in html
    assert 'name="csrf_token"' in html
    assert _comments(app) == []


def test_stale_csrf_token_from_another_session_is_refused(app, open_measure):
    other_browser = app.test_client()
    token = csrf_token_from(other_browser.get("/en/measures/1-1").get_data(as_text=True))
    resident = app.test_client()
    resident.get("/en/measures/1-1")
    data = valid_comment(body="Typed before the session expired", csrf_token=token)
    response = resident.post("/en/measures/1-1", data=data)
    assert response.status_code == 400
    assert "Typed before the session expired" in response.get_data(as_text=True)
    assert _comments(app) == []


def test_resubmitting_after_csrf_failure_works(app, client, open_measure):
    client.get("/en/measures/1-1")
    retry_page = client.post("/en/measures/1-1", data=valid_comment(body="Second try"))
    data = valid_comment(
        body="Second try", csrf_token=csrf_token_from(retry_page.get_data(as_text=True))
    )
    response = client.post("/en/measures/1-1", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert RECEIPT.search(response.get_data(as_text=True))


def test_unknown_locale_gives_404_in_browser_language(client):
    response = client.get("/xx/measures/1-1", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert '<html lang="en">' in page


def test_unknown_measure_gives_404_in_page_language(client):
    response = client.get("/en/measures/7-1")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.get("/en/measures/not-a-code").status_code == 404


def test_database_failure_shows_error_keeps_text_and_gives_no_receipt(
    app, client, open_measure, monkeypatch
):
    page = client.get("/en/measures/1-1").get_data(as_text=True)

    def failing_commit():
        raise OperationalError("INSERT INTO comments", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    data = valid_comment(body="Please keep my words", csrf_token=csrf_token_from(page))
    response = client.post("/en/measures/1-1", data=data)
    html = response.get_data(as_text=True)
    monkeypatch.undo()
    assert response.status_code == 503
    assert "your comment could not be saved" in html
    assert "Please keep my words" in html
    assert not RECEIPT.search(html)
    assert client.get("/en/receipts/new").status_code == 302
    assert _comments(app) == []


class TestHostileInput:
    """Hostile text is stored inert and shown escaped."""

    def test_script_is_shown_as_text(self, app, submit, open_measure):
        body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        page = submit(open_measure, body=body).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        assert _comments(app)[0].body == body

    def test_null_bytes_controls_and_bidi_overrides_are_removed(self, app, submit, open_measure):
        body = "abc\x00def\x07 \u202egnp.exe\u202c ok\r\nnext line"
        submit(open_measure, body=body)
        assert _comments(app)[0].body == "abcdef gnp.exe ok\nnext line"

    def test_invalid_utf8_is_replaced_not_crashing(self, app, client, open_measure):
        page = client.get(open_measure).get_data(as_text=True)
        token = csrf_token_from(page)
        raw = (
            b"body=caf%C3%A9+%FF%FE+bad&language=ja&respondent_type=lives&consent=y&csrf_token="
            + token.encode()
        )
        response = client.post(
            open_measure,
            data=raw,
            content_type="application/x-www-form-urlencoded",
            follow_redirects=True,
        )
        assert response.status_code == 200
        stored = _comments(app)[0].body
        assert stored.startswith("café")
        assert stored.endswith("bad")

    def test_one_megabyte_body_is_refused_politely(self, app, client, open_measure):
        page = client.get("/en/measures/1-1").get_data(as_text=True)
        data = valid_comment(body="x" * (1024 * 1024), csrf_token=csrf_token_from(page))
        response = client.post("/en/measures/1-1", data=data)
        assert response.status_code == 413
        assert "What you sent is too large" in response.get_data(as_text=True)
        assert _comments(app) == []

    def test_contact_fields_with_markup_are_stored_as_text(self, app, submit, open_measure):
        submit(open_measure, name="<b>Bob</b>\nSmith", address="1-2-3 <i>Isesaki</i>")
        with app.app_context():
            contact = db.session.scalars(sa.select(ContactDetails)).one()
            assert contact.name == "<b>Bob</b> Smith"
