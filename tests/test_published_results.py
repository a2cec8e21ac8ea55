"""Published results stay as published: every staff action on a published measure's comments,
responses, links, groups, redactions and translations either is refused or leaves the
published page, annex, PDF, CSV and JSON byte for byte as they were, unless a dated correction
appears (then a new version, and the page says when and why)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, post_form
from test_results import (  # noqa: F401 (fixtures)
    ADMIN_MEASURE,
    VI_TEXT,
    _comment,
    _publish,
    app_config,
    closed_measure,
)

from portal.extensions import db
from portal.models import (
    AuditRecord,
    CityResponse,
    Comment,
    CommentMeasureLink,
    CommentTranslation,
    Measure,
    Redaction,
    ResultsCorrection,
)

OUTPUTS = [
    f"/{tag}/measures/1-1/results{suffix}"
    for tag in ("ja", "en", "vi")
    for suffix in ("", "/comments", ".csv", ".json")
] + ["/ja/measures/1-1/results.pdf"]
ANOTHER = "窓口の案内を多言語で出してほしい(別の施策への意見)。"


def _files(client) -> dict[str, bytes]:
    files = {}
    for path in OUTPUTS:
        response = client.get(path)
        assert response.status_code == 200, path
        files[path] = response.data
    return files


def _receipts(app) -> dict[str, str]:
    """Receipt numbers by role: the Vietnamese comment, a campaign member, the comment of
    1-(2) linked into 1-(1), and another comment of 1-(2)."""
    with app.app_context():
        comments = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
        by_body = {c.body: c for c in comments}
        members = [c for c in comments if c.group_id]
        linked = db.session.scalar(
            sa.select(Comment).join(CommentMeasureLink, CommentMeasureLink.comment_id == Comment.id)
        )
        return {
            "vietnamese": by_body[VI_TEXT].receipt_number,
            "member": members[0].receipt_number,
            "members": [c.receipt_number for c in members],
            "group": str(members[0].group_id),
            "linked": linked.receipt_number,
            "another": by_body[ANOTHER].receipt_number,
            "plain": comments[0].receipt_number,
        }


@pytest.fixture
def published(app, client, login_as, closed_measure):  # noqa: F811
    """1-(1) published; 1-(2) closed but not published, with one more approved comment that
    is not linked to 1-(1) yet."""
    with app.app_context():
        m2 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(2)"))
        comment, _key = _comment(m2, ANOTHER, m2.closes_at - timedelta(hours=2))
        comment.status = "published"
        db.session.commit()
    _publish(app, client, login_as)
    return _receipts(app)


def _moderation(client, receipt, action, data=None):
    """A moderator's POST on a comment's page, with the version the comment has now (the page
    of a published measure's comment shows no decision form)."""
    page = f"/staff/moderation/comments/{receipt}"
    with client.application.app_context():
        version = db.session.scalar(
            sa.select(Comment.version).where(Comment.receipt_number == receipt)
        )
    payload = {"csrf_token": csrf_token_from(client.get(page).text), "version": str(version)}
    return client.post(f"{page}/{action}", data={**payload, **(data or {})})


def _group(client, group, action, data=None):
    page = f"/staff/moderation/groups/{group}"
    token = csrf_token_from(client.get(page).text)
    return client.post(f"{page}/{action}", data={"csrf_token": token, **(data or {})})


def _ids(app, *receipts):
    with app.app_context():
        return [
            str(i)
            for i in db.session.scalars(
                sa.select(Comment.id).where(Comment.receipt_number.in_(receipts))
            )
        ]


def _measure_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(Measure.id).where(Measure.code == code))


def test_no_staff_action_changes_published_results_without_a_correction(
    app, client, login_as, published
):
    before = _files(client)
    login_as("moderator")
    refused = {
        "hold": _moderation(client, published["plain"], "decide", {"decision": "hold"}),
        "reject": _moderation(client, published["plain"], "reject", {"reason": "off_topic"}),
        "rewrite the response": _moderation(
            client,
            published["plain"],
            "response",
            {"category": "not_reflected", "text_ja": "別の考え方"},
        ),
        "rewrite a group's response": _moderation(
            client, published["member"], "response", {"category": "reflected", "text_ja": "別"}
        ),
        "save a translation": _moderation(
            client, published["vietnamese"], "translation", {"text": "別の訳です。"}
        ),
        "review the translation": _moderation(
            client, published["vietnamese"], "translation/review"
        ),
        "show a hidden span again": _moderation(
            client,
            published["plain"],
            "redactions/{}/remove".format(_redaction_id(app, published["plain"])),
        ),
        "link another measure's comment into 1-(1)": _moderation(
            client, published["another"], "links", {"measure": "1-(1)"}
        ),
        "unlink the 再掲 comment from 1-(1)": _moderation(
            client, published["linked"], "links/{}/remove".format(_measure_id(app, "1-(1)"))
        ),
        "take a member out of its group": _group(
            client,
            published["group"],
            "members",
            {"action": "remove", "ids": _ids(app, published["member"])},
        ),
        "split the group": _group(
            client,
            published["group"],
            "members",
            {"action": "split", "ids": _ids(app, *published["members"][:2])},
        ),
        "confirm the group": _group(client, published["group"], "confirm"),
    }
    for what, response in refused.items():
        assert response.status_code == 409, what
        assert "published" in response.text, what
    group_page = _group(client, published["group"], "members", {"action": "remove", "ids": []})
    assert "can no longer change" in group_page.text
    # 1-(2) is still in moderation: its comment shown in 1-(1) as 再掲 is rejected, approved
    # again and answered anew, and a comment typed in late joins 1-(1) as pending
    for decision in ({"reason": "off_topic"}, None):
        action = "reject" if decision else "decide"
        changed = _moderation(
            client, published["linked"], action, decision or {"decision": "approve"}
        )
        assert changed.status_code == 303, action
    assert (
        _moderation(
            client,
            published["linked"],
            "response",
            {"category": "reflected", "text_ja": "新しい考え方"},
        ).status_code
        == 303
    )
    with app.app_context():
        m1 = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        _comment(m1, "締切日の消印で届いた手紙です。", m1.closes_at - timedelta(hours=1))
        # a retention purge of contact details changes the live count of people
        db.session.execute(sa.delete(sa.table("comment_contacts")))
        db.session.commit()
    login_as("admin")
    summary = _summary_post(app, client)
    assert summary.status_code == 302
    assert _files(client) == before
    assert _stored_versions(app) == 1
    with app.app_context():
        assert db.session.scalars(sa.select(ResultsCorrection)).all() == []


def _stored_versions(app) -> int:
    from portal.models import PublishedResults

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PublishedResults))


def _redaction_id(app, receipt):
    with app.app_context():
        return db.session.scalar(
            sa.select(Redaction.id)
            .join(Comment, Comment.id == Redaction.comment_id)
            .where(Comment.receipt_number == receipt)
        )


def _summary_post(app, client):
    with app.app_context():
        response_id = db.session.scalar(sa.select(CityResponse.id).limit(1))
    token = csrf_token_from(client.get(ADMIN_MEASURE).text)
    return client.post(
        f"/staff/admin/measures/1-(1)/results/summary/{response_id}",
        data={f"r{response_id}-summary": "後から書いた要旨", "csrf_token": token},
    )


def test_a_redaction_after_publication_is_a_dated_correction_with_a_new_version(
    app, client, login_as, published
):
    before = _files(client)
    login_as("moderator")
    word = "tiếng Việt"  # the Vietnamese comment names its language: hide it, as if a name
    hidden = _moderation(
        client, published["vietnamese"], "redactions", {"field": "body", "exact_text": word}
    )
    assert hidden.status_code == 303
    after = _files(client)
    changed = {path for path in OUTPUTS if after[path] != before[path]}
    # the row's summary is the comment's text, and the annex holds it: every output changed
    assert changed == set(OUTPUTS)
    for path, data in after.items():
        assert word.encode() not in data, path
    page = client.get("/en/measures/1-1/results").text
    today = re.search(r"Corrected on (\w+ \d+, \d{4})", page)
    assert today, "the page says when"
    assert "番号2の意見の一部を、個人を特定できる情報を含むため非表示にしました。" in page
    assert "The table and the full texts as corrected are version 2." in page
    assert 'href="/en/measures/1-1/results?version=1"' in page
    assert f"Version 2, corrected on {today[1]}" in page
    # the earlier version stays readable, with what was hidden since hidden there too
    earlier = client.get("/en/measures/1-1/results?version=1")
    assert earlier.status_code == 200
    assert "This is an earlier version of these results (version 1" in earlier.text
    assert word not in client.get("/en/measures/1-1/results/comments?version=1").text
    assert client.get("/en/measures/1-1/results?version=3").status_code == 404
    assert client.get("/en/measures/1-1/results?version=99999999999999999999").status_code == 404
    data = json.loads(client.get("/ja/measures/1-1/results.json").data)
    assert data["version"] == 2
    assert [c["note"][:3] for c in data["corrections"]] == ["番号2"]
    assert (
        json.loads(client.get("/ja/measures/1-1/results.json?version=1").data)["corrections"] == []
    )
    with app.app_context():
        record = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "results_redacted")
        )
        assert json.loads(record.details)["rows"] == [2]
        assert json.loads(record.details)["version"] == 2


def test_a_correction_note_leaves_the_table_as_published(app, client, login_as, published):
    before = _files(client)
    login_as("admin")
    draft = "/staff/admin/measures/1-(1)/results"
    note = "番号1の市の考え方の誤字を訂正します(「検討」は「検討し」)。"
    assert post_form(client, draft, draft + "/corrections", {"note": note}).status_code == 302
    after = _files(client)
    for path in OUTPUTS:
        if path.endswith(".csv") or path.endswith("/comments"):
            assert after[path] == before[path], path  # they hold no corrections
        else:
            assert after[path] != before[path], path
            if not path.endswith(".pdf"):
                assert note.encode() in after[path], path
    assert _stored_versions(app) == 1


def test_the_admins_page_shows_what_was_published_not_the_live_tables(
    app, client, login_as, published
):
    # what no screen allows, done in the database: the published pages do not follow
    with app.app_context():
        db.session.execute(sa.update(CityResponse).values(text_ja="公表後に書き換えた考え方"))
        db.session.execute(sa.update(CommentTranslation).values(text="公表後の訳"))
        member = db.session.scalar(sa.select(Comment).where(Comment.group_id.is_not(None)))
        member.group_id = None
        db.session.commit()
    login_as("admin")
    page = client.get("/staff/admin/measures/1-(1)/results").text
    assert "This is the published version 1" in page
    assert "公表後に書き換えた考え方" not in page
    public = client.get("/ja/measures/1-1/results").text
    assert "公表後に書き換えた考え方" not in public
    assert "3件" in public
    assert "公表後の訳" not in client.get("/ja/measures/1-1/results/comments").text


def test_results_published_before_versions_were_stored_get_their_version_1(app, client, published):
    from portal.models import PublishedResults

    with app.app_context():
        first = db.session.scalar(sa.select(PublishedResults))
        document = first.document
        db.session.delete(first)
        db.session.commit()
    assert client.get("/ja/measures/1-1/results").status_code == 200
    with app.app_context():
        again = db.session.scalar(sa.select(PublishedResults))
        assert again.version == 1
        assert again.published_at == db.session.scalar(
            sa.select(Measure.results_published_at).where(Measure.code == "1-(1)")
        )
        assert json.loads(again.document) == json.loads(document)


def test_no_version_of_unpublished_results_is_shown(client, closed_measure):  # noqa: F811
    for suffix in ("", "/comments", ".csv", ".json", ".pdf"):
        assert client.get(f"/ja/measures/1-1/results{suffix}?version=1").status_code == 404


def test_a_pdf_drawn_before_a_redaction_does_not_stay_on_disk(
    app, client, login_as, published, tmp_path
):
    app.config["PORTAL_RESULTS_PDF_CACHE"] = str(tmp_path / "pdf-cache")
    assert client.get("/ja/measures/1-1/results.pdf").status_code == 200
    drawn_before = set((tmp_path / "pdf-cache").rglob("*.pdf"))
    assert len(drawn_before) == 1
    # the file system's clock may be coarse: the correction must come after the drawing
    time.sleep(1.1)
    login_as("moderator")
    hidden = _moderation(
        client, published["vietnamese"], "redactions", {"field": "body", "exact_text": "tiếng Việt"}
    )
    assert hidden.status_code == 303
    assert client.get("/ja/measures/1-1/results.pdf").status_code == 200
    drawn_after = set((tmp_path / "pdf-cache").rglob("*.pdf"))
    assert drawn_after
    assert not drawn_after & drawn_before
