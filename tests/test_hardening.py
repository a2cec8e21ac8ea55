"""Findings of the security evaluation: each one, seen from outside, stays fixed."""

import logging

import sqlalchemy as sa
from conftest import csrf_token_from, valid_comment

from portal.extensions import db
from portal.logs import portal_handler
from portal.models import Comment
from portal.models.comments import hash_access_key


def _count_comments(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Comment))


# Finding 6: requests that gave a 500 with a traceback.


def test_odd_measure_addresses_are_a_plain_not_found(client):
    slugs = [
        "%C2%B2-1",
        "1-%E2%91%A0",
        "%EF%BC%91-1",
        "1-99999999999999999999",
        "9223372036854775808-1",
    ]
    for slug in slugs + ["2147483648-1", "1-00000000000000000001", "-1", "1-"]:
        response = client.get(f"/ja/measures/{slug}")
        assert response.status_code == 404, slug
        assert "ページが見つかりません" in response.get_data(as_text=True)


def test_comment_on_unknown_measure_without_token_is_not_found(client):
    response = client.post("/en/measures/99-99", data=valid_comment())
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_comment_on_unknown_measure_when_rate_limited_is_not_found(app, client):
    app.config["PORTAL_SUBMIT_LIMIT"] = "1 per minute"
    statuses = [client.post("/en/measures/99-98", data=valid_comment()).status_code for _ in "ab"]
    assert statuses == [404, 404]  # the second one is over the limit: still a plain 404


def test_strange_receipt_numbers_are_not_found(client):
    page = client.get("/en/receipts").get_data(as_text=True)
    token = csrf_token_from(page)
    for number in ["PC-2026-\x00000001", "PC\x00", "PC-2026-ÿÿÿ", "①②③", "x" * 5000]:
        lookup = client.post(
            "/en/receipts",
            data={"receipt_number": number, "access_key": "AAAA-BBBB-CCCC", "csrf_token": token},
        )
        assert lookup.status_code == 404, repr(number)
        withdraw = client.post(
            "/en/receipts/withdraw",
            data={"receipt_number": number, "access_key": "AAAA\x00", "csrf_token": token},
        )
        assert withdraw.status_code == 404, repr(number)


def test_invalid_bytes_in_a_receipt_number_are_not_found(client):
    page = client.get("/en/receipts").get_data(as_text=True)
    body = (
        b"receipt_number=PC-2026-%00%FF%FE&access_key=%C0%AF&csrf_token="
        + csrf_token_from(page).encode()
    )
    for path in ("/en/receipts", "/en/receipts/withdraw"):
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 404


# Finding 9: pages that refill contact details must not be kept by any cache.


def test_refused_comment_pages_are_not_cached(app, client, submit, open_measure):
    refused = submit(open_measure, name="伊勢崎花子", consent=None)
    assert refused.status_code == 422
    assert refused.headers["Cache-Control"] == "no-store"
    no_token = client.post(open_measure, data=valid_comment(name="伊勢崎花子"))
    assert no_token.status_code == 400
    assert no_token.headers["Cache-Control"] == "no-store"


def test_held_back_comment_page_is_not_cached(app, submit, open_measure):
    app.config["PORTAL_SUBMIT_LIMIT"] = "1 per minute"
    submit(open_measure)
    held_back = submit(open_measure, name="伊勢崎花子")
    assert held_back.status_code == 429
    assert held_back.headers["Cache-Control"] == "no-store"


def test_every_page_with_a_form_is_not_cached(client, open_measure):
    for path in (open_measure, "/en/receipts"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_reading_pages_without_forms_may_be_cached(client):
    assert "no-store" not in client.get("/en/privacy").headers.get("Cache-Control", "")


# Finding 10: smaller ones.


def test_head_on_a_measure_sends_nothing(app, client, open_measure):
    response = client.head(open_measure)
    assert response.status_code == 200
    assert _count_comments(app) == 0


def test_pages_carry_a_permissions_policy(client):
    policy = client.get("/ja/").headers["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy


def test_hsts_only_in_production(client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/ja/privacy").headers
    from portal import create_app

    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-key")
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "localhost")
    monkeypatch.setenv("PORTAL_AUDIT_KEY", "a-long-random-audit-key-kept-outside-the-database")
    production = create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    headers = production.test_client().get("/ja/privacy").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


# Findings 1 and 7: the log holds no personal data and no forged lines.

CONTACT = {
    "name": "伊勢崎花子",
    "address": "群馬県伊勢崎市今泉町二丁目410",
    "email": "hanako@example.jp",
    "phone": "0270-24-5111",
}
KNOWN_KEY = "ABCD-EFGH-JKMN"


def _log_text(caplog) -> str:
    """Everything the portal's log handler would have written for the captured records."""
    handler = portal_handler()
    return "\n".join(
        [handler.format(record) for record in caplog.records]
        + [record.getMessage() for record in caplog.records]
    )


def test_failed_write_logs_no_comment_contact_or_key(
    app, submit, open_measure, caplog, monkeypatch
):
    monkeypatch.setattr("portal.services.resident.submission.new_access_key", lambda: KNOWN_KEY)
    body = "窓口の待ち時間について意見します。"
    with app.app_context():
        db.session.execute(sa.text("ALTER TABLE comment_contacts RENAME TO contacts_away"))
        db.session.commit()
    try:
        with caplog.at_level(logging.INFO):
            response = submit(open_measure, body=body, **CONTACT)
    finally:
        with app.app_context():
            db.session.execute(sa.text("ALTER TABLE contacts_away RENAME TO comment_contacts"))
            db.session.commit()
    assert response.status_code == 503
    assert body in response.get_data(as_text=True)
    logged = _log_text(caplog)
    assert "could not be stored" in logged
    assert "1-(1)" in logged
    for secret in [body, *CONTACT.values(), KNOWN_KEY, hash_access_key(KNOWN_KEY)]:
        assert secret not in logged
    assert _count_comments(app) == 0


def test_unexpected_error_logs_where_not_what(app, submit, open_measure, caplog, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = "この意見は記録に残してはいけません"

    def failing_detector(text):
        raise RuntimeError(f"cannot read {text!r}")

    monkeypatch.setattr("portal.services.resident.submission.has_visible_text", failing_detector)
    with caplog.at_level(logging.INFO):
        response = submit(open_measure, body=body, email="hanako@example.jp")
    assert response.status_code == 500
    logged = "\n".join(portal_handler().format(record) for record in caplog.records)
    assert "RuntimeError" in logged
    assert "failing_detector" in logged
    assert body not in logged
    assert "hanako@example.jp" not in logged


def test_line_breaks_in_a_path_cannot_forge_log_lines(client, caplog):
    forged = "1-1\n2026-12-01 09:00:00,000 INFO portal: comment PC-2026-000001 withdrawn"
    with caplog.at_level(logging.INFO):
        client.post("/en/measures/" + forged.replace("\n", "%0A").replace(" ", "%20"))
    lines = [portal_handler().format(record) for record in caplog.records]
    assert any("form token rejected" in line for line in lines)
    assert all("\n" not in line for line in lines)
    assert any("1-1\\n2026-12-01" in line for line in lines)


# Finding 10: what residents' text keeps.


def _stored_body(app) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(Comment.body)).one()


def test_comment_of_invisible_characters_only_is_refused(app, submit, open_measure):
    for invisible in ["\u200b\u200b", "\U000e0041\U000e0042\U000e007f", "\u2060 \ufeff\u3164"]:
        response = submit("/en/measures/1-1", body=invisible)
        assert response.status_code == 422
        assert "Please write your comment." in response.get_data(as_text=True)
    refused = submit("/vi/measures/1-1", body="\u200b")
    assert "Vui lòng" in refused.get_data(as_text=True)
    assert _count_comments(app) == 0


def test_emoji_sequences_with_invisible_joiners_are_kept(app, submit, open_measure):
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert submit(open_measure, body=f"賛成です{flag}{family}").status_code == 200
    assert _stored_body(app) == f"賛成です{flag}{family}"


def test_kanji_variants_are_kept_as_typed(app, submit, open_measure):
    # U+FA19 神 and U+F91D 欄 are compatibility ideographs: NFC would replace them.
    body = "\ufa19社の\uf91d干を直してください"
    assert submit(open_measure, body=body).status_code == 200
    assert _stored_body(app) == body


def test_accents_typed_separately_become_the_letter_they_look_like(app, submit, open_measure):
    assert submit("/vi/measures/1-1", body="Tie\u0302\u0301ng Vie\u0323\u0302t").status_code == 200
    assert _stored_body(app) == "Tiếng Việt"


def test_private_use_characters_are_refused_with_the_text_kept(app, submit, open_measure):
    body = "渡\ue000さんの件で意見します"
    response = submit("/en/measures/1-1", body=body, name="\ue001田")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # once beside each of the two fields, once in the error summary's link to each
    assert page.count("only your own device can show") == 4
    assert body in page
    assert _count_comments(app) == 0
    ja = submit(open_measure, body=body).get_data(as_text=True)
    assert "お使いの端末でしか表示できない文字" in ja


def test_privacy_notice_says_how_text_is_kept_in_every_language(client):
    expected = {
        "ja": "異体字",
        "en": "variant forms of kanji are kept",
        "vi": "ký tự dùng riêng",
        "ne": "निजी प्रयोगका अक्षरहरू",
    }
    for tag, words in expected.items():
        assert words in client.get(f"/{tag}/privacy").get_data(as_text=True), tag
