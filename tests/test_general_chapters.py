"""The outline's general chapters (I はじめに, II 基本方針, III 推進方法) are consultations like
a measure, in nine languages; and on a text of several paragraphs the resident may say which
paragraph their comment is about, which the moderator sees as a proposal."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import RECEIPT, post_form, set_period

from portal.extensions import db
from portal.i18n import LOCALES
from portal.models import Comment, Measure
from portal.services.sanitize import render_content

TAGS = [locale.tag for locale in LOCALES]
CHAPTERS = {"intro": "I", "policy": "II", "method": "III"}
VI_COMMENT = "Tôi đồng ý với việc thuê ngoài, nhưng xin giữ chất lượng dịch vụ cho người dân."


def _chapter_text(app, code: str, tag: str):
    with app.app_context():
        chapter = db.session.scalar(sa.select(Measure).where(Measure.code == code))
        text = chapter.text(tag)
        return text.title, text.paragraphs


def _options(page: str) -> list[tuple[str, str]]:
    """The proposed-part drop-down's options as (value, label)."""
    found = re.findall(r'<option(?: selected)? value="([^"]*)">([^<]*)</option>', page)
    return [(value, html.unescape(label)) for value, label in found if ":" in value]


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("slug", CHAPTERS)
def test_each_general_chapter_has_its_own_page_in_every_language(app, client, tag, slug):
    title, paragraphs = _chapter_text(app, CHAPTERS[slug], tag)
    page = client.get(f"/{tag}/measures/{slug}").get_data(as_text=True)
    assert str(render_content(title)) in page
    for paragraph in paragraphs:
        assert str(render_content(paragraph)) in page
    assert f'<span class="code">{CHAPTERS[slug]}</span>' in page


def test_the_home_page_lists_the_chapters_before_the_priority_areas(client):
    page = client.get("/vi/").get_data(as_text=True)
    chapters = page.index('id="general-chapters"')
    assert chapters < page.index('id="area-1"')
    for slug in CHAPTERS:
        assert page.index(f'href="/vi/measures/{slug}"') > chapters
    assert "Lời mở đầu" in page
    assert "Phương châm cơ bản" in page


def test_a_chapter_page_in_easy_japanese_has_furigana(client):
    page = client.get("/ja-x-easy/measures/policy").get_data(as_text=True)
    assert "<ruby>基本方針<rp>(</rp><rt>きほんほうしん</rt>" in page
    assert "{" not in re.sub(r"<[^>]+>", "", page.split("<main", 1)[1]).replace("{count}", "")


def test_resident_comments_on_a_chapter_and_the_city_publishes_its_results(
    app, client, submit, login_as
):
    set_period(app, "II", timedelta(days=-20), timedelta(days=10))
    options = _options(client.get("/vi/measures/policy").get_data(as_text=True))
    assert options[0] == ("measure:II", "Toàn bộ chương này")
    assert options[2][0] == "paragraph:II:2"
    assert options[2][1].startswith("Đoạn 2: Đã hơn 25 năm")
    receipt_page = submit(
        "/vi/measures/policy", body=VI_COMMENT, language="vi", proposed_part="paragraph:II:4"
    ).get_data(as_text=True)
    receipt = RECEIPT.search(receipt_page)[0]
    assert "Phương châm cơ bản" in receipt_page

    login_as("moderator")
    comment_page = f"/staff/moderation/comments/{receipt}"
    shown = client.get(comment_page).get_data(as_text=True)
    assert "Proposed part" in shown
    assert "paragraph 4 (このため、各種事務事業について可能な限りアウトソ…)" in shown
    with app.app_context():
        version = db.session.scalar(
            sa.select(Comment.version).where(Comment.receipt_number == receipt)
        )
    response = post_form(
        client,
        comment_page,
        f"{comment_page}/decide",
        {"decision": "approve", "version": str(version)},
    )
    assert response.status_code in (302, 303), response.text
    response = post_form(
        client,
        comment_page,
        f"{comment_page}/response",
        {
            "category": "for_reference",
            "text_ja": "委託先のサービスの質を確認しながら進めます。",
            "summary": "委託してもサービスの質を保ってほしい",
        },
    )
    assert response.status_code in (302, 303), response.text

    set_period(app, "II", timedelta(days=-40), timedelta(days=-1))
    login_as("admin")
    response = post_form(
        client,
        "/staff/admin/measures/II",
        "/staff/admin/measures/II/results/publish",
        {"confirm": "y"},
    )
    assert response.status_code in (302, 303), response.text
    results = client.get("/vi/measures/policy/results")
    assert results.status_code == 200
    assert "委託先のサービスの質を確認しながら進めます。" in results.get_data(as_text=True)
    assert "Phương châm cơ bản" in results.get_data(as_text=True)
    data = client.get("/api/v1/consultations/policy/results").get_json()
    assert data is not None
    annex = client.get("/vi/measures/policy/results/comments").get_data(as_text=True)
    assert VI_COMMENT in annex
    for suffix in ("csv", "json"):
        download = client.get(f"/vi/measures/policy/results.{suffix}")
        assert download.status_code == 200, suffix
        assert "委託先のサービスの質を確認しながら進めます。" in download.get_data(as_text=True)
    feed = client.get("/vi/feeds/results.atom").get_data(as_text=True)
    assert "/vi/measures/policy/results" in feed


def test_chapters_come_first_in_the_api_with_their_slugs(client):
    items = client.get("/api/v1/consultations?lang=en&limit=5").get_json()["items"]
    assert [(i["code"], i["slug"], i["kind"], i["area"]) for i in items[:4]] == [
        ("I", "intro", "chapter", None),
        ("II", "policy", "chapter", None),
        ("III", "method", "chapter", None),
        ("1-(1)", "1-1", "measure", 1),
    ]
    one = client.get("/api/v1/consultations/method?lang=vi").get_json()
    assert one["title"] == "Phương thức thực hiện"
    assert one["links"]["page"].endswith("/vi/measures/method")
    assert client.get("/api/v1/consultations/chapter").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/consultations/{slug}"]
    pattern = next(p for p in path["parameters"] if p["name"] == "slug")["schema"]["pattern"]
    assert all(re.match(pattern, slug) for slug in ("intro", "policy", "method", "2-3"))
    assert not re.match(pattern, "chapter")


def test_an_open_chapter_is_in_the_feeds(app, client):
    set_period(app, "I", timedelta(days=-2), timedelta(days=28))
    feed = client.get("/vi/feeds/opening.atom").get_data(as_text=True)
    assert "Lời mở đầu" in feed
    assert "/vi/measures/intro" in feed


def test_a_paragraph_that_does_not_exist_is_refused_and_the_text_kept(app, client, submit):
    set_period(app, "III", timedelta(days=-20), timedelta(days=10))
    response = submit(
        "/vi/measures/method", body=VI_COMMENT, language="vi", proposed_part="paragraph:III:9"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng chọn một trong các lựa chọn." in page
    assert 'href="#proposed_part"' in page  # the error summary leads to the field
    assert html.escape(VI_COMMENT, quote=False) in page
    for hostile in ("paragraph:II:1", "<script>", "paragraph:III:0", "paragraph:III:１"):
        assert (
            submit("/vi/measures/method", body=VI_COMMENT, proposed_part=hostile).status_code == 422
        )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_the_whole_chapter_is_the_default_and_nothing_chosen_is_accepted(app, client, submit):
    set_period(app, "III", timedelta(days=-20), timedelta(days=10))
    page = client.get("/en/measures/method").get_data(as_text=True)
    assert '<option selected value="measure:III">The whole chapter</option>' in page or (
        _options(page)[0] == ("measure:III", "The whole chapter")
    )
    submit(
        "/en/measures/method", body="Publish the plan's progress every year.", proposed_part=None
    )
    submit(
        "/en/measures/method", body="Say who sits on the committee.", proposed_part="measure:III"
    )
    with app.app_context():
        parts = db.session.scalars(sa.select(Comment.proposed_part).order_by(Comment.id)).all()
    assert parts == [None, "measure:III"]


def test_a_measure_of_one_paragraph_does_not_ask_which_part(app, client, submit, open_measure):
    page = client.get(open_measure).get_data(as_text=True)
    assert "proposed_part" not in page
    submit(open_measure, proposed_part="paragraph:1-(1):1")
    with app.app_context():
        assert db.session.scalar(sa.select(Comment.proposed_part)) is None


def test_easy_japanese_options_keep_readings_in_parentheses(app, client):
    set_period(app, "II", timedelta(days=-20), timedelta(days=10))
    options = _options(client.get("/ja-x-easy/measures/policy").get_data(as_text=True))
    assert options[1][1].startswith("1番目(ばんめ)の 段落(だんらく)：基本方針(きほんほうしん)は")
    assert all("{" not in label for _value, label in options)


def test_portal_demo_has_a_general_chapter_comment(app, runner, monkeypatch):
    import werkzeug.serving

    served = []
    # The command ends by serving the portal: record that instead of blocking the test.
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *args, **kwargs: served.append(args))
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert served
    with app.app_context():
        rows = db.session.execute(
            sa.select(Measure.code, Comment.declared_language, Comment.proposed_part)
            .join(Measure, Measure.id == Comment.measure_id)
            .where(Measure.kind == "chapter")
            .order_by(Measure.code)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("II", "vi", "paragraph:II:4"),
        ("III", "ja", "measure:III"),
    ]
    # A second run adds nothing.
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == before


def test_a_chapter_page_speaks_of_the_chapter_not_a_measure(client):
    page = client.get("/vi/measures/intro").get_data(as_text=True)
    assert "Thời gian lấy ý kiến cho chương này chưa được công bố." in page
    assert "biện pháp này" not in page


def test_an_admin_edits_a_chapter_like_a_measure_and_the_seed_keeps_it(
    app, client, login_as, runner
):
    login_as("admin")
    admin_page = "/staff/admin/measures/II?locale=vi"
    assert "II" in client.get("/staff/admin/measures").text
    title, paragraphs = _chapter_text(app, "II", "vi")
    edited = {
        "title": "Phương châm cơ bản (bản sửa)",
        "summary": "Tóm tắt.",
        "body": "\n\n".join(paragraphs),
        "action": "save",
    }
    assert post_form(client, admin_page, admin_page, edited).status_code == 302
    assert "Phương châm cơ bản (bản sửa)" in client.get("/vi/measures/policy").text
    result = runner.invoke(args=["seed"])
    assert "kept measure II vi" in result.output
    assert "Phương châm cơ bản (bản sửa)" in client.get("/vi/measures/policy").text
