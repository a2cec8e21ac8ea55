"""The committee's meeting pack (PDF and workbook), the staff's one set of words, unique ids on
every staff page, and the history written as sentences."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from committee_data import SECRETS, plant
from conftest import REDIS_URL

from portal.extensions import db
from portal.models import AuditRecord, CampaignGroup, Comment
from portal.services import jobs
from portal.services.committee import themes
from portal.services.committee.exports import packs
from portal.services.committee.exports import pdf as pdf_export
from portal.services.committee.summaries import resolve_scope
from portal.services.staff_words import SUMMARY_STATES, japanese

needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils not installed"
)
OLD_STATE_WORDS = ("非公開(不採用)", "審査中", "公開(承認)")


@pytest.fixture
def app_config(tmp_path):
    return {"PORTAL_COMMITTEE_PACK_DIR": str(tmp_path / "packs")}


@pytest.fixture
def receipts(app, make_staff):
    return plant(app, make_staff("moderator")["id"])


def _no_secrets(text: str, where: str) -> None:
    for what, secret in SECRETS.items():
        assert secret not in text, f"{what} leaked into {where}"


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")


def _workbook(client, query="measure=1-1"):
    response = client.get(f"/staff/committee/export/xlsx?{query}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def _cells(book) -> str:
    return "\n".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )


# --- the workbook ----------------------------------------------------------------------------


def test_workbook_numbers_are_numbers_and_dates_are_dates(client, login_as, receipts):
    login_as("committee")
    book = _workbook(client)
    assert book.sheetnames == ["集計", "意見の概要と市の考え方", "意見"]

    comments = book["意見"]
    header = [c.value for c in comments[1]]
    received, size = header.index("受付日"), header.index("同趣旨の件数")
    rows = list(comments.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(row[received], datetime) for row in rows)
    assert sorted(row[size] for row in rows if row[size] is not None) == [3, 3, 3]
    assert all(isinstance(row[size], int) for row in rows if row[size] is not None)

    table = book["意見の概要と市の考え方"]
    assert [c.value for c in table[1]] == [
        "施策",
        "番号",
        "該当箇所",
        "意見の要旨",
        "同趣旨の件数",
        "対応区分",
        "市の考え方",
    ]
    lines = list(table.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(line[1], int) and isinstance(line[4], int) for line in lines)
    group_line = next(line for line in lines if line[6] == "開館時間の延長を検討します。")
    assert group_line[4] == 3
    assert group_line[5] == "反映する"

    summary = {
        row[0]: row[1] for row in book["集計"].iter_rows(values_only=True) if row[0] is not None
    }
    assert isinstance(summary["意見件数(施策ごとの合計)"], int)
    assert isinstance(summary["提出者数(施策ごとの合計)"], int)
    assert isinstance(summary[japanese(SUMMARY_STATES["received"])], int)
    days = [
        row[0]
        for row in book["集計"].iter_rows(values_only=True)
        if isinstance(row[0], datetime) and isinstance(row[1], int)
    ]
    assert days, "the received-per-day figures are dates"
    _no_secrets(_cells(book), "XLSX")


# --- the PDF ---------------------------------------------------------------------------------


@needs_poppler
def test_pdf_pack_has_cover_figures_results_table_terms_and_annex(
    client, login_as, receipts, tmp_path
):
    login_as("committee")
    response = client.get("/staff/committee/export/pdf?measure=1-1")
    assert response.status_code == 200
    pages = _pages(response.get_data(), tmp_path)
    text = "\n".join(pages)
    cover = pages[0]
    assert "委員会資料" in cover
    assert "対象" in cover
    assert "人から" in cover
    figures = next(p for p in pages if "1 集計" in p)
    for heading in ("状態別の意見数", "対応区分別", "該当箇所別", "受付方法別", "言語別"):
        assert heading in figures, heading
    table = next(p for p in pages if "2 意見の概要と市の考え方" in p)
    for column in ("番号", "該当箇所", "意見の要旨", "対応区分", "市の考え方"):
        assert column in table, column
    assert "3件" in table
    assert "反映する" in table
    assert "3 よく使われている言葉" in text
    assert "公共施設" in text
    annex = [p for p in pages if "資料編" in p]
    assert annex
    assert receipts["redacted"] in "\n".join(annex)
    assert "[非公開]" in text
    # The order: cover, figures, table, terms, annex.
    body = "\n".join(pages[1:])
    order = [body.index(h) for h in ("1 集計", "2 意見の概要", "3 よく使われている", "資料編")]
    assert order == sorted(order)
    _no_secrets(text, "PDF")


@needs_poppler
def test_state_words_are_the_same_on_the_page_in_the_pdf_and_in_the_workbook(
    client, login_as, receipts, tmp_path
):
    login_as("committee")
    client.get("/staff/language/ja")
    page = client.get("/staff/committee/measures/1-1").text
    pdf_text = "\n".join(
        _pages(client.get("/staff/committee/export/pdf?measure=1-1").get_data(), tmp_path)
    )
    workbook = _cells(_workbook(client))
    for key in ("received", "published", "not_published", "pending", "withdrawn"):
        word = japanese(SUMMARY_STATES[key])
        assert word in page, (key, "page")
        assert word in pdf_text, (key, "PDF")
        assert word in workbook, (key, "XLSX")
    for old in OLD_STATE_WORDS:
        assert old not in page
        assert old not in pdf_text
        assert old not in workbook
    # The redaction mark names hidden words, never a state.
    assert "[非公開]" not in {japanese(word) for word in SUMMARY_STATES.values()}
    assert "不掲載" in page
    assert "不掲載" in workbook


# --- large packs on the job queue -------------------------------------------------------------


def test_large_pack_is_made_on_the_job_queue_and_offered_when_ready(
    client, login_as, receipts, monkeypatch, app
):
    account = login_as("committee")
    monkeypatch.setattr(pdf_export, "WEB_LIMIT", 3)
    response = client.get("/staff/committee/export/pdf?measure=1-1")
    assert response.status_code == 302
    status_page = response.location
    assert "/staff/committee/packs/" in status_page
    page = client.get(status_page)
    assert page.status_code == 200
    assert "portal export" not in page.text
    assert "<pre" not in page.text
    assert "Download the meeting pack" in page.text
    download = client.get(status_page + "/file")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.get_data().startswith(b"%PDF")
    download.close()
    with app.app_context():
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "committee_export")
        ).one()
        assert record.actor_email == account["email"]
        assert '"made_in_background": true' in record.details


def test_pack_being_made_refreshes_and_is_only_its_owners(
    client, login_as, receipts, app, make_staff
):
    account = login_as("committee")
    with app.test_request_context():
        scope = resolve_scope("1-1")
        token = "t" * 32
        packs._write_order(
            token,
            {
                "state": "queued",
                "format": "pdf",
                "scope": scope.params,
                "scope_key": scope.key,
                "staff_id": account["id"],
                "ordered_at": 0,
            },
        )
    page = client.get(f"/staff/committee/packs/{token}")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert client.get(f"/staff/committee/packs/{token}/file").status_code == 404
    # The worker makes it; the page then offers it.
    with app.app_context():
        packs.build(token)
    ready = client.get(f"/staff/committee/packs/{token}")
    assert 'http-equiv="refresh"' not in ready.text
    download = client.get(f"/staff/committee/packs/{token}/file")
    assert download.status_code == 200
    assert download.get_data().startswith(b"%PDF")
    download.close()
    # Another committee member cannot fetch it, and a made-up token finds nothing.
    login_as("committee")
    assert client.get(f"/staff/committee/packs/{token}").status_code == 404
    assert client.get("/staff/committee/packs/..%2F..%2Fsecret").status_code == 404


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's PostgreSQL pass has it)")
def test_with_redis_the_pack_waits_for_the_worker(client, login_as, receipts, monkeypatch, app):
    app.config.update(PORTAL_JOBS="rq", PORTAL_JOBS_REDIS_URL=REDIS_URL)
    with app.app_context():
        jobs.queue().empty()
    login_as("committee")
    monkeypatch.setattr(pdf_export, "WEB_LIMIT", 3)
    status_page = client.get("/staff/committee/export/pdf?measure=1-1").location
    waiting = client.get(status_page).text
    assert 'http-equiv="refresh"' in waiting
    assert client.get(status_page + "/file").status_code == 404
    jobs.run_worker(app, burst=True)
    assert 'http-equiv="refresh"' not in client.get(status_page).text
    download = client.get(status_page + "/file")
    assert download.get_data().startswith(b"%PDF")
    download.close()


def test_no_committee_screen_tells_a_member_to_run_a_command():
    templates = Path(__file__).parent.parent / "portal" / "committee" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "portal export" not in text, path.name
        assert "<pre" not in text, path.name


# --- committee screens -------------------------------------------------------------------------


def test_overview_folds_away_measures_without_comments(client, login_as, receipts):
    login_as("committee")
    page = client.get("/staff/committee/").text
    table = page[page.index("committee-measures") : page.index("</table>")]
    assert "1-(1)" in table
    assert "2-(1)" in table
    assert "1-(3)" not in table
    folded = page[page.index('<details class="quiet-measures">') :]
    assert "measures have no comments yet" in folded
    assert "1-(3)" in folded[: folded.index("</details>")]


def test_campaign_group_is_named_by_its_representative_text(client, login_as, receipts, app):
    with app.app_context():
        group = db.session.scalar(sa.select(CampaignGroup))
        group.representative_comment_id = db.session.scalar(
            sa.select(Comment.id).where(Comment.receipt_number == receipts["group1"])
        )
        db.session.commit()
        group_id = group.id
    login_as("committee")
    page = client.get("/staff/committee/measures/1-1").text
    assert f"Group {group_id}: 図書館の開館時間を延ばしてください。(1)" in page
    listing = client.get(
        f"/staff/committee/comments?measure=1-1&state=live&by=group&value={group_id}"
    ).text
    assert "図書館の開館時間を延ばしてください。(1)" in listing.split("<table")[0]


def test_comments_behind_a_number_are_blocks_in_a_wide_column(client, login_as, receipts):
    login_as("committee")
    page = client.get("/staff/committee/comments?measure=1-1&state=received").text
    assert 'class="data figure-comments"' in page
    assert '<span class="comment-text"' not in page
    assert '<div class="comment-text"' in page
    assert "Text shown only for approved comments." in page  # a pending one
    css = (Path(__file__).parent.parent / "portal" / "static" / "staff.css").read_text()
    assert re.search(
        r"table\.figure-comments \.comment-cell \.comment-text \{[^}]*display: block", css
    )


def test_frequent_terms_count_a_campaign_group_once(app, receipts):
    with app.test_request_context():
        found = dict(themes.frequent_terms(resolve_scope("1-1")).terms)
    # The redacted comment, the Vietnamese one's translation and the group of three: 3, not 5.
    assert found["図書館"] == 3


# --- valid unique ids on every staff page ------------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)


def _staff_pages(app, receipts) -> list[str]:
    with app.app_context():
        group_id = db.session.scalar(sa.select(CampaignGroup.id))
    pages = [
        "/staff/",
        "/staff/account",
        "/staff/account/passkeys",
        "/staff/account/password",
        "/staff/account/second-factor",
        "/staff/admin/",
        "/staff/admin/accounts",
        "/staff/admin/accounts/1",
        "/staff/admin/audit",
        "/staff/admin/measures",
        "/staff/admin/measures/1-(1)",
        "/staff/admin/measures/1-(1)/results",
        "/staff/committee/",
        "/staff/committee/areas/1",
        "/staff/committee/measures/1-1",
        "/staff/committee/comments?measure=1-1&state=received",
        "/staff/committee/terms?measure=1-1&term=公共施設",
        "/staff/committee/export/cp932-check?measure=1-1",
        "/staff/moderation/",
        "/staff/moderation/groups",
        f"/staff/moderation/groups/{group_id}",
        "/staff/moderation/paper",
        "/staff/moderation/templates",
    ]
    pages += [f"/staff/moderation/comments/{receipt}" for receipt in receipts.values()]
    return pages


def test_every_staff_page_has_valid_unique_ids(client, login_as, receipts, app):
    login_as("moderator", "committee", "admin")
    client.get("/staff/language/ja")
    checked = 0
    for path in _staff_pages(app, receipts):
        response = client.get(path)
        if response.status_code != 200:
            continue
        parser = _Ids()
        parser.feed(response.text)
        duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
        assert not duplicates, f"{path}: duplicate ids {sorted(duplicates)}"
        assert all(i and not re.search(r"\s", i) for i in parser.ids), path
        checked += 1
    assert checked >= 25


# --- words and sentences -----------------------------------------------------------------------


def test_japanese_staff_screens_show_no_internal_codes(client, login_as, receipts, app):
    login_as("moderator", "committee", "admin")
    client.get("/staff/language/ja")
    pages = [client.get(path).text for path in _staff_pages(app, receipts)]
    pages = [re.sub(r'<pre class="audit-details">.*?</pre>', "", p, flags=re.S) for p in pages]
    visible = [
        re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", p, flags=re.S))
        for p in pages
    ]
    text = "\n".join(visible)
    for code in ("harms_others", "commercial", "not_published", "comment_approve", "under_review"):
        assert code not in text, code
    assert "{&#34;" not in "\n".join(pages)


def test_history_is_written_as_sentences(client, login_as, receipts, app):
    account = login_as("moderator", "admin")
    with app.app_context():
        from portal.models import StaffUser

        name = db.session.get(StaffUser, account["id"]).display_name
    client.get("/staff/language/ja")
    comment_page = f"/staff/moderation/comments/{receipts['pending']}"
    from conftest import post_form

    with app.app_context():
        comment = db.session.scalar(
            sa.select(Comment).where(Comment.receipt_number == receipts["pending"])
        )
        version = comment.version
    response = post_form(
        client,
        comment_page,
        f"/staff/moderation/comments/{receipts['pending']}/reject",
        {"reason": "commercial", "note": "", "version": version},
    )
    assert response.status_code in (200, 302, 303)
    page = client.get(comment_page).text
    history = page[page.index('id="history-heading"') :]
    assert "comment_reject" not in history
    assert "rejection_proposed" not in history
    assert f"{name}さんが{receipts['pending']}を不掲載にしました" in history
    assert "理由: 宣伝・営利目的" in history
    assert "{&#34;" not in history
    audit = client.get("/staff/admin/audit").text
    assert "さんが" in audit


def test_every_audit_action_in_the_code_has_a_sentence():
    from portal.services.audit_words import SENTENCES
    from portal.services.moderation.decisions import Decision

    source = Path(__file__).parent.parent / "portal"
    call = re.compile(
        r"(?:\baudit_here|\b_?record|\b_audit|\baudit_account|\b_audit_refusal)\(\s*\"([a-z][a-z0-9_]+)\"",
        re.S,
    )
    found = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(call.findall(text))
        found |= set(re.findall(r"\"((?:group|items?)_[a-z_]+)\" if", text))
        found |= set(re.findall(r"else \"((?:group|items?)_[a-z_]+)\"", text))
        found |= set(re.findall(r"\(\s*accounts\.\w+,\s*\"([a-z_]+)\"", text))
    found |= {f"comment_{d.value}" for d in Decision}
    assert "comment_approve" in found
    assert "login_failed" in found
    assert "account_disabled" in found
    missing = sorted(found - set(SENTENCES))
    assert not missing, f"audit actions without a sentence: {missing}"


def test_each_comment_behind_a_number_shows_its_own_state(client, login_as, receipts):
    login_as("committee")
    client.get("/staff/language/ja")
    page = client.get("/staff/committee/comments?measure=1-1&state=received").text
    for key, word in (
        ("pending", "未処理"),
        ("held", "保留中"),
        ("rejected", "不掲載"),
        ("withdrawn", "取り下げ"),
        ("redacted", "掲載"),
    ):
        row = page[page.index(receipts[key]) :]
        row = row[: row.index("</tr>")]
        assert f"<td>{word}</td>" in row, key


@needs_poppler
def test_measure_page_shows_the_packs_figures_in_the_same_words(
    client, login_as, receipts, tmp_path
):
    login_as("committee")
    client.get("/staff/language/ja")
    page = client.get("/staff/committee/measures/1-1").text
    headline = re.search(r"(\d+)人から(\d+)件", page)
    assert headline
    cover = _pages(client.get("/staff/committee/export/pdf?measure=1-1").get_data(), tmp_path)[0]
    assert headline.group(0) in cover
    for heading in ("対応区分別", "該当箇所別"):
        assert heading in page
    assert "反映する" in page
