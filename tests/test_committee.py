"""The committee's pages and downloads: figures that trace back, files that leak nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import jsonschema
import openpyxl
import pytest
import sqlalchemy as sa
from committee_data import HOSTILE, NEPALI, PHONE, SECRETS, VIETNAMESE, plant

from portal.extensions import db
from portal.models import AuditRecord, Comment
from portal.services.cells import neutralise
from portal.services.committee.exports.json import load_schema

PAGES = [
    "/staff/committee/",
    "/staff/committee/measures/1-1",
    "/staff/committee/areas/1",
    "/staff/committee/comments?measure=1-1&state=published",
    "/staff/committee/terms?measure=1-1&term=公共施設",
    "/staff/committee/export/csv?measure=1-1",
    "/staff/committee/export/json",
    "/staff/committee/export/cp932-check?measure=1-1",
]


@pytest.fixture
def receipts(app, make_staff):
    moderator = make_staff("moderator")
    return plant(app, moderator["id"])


def _no_secrets(text: str, where: str) -> None:
    for what, secret in SECRETS.items():
        assert secret not in text, f"{what} leaked into {where}"
    assert "ABCD-EFGH-JKMN" not in text
    assert "ABCDEFGHJKMN" not in text


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_gets_the_login_page(client, receipts, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/staff/login" in response.location
    assert SECRETS["rejected text"] not in response.text


@pytest.mark.parametrize("path", PAGES)
def test_account_without_a_committee_role_is_refused(client, login_as, receipts, path):
    login_as()
    response = client.get(path)
    assert response.status_code == 403
    assert "PC-" not in response.text


@pytest.mark.parametrize("role", ["committee", "moderator", "admin"])
def test_committee_moderators_and_admins_may_read_and_download(client, login_as, receipts, role):
    login_as(role)
    for path in PAGES:
        response = client.get(path)
        response.get_data()  # a download streams: read it to the end, as a browser does
        response.close()
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"]


def test_resident_pages_never_link_or_show_committee_figures(client, receipts):
    response = client.get("/ja/measures/1-1")
    assert "/staff/committee" not in response.text
    assert client.get("/staff/committee/export/pdf").status_code == 302


# --- figures ---------------------------------------------------------------------------------


def test_overview_counts_each_state_and_links_to_the_comments(client, login_as, receipts):
    login_as("committee")
    page = client.get("/staff/committee/")
    assert "1-(1)" in page.text
    assert "<svg" in page.text
    # 1-(1): 4 + 6 hostile + 3 group approved, 1 relisted approved = 14; 1 rejected, 2 pending
    # (received + held), 1 withdrawn.
    listed = client.get("/staff/committee/comments?measure=1-1&state=published")
    assert "14 comments" in listed.text
    rejected = client.get("/staff/committee/comments?measure=1-1&state=not_published")
    assert receipts["rejected"] in rejected.text
    assert SECRETS["rejected text"] not in rejected.text
    pending = client.get("/staff/committee/comments?measure=1-1&state=pending")
    assert receipts["pending"] in pending.text
    assert receipts["held"] in pending.text
    assert SECRETS["pending text"] not in pending.text
    assert SECRETS["held text"] not in pending.text
    by_reason = client.get(
        "/staff/committee/comments?measure=1-1&state=not_published&by=reason&value=commercial"
    )
    assert receipts["rejected"] in by_reason.text


def test_a_count_on_the_measure_page_lists_exactly_the_comments_it_counts(
    client, login_as, receipts
):
    login_as("committee")
    page = client.get("/staff/committee/measures/1-1").text
    href = "/staff/committee/comments?measure=1-1&amp;state=live&amp;by=language&amp;value=vi"
    assert f'<a href="{href}">1</a>' in page
    listed = client.get(href.replace("&amp;", "&")).text
    assert receipts["vietnamese"] in listed
    assert VIETNAMESE in listed
    assert receipts["redacted"] not in listed


def test_relisted_comment_counts_on_both_measures_but_once_in_the_area(
    client, login_as, receipts, app
):
    login_as("committee")
    on_11 = client.get("/staff/committee/comments?measure=1-1&state=received&by=relisted&value=yes")
    assert receipts["relisted"] in on_11.text
    assert "1 comment" in on_11.text
    on_12 = client.get("/staff/committee/comments?measure=1-2&state=published")
    assert receipts["relisted"] in on_12.text
    area = client.get("/staff/committee/comments?area=1&state=published")
    assert area.text.count(receipts["relisted"]) == 1
    with app.app_context():
        from portal.services.committee import summaries

        area_figures = summaries.figures_for(summaries.resolve_scope(area=1))
        assert area_figures.published == 14  # the relisted comment once, not twice
        everything = summaries.figures_for(summaries.scope_all())
        assert everything.published == 15
        assert everything.received == 19


def test_measure_page_shows_terms_redacted_comments_and_groups_once(client, login_as, receipts):
    login_as("committee")
    page = client.get("/staff/committee/measures/1-1").text
    assert ">公共施設<" in page  # one term, not 公共 + 施設
    assert ">提案<" in page  # only in the Vietnamese comment's reviewed translation
    assert "[非公開]" in page
    assert PHONE not in page
    assert "開館時間の延長を検討します。" in page  # the group's response
    assert "campaign group: 3 comments" in page
    comments = page[page.index('id="comments-heading"') :]
    assert comments.count("図書館の開館時間を延ばしてください。(") == 1
    # The group is named by the start of its representative's text in the figures.
    figures = page[: page.index('id="comments-heading"')]
    assert "図書館の開館時間を延ばしてください。(" in figures
    assert "図書館の開館時間の延長を提案します。" in page  # reviewed translation
    _no_secrets(page, "measure page")


# --- formula injection -----------------------------------------------------------------------


@pytest.mark.parametrize("cell", HOSTILE[:-1] + ["=1+1", "-A1", "\0NUL"])
def test_hostile_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["-5", "+3.5", "-1,000", "2026-12-01", "普通の意見", "1e3", "－５"]
)
def test_numbers_dates_and_plain_text_stay_readable(cell):
    assert neutralise(cell) == cell


FULL_WIDTH = [
    '＝HYPERLINK("http://evil.example/","click")',
    "＋1＋cmd|' /C calc'!A0",
    "－2＋3",
    "＠SUM(1+1)",
    "﹦1+1",
]


@pytest.mark.parametrize("cell", FULL_WIDTH)
def test_full_width_formula_starts_are_neutralised_too(cell):
    # Japanese Excel reads ＝ as =: the same rule holds whatever the width.
    assert neutralise(cell) == "'" + cell


def _approve_extra(app, receipts, bodies):
    """Approve one more comment on 1-(1) for each body (as a moderator would)."""
    from committee_data import _comment, _measure

    from portal.models import StaffUser
    from portal.services.moderation.decisions import decide

    with app.app_context():
        actor = db.session.scalar(sa.select(StaffUser).limit(1))
        for body in bodies:
            comment = _comment(_measure("1-(1)"), body)
            decide(comment, "approve", actor=actor, ip=None, now=comment.created_at)
        db.session.commit()


def test_full_width_formulas_are_text_in_the_committees_csv_and_xlsx(
    app, client, login_as, receipts
):
    _approve_extra(app, receipts, FULL_WIDTH)
    login_as("committee")
    for encoding in ("utf-8", "cp932"):
        data = _download(client, "csv", f"measure=1-1&encoding={encoding}").data
        text = data.decode("utf-8-sig" if encoding == "utf-8" else "cp932")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        texts = {row[rows[0].index("意見(個人情報は非公開)")] for row in rows[1:]}
        for cell in FULL_WIDTH:
            expected = "'" + cell
            if encoding == "cp932":
                expected = expected.encode("cp932", "replace").decode("cp932")
            assert expected in texts, (encoding, cell)
    book = openpyxl.load_workbook(io.BytesIO(_download(client, "xlsx").data))
    sheet = book["意見"]
    column = [cell.value for cell in sheet[1]].index("意見(個人情報は非公開)")
    values = {row[column].value for row in sheet.iter_rows(min_row=2)}
    for cell in FULL_WIDTH:
        assert "'" + cell in values


def test_cp932_csv_names_one_charset(client, login_as, receipts):
    login_as("committee")
    for query, content_type in (
        ("measure=1-1&encoding=cp932", "text/csv; charset=Windows-31J"),
        ("measure=1-1", "text/csv; charset=utf-8"),
    ):
        response = _download(client, "csv", query)
        response.get_data()
        assert response.headers["Content-Type"] == content_type


# --- files -----------------------------------------------------------------------------------


def _download(client, fmt, query="measure=1-1"):
    response = client.get(f"/staff/committee/export/{fmt}?{query}")
    assert response.status_code == 200, response.text[:500]
    return response


def test_csv_opens_in_excel_and_holds_only_approved_redacted_comments(client, login_as, receipts):
    login_as("committee")
    data = _download(client, "csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n") + data.count(b"\n") - data.count(b"\r\n")
    text = data.decode("utf-8-sig")
    _no_secrets(text, "CSV")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "受付番号"
    assert "日本語訳" in rows[0]
    by_receipt = {row[0]: row for row in rows[1:]}
    assert len(by_receipt) == 14
    redacted = by_receipt[receipts["redacted"]]
    assert "[非公開]" in redacted[rows[0].index("意見(個人情報は非公開)")]
    assert redacted[rows[0].index("市の考え方")] == "公共施設の再編は丁寧に説明します。"
    vietnamese = by_receipt[receipts["vietnamese"]]
    assert vietnamese[rows[0].index("意見(個人情報は非公開)")] == VIETNAMESE
    assert "図書館の開館時間の延長を提案します。" in vietnamese[rows[0].index("日本語訳")]
    texts = {row[rows[0].index("意見(個人情報は非公開)")] for row in rows[1:]}
    for cell in HOSTILE[:-1]:
        assert "'" + cell in texts
    assert "'-2+3" in texts
    relisted = by_receipt[receipts["relisted"]]
    assert relisted[1] == "1-(2)"
    assert relisted[2] == "1-(1)"


def test_cp932_csv_reports_the_rows_it_cannot_write(client, login_as, receipts, runner, tmp_path):
    login_as("committee")
    check = client.get("/staff/committee/export/cp932-check?measure=1-1").text
    assert receipts["vietnamese"] in check
    assert receipts["nepali"] in check
    data = _download(client, "csv", "measure=1-1&encoding=cp932").data
    text = data.decode("cp932")
    assert "公共施設" in text
    assert not data.startswith(b"\xef\xbb\xbf")
    out = tmp_path / "c.csv"
    result = runner.invoke(
        args=[
            "export",
            "--format",
            "csv",
            "--measure",
            "1-(1)",
            "--encoding",
            "cp932",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "could not be encoded" in result.output
    assert receipts["nepali"] in result.output


def test_xlsx_has_summary_and_comments_with_strings_kept_as_strings(client, login_as, receipts):
    login_as("committee")
    book = openpyxl.load_workbook(io.BytesIO(_download(client, "xlsx").data))
    assert book.sheetnames == ["集計", "意見の概要と市の考え方", "意見"]
    sheet = book["意見"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "受付番号"
    text_col = header.index("意見(個人情報は非公開)")
    values = []
    for row in sheet.iter_rows(min_row=2):
        cell = row[text_col]
        assert cell.data_type == "s"
        values.append(cell.value)
    assert "'" + HOSTILE[0] in values
    dump = "\n".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    _no_secrets(dump, "XLSX")
    assert "受け付けた意見" in dump


def test_json_follows_its_schema_and_leaks_nothing(client, login_as, receipts):
    login_as("committee")
    body = _download(client, "json", "").data.decode()
    document = json.loads(body)
    jsonschema.validate(document, load_schema(), format_checker=jsonschema.FormatChecker())
    _no_secrets(body, "JSON")
    comments = {c["receipt_number"]: c for c in document["comments"]}
    assert len(comments) == 15
    assert comments[receipts["nepali"]]["translation_ja"] is None
    assert comments[receipts["group0"]]["group_size"] == 3
    assert document["figures"]["withdrawn"] == 1


def test_every_download_is_audited(client, login_as, receipts, app):
    account = login_as("committee")
    for fmt in ("csv", "json", "xlsx"):
        response = _download(client, fmt, "area=1")
        response.get_data()
        response.close()
    with app.app_context():
        records = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "committee_export")
        ).all()
        assert [json.loads(r.details)["format"] for r in records] == ["csv", "json", "xlsx"]
        assert {r.actor_email for r in records} == {account["email"]}
        assert {r.object_id for r in records} == {"area-1"}


needs_poppler = pytest.mark.skipif(
    not shutil.which("pdffonts"), reason="poppler-utils not installed"
)


@needs_poppler
def test_pdf_embeds_fonts_for_every_script_and_holds_the_redacted_text(
    client, login_as, receipts, tmp_path
):
    login_as("committee")
    path = tmp_path / "c.pdf"
    path.write_bytes(_download(client, "pdf").data)
    listing = subprocess.run(  # noqa: S603
        ["pdffonts", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    fonts = {line.split()[0].split("+", 1)[-1] for line in listing}
    # Japanese, Latin with Vietnamese diacritics, Devanagari, simplified Chinese: all embedded.
    assert {"Noto-Sans-CJK-JP", "Noto-Sans", "Noto-Sans-Devanagari", "Noto-Sans-CJK-SC"} <= fonts
    for line in listing:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "公共施設" in text
    assert "[非公開]" in text
    assert "Tôi đề nghị" in text
    assert re.search(r"\b1 ?/ ?\d+\b", text)  # page numbers
    assert "1-(1)" in text
    _no_secrets(text, "PDF")
    assert NEPALI[:4] in text.replace("\n", "")


def test_command_line_writes_every_format_and_audits(runner, receipts, tmp_path, app):
    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"all.{fmt}"
        result = runner.invoke(args=["export", "--format", fmt, "--area", "1", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert runner.invoke(
        args=["export", "--format", "csv", "--measure", "9-9", "-o", "x"]
    ).exit_code
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(AuditRecord.action == "committee_export")
            )
            == 3
        )


def test_only_approved_comments_are_ever_read_for_files(app, receipts):
    from portal.services.committee import summaries
    from portal.services.disclosure import COMMITTEE_FIELDS, committee_disclosures

    with app.app_context():
        items = [d.fields for d in committee_disclosures(summaries.scope_all(), batch_size=2)]
        assert all(set(item) == set(COMMITTEE_FIELDS) for item in items)
        statuses = db.session.scalars(
            sa.select(Comment.status).where(
                Comment.receipt_number.in_([i["receipt_number"] for i in items])
            )
        ).all()
        assert set(statuses) == {"published"}


def test_terms_follow_new_approvals_and_new_redactions(client, login_as, receipts, app):
    from portal.models import Redaction, StaffUser
    from portal.services.moderation.decisions import decide

    account = login_as("moderator")
    assert ">防災無線<" not in client.get("/staff/committee/measures/1-2").text
    with app.app_context():
        comment = db.session.scalar(
            sa.select(Comment).where(Comment.receipt_number == receipts["relisted"])
        )
        fresh = Comment(
            access_key_hash="0" * 64,
            measure_id=comment.measure_id,
            body="防災無線の聞こえ方を改善してください。",
            declared_language="ja",
            respondent_type="lives",
        )
        db.session.add(fresh)
        db.session.flush()
        fresh.assign_receipt_number()
        fresh_id = fresh.id
        decide(
            fresh,
            "approve",
            actor=db.session.get(StaffUser, account["id"]),
            ip=None,
            now=fresh.created_at,
        )
        db.session.commit()
    assert ">防災無線<" in client.get("/staff/committee/measures/1-2").text
    with app.app_context():
        db.session.add(Redaction(comment_id=fresh_id, field="body", start=0, end=4, kind="other"))
        db.session.commit()
    assert ">防災無線<" not in client.get("/staff/committee/measures/1-2").text


def test_xlsx_refuses_more_rows_than_excel_holds_instead_of_dropping_them(
    runner, receipts, tmp_path, monkeypatch
):
    from portal.services.committee.exports import xlsx

    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 3)
    result = runner.invoke(
        args=["export", "--format", "xlsx", "--measure", "1-1", "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code != 0
    assert "use --format csv" in result.output


def test_a_term_count_links_to_the_comments_that_use_it(client, login_as, receipts):
    login_as("committee")
    page = client.get("/staff/committee/measures/1-1").text
    href = "/staff/committee/terms?term=%E5%85%AC%E5%85%B1%E6%96%BD%E8%A8%AD&amp;measure=1-1"
    assert f'<a href="{href}">2</a>' in page  # 公共施設: its own comment and the relisted one
    listed = client.get(href.replace("&amp;", "&")).text
    assert receipts["redacted"] in listed
    assert receipts["relisted"] in listed
    assert receipts["vietnamese"] not in listed
    assert PHONE not in listed
