"""Published results: an admin publishes once after the period, residents read them in their
language, with the full texts in an annex, a PDF and open data; nothing unapproved leaks."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, post_form, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.models import AuditRecord, Comment, Measure, StaffUser
from portal.models.moderation import (
    CampaignGroup,
    CityResponse,
    CommentMeasureLink,
    CommentTranslation,
    Redaction,
    ResultsCorrection,
)
from portal.services.moderation.decisions import decide
from portal.services.resident.submission import CommentInput, ContactInput, submit_comment

ADMIN_MEASURE = "/staff/admin/measures/1-(1)"  # a page with a CSRF token
HIDDEN_PHONE = "090-1234-5678"
REJECTED_TEXT = "この意見は広告なので公開されません。"
PENDING_TEXT = "まだ審査中の意見です。"
WITHDRAWN_TEXT = "取り下げた意見です。"
CONTACT = ContactInput(
    name="伊勢崎花子",
    address="群馬県伊勢崎市今泉町二丁目410",
    email="hanako@example.jp",
    phone="0270-24-5111",
)
CAMPAIGN_TEXT = "公共施設の統廃合に反対します。地域の声を聞いてください。"
RESPONSE_JA = "公共施設の再編は、地域の皆様のご意見を伺いながら進めます。"
RESPONSE_VI = "Thành phố sẽ sắp xếp lại các cơ sở công cộng sau khi lắng nghe ý kiến người dân."
VI_TEXT = "Xin hãy có thông tin bằng tiếng Việt ở quầy tiếp dân."
HIDDEN_NAME = "山田太郎"
VI_TRANSLATION = f"窓口でベトナム語の案内をしてください。担当の{HIDDEN_NAME}さんに話しました。"


@pytest.fixture
def app_config(tmp_path):
    """Drawn PDFs go to this test's own directory."""
    return {"PORTAL_RESULTS_PDF_CACHE": str(tmp_path / "pdf-cache")}


def _comment(measure, body, now, language="ja", contact=None):
    comment, key = submit_comment(
        measure,
        CommentInput(
            body=body,
            declared_language=language,
            respondent_type="lives",
            contact=contact or ContactInput(),
            age_band="30s",
            district="sakai",
        ),
        now,
    )
    return comment, key


def _redact(comment_id, field, text, hidden, kind):
    """Hide the words `hidden` of a comment's `field` (which reads `text`), as a moderator does."""
    start = text.index(hidden)
    db.session.add(
        Redaction(
            comment_id=comment_id, field=field, start=start, end=start + len(hidden), kind=kind
        )
    )


@pytest.fixture
def closed_measure(app, make_staff):
    """1-(1) after its period: approved comments (one with a hidden phone number, one in
    Vietnamese with a reviewed translation, a campaign of three), a rejected, a withdrawn and
    a comment from 1-(2) linked to 1-(1). Returns receipt data and the admin's id."""
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=5))
    set_period(app, "1-(2)", timedelta(days=-40), timedelta(days=5))
    moderator = make_staff("moderator")
    with app.app_context():
        actor = db.session.get(StaffUser, moderator["id"])
        now = utcnow()
        m1 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        m2 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(2)"))
        plain, plain_key = _comment(
            m1,
            f"窓口の待ち時間を短くしてください。電話は{HIDDEN_PHONE}です。",
            now,
            contact=CONTACT,
        )
        vietnamese, _ = _comment(m1, VI_TEXT, now, language="vi")
        campaign = [_comment(m1, CAMPAIGN_TEXT, now)[0] for _ in range(3)]
        rejected, _ = _comment(m1, REJECTED_TEXT, now, contact=CONTACT)
        withdrawn, _ = _comment(m1, WITHDRAWN_TEXT, now)
        linked, _ = _comment(m2, "二つの施策に関わる意見です。", now)
        db.session.flush()
        withdrawn.withdraw(now)
        for comment in [plain, vietnamese, *campaign, linked]:
            decide(comment, "approve", actor=actor, ip=None, now=now)
        decide(rejected, "reject", actor=actor, ip=None, now=now, reason="commercial")
        _redact(plain.id, "body", plain.body, HIDDEN_PHONE, "phone")
        db.session.add(
            CommentTranslation(comment_id=vietnamese.id, text=VI_TRANSLATION, reviewed_at=now)
        )
        _redact(vietnamese.id, "translation", VI_TRANSLATION, HIDDEN_NAME, "name")
        group = CampaignGroup(
            measure_id=m1.id, representative_comment_id=campaign[1].id, confirmed=True
        )
        db.session.add(group)
        db.session.flush()
        for member in campaign:
            member.group_id = group.id
        db.session.add_all(
            [
                CityResponse(
                    comment_id=plain.id,
                    category="reflected",
                    text_ja="土曜日の窓口開設を検討します。",
                ),
                CityResponse(
                    comment_id=vietnamese.id,
                    category="for_reference",
                    text_ja="多言語での案内を今後の参考とします。",
                ),
                CityResponse(
                    group_id=group.id,
                    category="not_reflected",
                    text_ja=RESPONSE_JA,
                    translation=RESPONSE_VI,
                    translation_language="vi",
                    summary="公共施設の統廃合に反対する意見",
                ),
                CityResponse(
                    comment_id=linked.id,
                    category="already_included",
                    text_ja="既に計画に盛り込まれています。",
                ),
                CommentMeasureLink(comment_id=linked.id, measure_id=m1.id),
            ]
        )
        db.session.commit()
        receipt = {"number": plain.receipt_number, "key": plain_key}
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=-1))
    set_period(app, "1-(2)", timedelta(days=-40), timedelta(days=-1))
    return receipt


def _publish(app, client, login_as):
    login_as("admin")
    page = "/staff/admin/measures/1-(1)/results/publish"
    response = post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    assert response.status_code == 302, response.text
    return response


def test_results_are_not_public_before_publication(client, closed_measure):
    for tag in ("ja", "en", "vi"):
        response = client.get(f"/{tag}/measures/1-1/results")
        assert response.status_code == 404
        assert CAMPAIGN_TEXT not in response.text
        assert "窓口の待ち時間" not in response.text
    assert "まだ公表されていません" in client.get("/ja/measures/1-1/results").text
    assert "have not been published yet" in client.get("/en/measures/1-1/results").text
    for suffix in ("/comments", ".pdf", ".csv", ".json"):
        assert client.get(f"/ja/measures/1-1/results{suffix}").status_code == 404


def test_admin_publishes_after_confirmation_and_it_is_audited(
    app, client, login_as, closed_measure
):
    login_as("admin")
    page = "/staff/admin/measures/1-(1)/results/publish"
    confirm = client.get(page)
    assert confirm.status_code == 200
    refused = post_form(client, ADMIN_MEASURE, page, {})
    assert refused.status_code == 422
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(Measure.results_published_at).where(Measure.code == "1-(1)")
            )
            is None
        )
    assert post_form(client, ADMIN_MEASURE, page, {"confirm": "y"}).status_code == 302
    with app.app_context():
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "results_published")
        ).one()
        assert record.object_id == "1-(1)"
        assert json.loads(record.details)["rows"] == 4
    again = post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    assert again.status_code == 409
    assert client.get("/ja/measures/1-1/results").status_code == 200


def test_results_cannot_be_published_while_the_period_is_open(
    app, client, login_as, closed_measure
):
    set_period(app, "1-(1)", timedelta(days=-40), timedelta(days=3))
    login_as("admin")
    page = "/staff/admin/measures/1-(1)/results/publish"
    response = post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    assert response.status_code == 409
    assert "closed" in response.text or "締め切" in response.text
    assert client.get("/en/measures/1-1/results").status_code == 404


def test_results_wait_for_every_decision(app, client, login_as, closed_measure):
    with app.app_context():
        m1 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        _comment(m1, PENDING_TEXT, m1.closes_at - timedelta(hours=1))
        db.session.commit()
    login_as("admin")
    page = "/staff/admin/measures/1-(1)/results/publish"
    assert post_form(client, ADMIN_MEASURE, page, {"confirm": "y"}).status_code == 409
    assert client.get("/ja/measures/1-1/results").status_code == 404


@pytest.mark.parametrize("roles", [(), ("moderator",), ("committee",)])
def test_only_admins_publish(client, login_as, closed_measure, roles):
    page = "/staff/admin/measures/1-(1)/results/publish"
    if roles:
        login_as(*roles)
        assert client.get(page).status_code == 403
        assert client.post(page, data={"confirm": "y"}).status_code in (400, 403)
    else:
        response = client.get(page)
        assert response.status_code == 302
        assert "/staff/login" in response.location
    assert client.get("/ja/measures/1-1/results").status_code == 404


def test_staff_results_pages_need_the_admin_role(app, client, login_as, closed_measure):
    with app.app_context():
        response_id = db.session.scalar(sa.select(CityResponse.id).limit(1))
    pages = ["/staff/admin/measures/1-(1)/results", "/staff/admin/measures/1-(1)/results/publish"]
    actions = [
        "/staff/admin/measures/1-(1)/results/publish",
        f"/staff/admin/measures/1-(1)/results/summary/{response_id}",
        "/staff/admin/measures/1-(1)/results/corrections",
    ]
    data = {"confirm": "y", "note": "訂正", f"r{response_id}-summary": "要旨"}

    def post(path):
        token = csrf_token_from(client.get("/ja/receipts").text)  # a resident's own token
        return client.post(path, data={**data, "csrf_token": token})

    for path in pages:
        assert "/staff/login" in client.get(path).location
    for path in actions:
        assert "/staff/login" in post(path).location
    login_as("moderator", "committee")
    for path in pages:
        assert client.get(path).status_code == 403
    for path in actions:
        assert post(path).status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(sa.select(CityResponse.summary).where(CityResponse.id == response_id))
            is None
        )
        assert db.session.scalars(sa.select(ResultsCorrection)).all() == []
        assert (
            db.session.scalar(
                sa.select(Measure.results_published_at).where(Measure.code == "1-(1)")
            )
            is None
        )
    login_as("admin")
    for path in pages:
        assert client.get(path).status_code == 200
    measure_page = client.get("/staff/admin/measures/1-(1)").text
    assert "/staff/admin/measures/1-(1)/results/publish" in measure_page


def test_results_page_in_japanese(app, client, login_as, closed_measure):
    _publish(app, client, login_as)
    page = client.get("/ja/measures/1-1/results").text
    # 意見件数 counts opinion items: one per published comment (the campaign counting three),
    # and the comment not published counts as one opinion received
    assert "5人から6件の意見が提出されました。" in page
    assert "番号" in page
    assert "意見の要旨" in page
    assert "市の考え方" in page
    assert "対応区分" in page
    assert "公共施設の統廃合に反対する意見" in page  # the moderator's summary of the campaign
    assert CAMPAIGN_TEXT not in page  # its members appear once, as the summary, in the table
    assert "同趣旨" in page
    assert "3件" in page
    assert "再掲" in page
    assert "1-(2)" in page
    assert "[非公開]" in page
    assert HIDDEN_PHONE not in page
    assert "反映する" in page
    assert "反映しない" in page
    # the measure page links to its results
    assert "/ja/measures/1-1/results" in client.get("/ja/measures/1-1").text


@pytest.mark.parametrize("tag", ["en", "vi", "pt-BR", "ne", "ja-x-easy"])
def test_results_page_in_other_languages(app, client, login_as, closed_measure, tag):
    _publish(app, client, login_as)
    page = client.get(f"/{tag}/measures/1-1/results").text
    assert f'<html lang="{tag}">' in page
    assert HIDDEN_PHONE not in page
    assert REJECTED_TEXT not in page
    if tag == "vi":
        # the city's response to the campaign was translated into Vietnamese
        assert f'<div class="city-view" lang="vi" data-verbatim>{RESPONSE_VI}</div>' in page
        assert RESPONSE_JA not in page
    else:
        assert f'<div class="city-view" lang="ja" data-verbatim>{RESPONSE_JA}</div>' in page
        assert RESPONSE_VI not in page
    if tag == "en":
        assert "5 people sent 6 opinions." in page
        assert "3 comments with the same point" in page
        assert page.count("shown in Japanese. The Japanese text is authoritative.") == 1
        assert "Repeated: first sent on measure 1-(2)" in page


def test_annex_has_every_approved_text_redacted(app, client, login_as, closed_measure):
    _publish(app, client, login_as)
    page = client.get("/en/measures/1-1/results/comments").text
    assert page.count(CAMPAIGN_TEXT) == 3
    assert VI_TEXT in page
    assert VI_TRANSLATION.replace(HIDDEN_NAME, "[withheld]") in page
    assert f'lang="vi" dir="auto" data-verbatim>{VI_TEXT}' in page
    assert "[withheld]" in page
    assert HIDDEN_PHONE not in page
    assert "二つの施策に関わる意見です。" not in page  # on 1-(2)'s annex, not here
    assert "/en/measures/1-1/results#row-" in page


def test_nothing_private_or_unapproved_on_any_public_results_page(
    app, client, login_as, closed_measure
):
    _publish(app, client, login_as)
    forbidden = [
        HIDDEN_PHONE,
        HIDDEN_NAME,
        REJECTED_TEXT,
        WITHDRAWN_TEXT,
        CONTACT.name,
        CONTACT.address,
        CONTACT.email,
        CONTACT.phone,
        closed_measure["number"],
        closed_measure["key"],
        "PC-20",
        "sakai",
        "30s",
        "境",
    ]
    for tag in ("ja", "en", "vi"):
        for suffix in ("", "/comments", ".csv", ".json"):
            response = client.get(f"/{tag}/measures/1-1/results{suffix}")
            assert response.status_code == 200
            body = response.get_data(as_text=True)
            leaked = [value for value in forbidden if value in body]
            assert not leaked, (tag, suffix, leaked)


def test_open_data_csv_and_json(app, client, login_as, closed_measure):
    _publish(app, client, login_as)
    response = client.get("/ja/measures/1-1/results.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.data
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["番号", "該当箇所", "再掲(元の施策)", "意見の要旨"]
    assert len(rows) == 5
    campaign = next(row for row in rows if row[3] == "公共施設の統廃合に反対する意見")
    assert campaign[5] == "3"
    assert campaign[6] == "反映しない"
    assert any(row[2] == "1-(2)" for row in rows[1:])
    data = json.loads(client.get("/ja/measures/1-1/results.json").data)
    assert data["licence"]["name"] == "CC BY 4.0"
    by_part = data["figures"].pop("by_part")
    assert [(part["part"], part["items"]) for part in by_part] == [("measure:1-(1)", 5)]
    assert data["figures"] == {
        "people": 5,
        "comments": 6,
        "published": 5,
        "not_published": 1,
        "items": 6,  # the comment not published counts as one opinion received
        "by_category": [
            {"category": "reflected", "category_ja": "反映する", "items": 1},
            {"category": "for_reference", "category_ja": "今後の参考とする", "items": 1},
            {"category": "not_reflected", "category_ja": "反映しない", "items": 3},
        ],
    }
    assert len(data["rows"]) == 4
    assert len(data["comments"]) == 5
    assert set(data["rows"][0]) == {
        "number",
        "measure_code",
        "reposted_from",
        "summary",
        "summary_language",
        "count",
        "response_category",
        "response_ja",
        "response_translation",
        "response_translation_language",
        "response_category_ja",
        "part",
        "part_label",
    }
    results_page = client.get("/en/measures/1-1/results").text
    for link in (
        "results.pdf",
        "results.csv",
        "results.json",
        "creativecommons.org/licenses/by/4.0",
    ):
        assert link in results_page


def test_people_sending_several_comments_are_counted_once(app, client, login_as, closed_measure):
    with app.app_context():
        m1 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        assert m1.closes_at < utcnow()
    _publish(app, client, login_as)
    page = client.get("/en/measures/1-1/results").text
    # the rejected comment came from the same email as an approved one: 5 people
    assert "5 people sent 6 opinions." in page


def _pdf_fonts(path) -> set[str]:
    listing = subprocess.run(  # noqa: S603 - fixed arguments
        ["pdffonts", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.split()[0].split("+", 1)[-1] for line in listing.stdout.splitlines()[2:]}


def _pdf_text(path) -> str:
    text = subprocess.run(  # noqa: S603 - fixed arguments
        ["pdftotext", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # table cells wrap: join the lines of Japanese text back together
    return re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", text)


def test_results_pdf_embeds_fonts_for_every_script(app, client, login_as, closed_measure, tmp_path):
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts (poppler-utils) is not installed: .ci/run installs it")
    _publish(app, client, login_as)
    response = client.get("/vi/measures/1-1/results.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "results-vi.pdf"
    pdf.write_bytes(response.data)
    # Vietnamese diacritics in Noto Sans, Japanese in Noto Sans CJK; nothing left to a
    # fallback font that might draw empty boxes
    assert _pdf_fonts(pdf) <= {
        "Noto-Sans",
        "Noto-Sans-Bold",
        "Noto-Sans-CJK-JP",
        "Noto-Sans-CJK-JP-Bold",
    }
    assert {"Noto-Sans", "Noto-Sans-CJK-JP"} <= _pdf_fonts(pdf)
    text = _pdf_text(pdf)
    assert "Phản hồi của thành phố" in text  # the same name as on the receipt page
    assert RESPONSE_VI.split(",")[0][:20] in text
    assert "公共施設の統廃合に反対する意見" in text
    assert "[không công bố]" in text
    assert HIDDEN_PHONE not in text
    assert REJECTED_TEXT not in text
    # drawn once: the second download is the cached file
    [cached] = (tmp_path / "pdf-cache").rglob("*.pdf")
    assert cached.read_bytes() == response.data
    assert client.get("/vi/measures/1-1/results.pdf").data == response.data

    nepali = tmp_path / "results-ne.pdf"
    nepali.write_bytes(client.get("/ne/measures/1-1/results.pdf").data)
    assert "Noto-Sans-Devanagari" in _pdf_fonts(nepali)
    assert "रायको सारांश" in _pdf_text(nepali)


def test_correction_is_shown_dated_and_audited(app, client, login_as, closed_measure):
    login_as("admin")
    draft = "/staff/admin/measures/1-(1)/results"
    action = draft + "/corrections"
    before = post_form(client, ADMIN_MEASURE, action, {"note": "番号2の市の考え方を修正しました。"})
    assert before.status_code == 422
    page = draft + "/publish"
    post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    empty = post_form(client, draft, action, {"note": "  "})
    assert empty.status_code == 422
    ok = post_form(client, draft, action, {"note": "番号2の市の考え方を修正しました。"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(ResultsCorrection)).one().note.startswith("番号2")
        assert db.session.scalar(
            sa.select(AuditRecord.action).where(AuditRecord.action == "results_corrected")
        )
    public = client.get("/en/measures/1-1/results").text
    assert "番号2の市の考え方を修正しました。" in public
    assert re.search(r"Corrected on \w+ \d+, \d{4}", public)


def test_summary_of_a_row_is_written_before_publication(app, client, login_as, closed_measure):
    login_as("admin")
    with app.app_context():
        response_id = db.session.scalar(
            sa.select(CityResponse.id).where(CityResponse.category == "reflected")
        )
    draft = "/staff/admin/measures/1-(1)/results"
    action = f"{draft}/summary/{response_id}"

    def post_summary(text):
        token = csrf_token_from(client.get(ADMIN_MEASURE).text)
        return client.post(
            action, data={f"r{response_id}-summary": text, f"r{response_id}-csrf_token": token}
        )

    assert f'name="r{response_id}-summary"' in client.get(draft).text
    saved = post_summary("窓口の待ち時間の短縮")
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(CityResponse, response_id).summary == "窓口の待ち時間の短縮"
        assert db.session.scalar(
            sa.select(AuditRecord.action).where(AuditRecord.action == "results_summary_edited")
        )
    page = draft + "/publish"
    post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    public = client.get("/ja/measures/1-1/results").text
    assert "窓口の待ち時間の短縮" in public
    # after publication the summary no longer changes in place
    refused = post_summary("別の要旨")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(CityResponse, response_id).summary == "窓口の待ち時間の短縮"


def test_receipt_page_says_where_the_comment_appears(app, client, login_as, closed_measure):
    def lookup():
        form = client.get("/en/receipts").text
        return client.post(
            "/en/receipts",
            data={
                "receipt_number": closed_measure["number"],
                "access_key": closed_measure["key"],
                "csrf_token": csrf_token_from(form),
            },
        ).text

    assert "appears in the published results" not in lookup()
    _publish(app, client, login_as)
    page = lookup()
    assert "Your comment appears in the published results as row 1." in page
    assert 'href="/en/measures/1-1/results#row-1"' in page


def test_results_pages_are_translated_in_every_language(app, client, login_as, closed_measure):
    from test_locales import _english_msgids, _japanese_strings, _visible_text

    from portal.i18n import LOCALES

    english, japanese = _english_msgids(), _japanese_strings()
    # what the city wrote is Japanese by nature: only the interface is checked
    city_texts = (RESPONSE_JA, "公共施設の統廃合に反対する意見", "[非公開]")

    def check_every_locale(status):
        for locale in LOCALES:
            for path in ("results", "results/comments"):
                response = client.get(f"/{locale.tag}/measures/1-1/{path}")
                assert response.status_code == status
                text = _visible_text(response.text)
                if locale.tag != "en":
                    leaked = [msgid for msgid in english if msgid in text]
                    assert not leaked, (locale.tag, path, leaked[:3])
                if locale.tag not in ("ja", "ja-x-easy"):
                    leaked = [s for s in japanese if s in text and s not in city_texts]
                    assert not leaked, (locale.tag, path, leaked[:3])

    check_every_locale(404)  # the "not published yet" page
    _publish(app, client, login_as)
    check_every_locale(200)


def test_long_results_pdf_is_drawn_aside_while_the_reader_is_asked_to_wait(
    app, client, login_as, closed_measure, tmp_path
):
    import time

    app.config["PORTAL_RESULTS_PDF_INLINE_ROWS"] = 2  # the table has 4 rows
    _publish(app, client, login_as)
    waiting = client.get("/en/measures/1-1/results.pdf")
    assert waiting.status_code == 202
    assert waiting.headers["Retry-After"] == "30"
    assert "The PDF is being prepared" in waiting.text
    assert "PDFを作成しています" in client.get("/ja/measures/1-1/results.pdf").text
    cache = tmp_path / "pdf-cache" / "1-1"  # one folder per measure
    deadline = time.monotonic() + 180
    while not list(cache.glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.5)
    ready = None
    while time.monotonic() < deadline:
        ready = client.get("/en/measures/1-1/results.pdf")
        if ready.status_code == 200:
            break
        time.sleep(0.5)
    assert ready is not None
    assert ready.status_code == 200
    assert ready.data.startswith(b"%PDF")
    # the Japanese PDF, asked for too, may still be drawing: each lock goes when its PDF is done
    while list(cache.glob("*.lock")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not list(cache.glob("*.lock"))
    assert len(list(cache.glob("*.pdf"))) == 2


def test_long_results_table_is_split_into_pages(app, client, login_as, closed_measure, monkeypatch):
    import portal.public.routes.results as routes

    monkeypatch.setattr(routes, "ROWS_PAGE_SIZE", 2)
    _publish(app, client, login_as)
    first = client.get("/en/measures/1-1/results").text
    assert 'id="row-2"' in first
    assert 'id="row-3"' not in first
    assert 'href="/en/measures/1-1/results?page=2" rel="next"' in first
    second = client.get("/en/measures/1-1/results?page=2").text
    assert 'id="row-3"' in second
    assert 'id="row-4"' in second
    assert client.get("/en/measures/1-1/results?page=3").status_code == 404
    # the annex links each comment to the page of the table that holds its row
    annex = client.get("/en/measures/1-1/results/comments").text
    assert 'href="/en/measures/1-1/results?page=2#row-3"' in annex


def test_full_width_formula_starts_are_text_in_the_results_csv(
    app, client, login_as, closed_measure, make_staff
):
    hostile = ['＝HYPERLINK("http://evil.example/","x")', "＋1＋1", "－2＋3", "＠SUM(1)"]
    moderator = make_staff("moderator")
    with app.app_context():
        actor = db.session.get(StaffUser, moderator["id"])
        m1 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        for body in hostile:
            comment, _key = _comment(m1, body, m1.closes_at - timedelta(hours=1))
            db.session.flush()
            decide(comment, "approve", actor=actor, ip=None, now=utcnow())
            db.session.add(
                CityResponse(
                    comment_id=comment.id, category="for_reference", text_ja="参考にします。"
                )
            )
        db.session.commit()
    _publish(app, client, login_as)
    data = client.get("/ja/measures/1-1/results.csv").data.decode("utf-8-sig")
    summaries = {row[3] for row in csv.reader(io.StringIO(data, newline=""))}
    for body in hostile:
        assert "'" + body in summaries


def test_results_wait_for_every_translation_to_hide_personal_data(
    app, client, login_as, closed_measure
):
    with app.app_context():
        translation = db.session.scalar(sa.select(CommentTranslation))
        # a telephone number left in view in the Vietnamese comment's reviewed translation
        translation.text = VI_TRANSLATION + "電話は0270-24-5111です。"
        receipt = db.session.scalar(
            sa.select(Comment.receipt_number).where(Comment.id == translation.comment_id)
        )
        db.session.commit()
    login_as("admin")
    draft = client.get("/staff/admin/measures/1-(1)/results").text
    assert "The Japanese translation of 1 comments still shows personal data." in draft
    assert f'href="/staff/moderation/comments/{receipt}#translation"' in draft
    page = "/staff/admin/measures/1-(1)/results/publish"
    refused = post_form(client, ADMIN_MEASURE, page, {"confirm": "y"})
    assert refused.status_code == 409
    assert client.get("/ja/measures/1-1/results").status_code == 404
