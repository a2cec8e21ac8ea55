"""The moderation queue: who may see it, its filters and pages, search in every language, and
one decision for a whole selection."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import RECEIPT, post_form, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.models import AuditRecord, Comment, Measure
from portal.models.moderation import CommentTranslation
from portal.services.resident.arrival import analyse_arrival
from portal.services.resident.submission import CommentInput, ContactInput, submit_comment

QUEUE = "/staff/moderation/"


@pytest.fixture
def add_comment(app):
    """Store and analyse a comment as a submission does; returns its receipt number."""
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    set_period(app, "1-(2)", timedelta(days=-20), timedelta(days=10))

    def _add(body, language="ja", measure="1-(1)", contact=None, **columns):
        with app.app_context():
            target = db.session.scalar(sa.select(Measure).where(Measure.code == measure))
            comment, _key = submit_comment(
                target,
                CommentInput(body, language, "lives", contact=contact or ContactInput()),
                utcnow(),
            )
            analyse_arrival(comment.id)  # as the job queue does after the resident's request
            for name, value in columns.items():
                setattr(comment, name, value)
            db.session.commit()
            return comment.receipt_number

    return _add


def receipts_in(html: str) -> list[str]:
    """Receipt numbers of the queue's rows, in page order (each row names its number once
    in the link text and once in the checkbox label)."""
    rows = re.findall(r'<tr>\s*<td><input type="checkbox".*?</tr>', html, re.S)
    return [RECEIPT.search(row.split("</td>", 2)[1])[0] for row in rows]


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [QUEUE, QUEUE + "groups", QUEUE + "groups/1"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/staff/login" in response.location


@pytest.mark.parametrize(
    "path",
    [QUEUE, QUEUE + "groups/1/confirm", QUEUE + "groups/1/members", QUEUE + "groups/1/decide"],
)
def test_anonymous_post_changes_nothing(client, path):
    response = client.post(path, data={"decision": "approve", "ids": "1"})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/staff/login" in response.location


@pytest.mark.parametrize("path", [QUEUE, QUEUE + "groups"])
def test_committee_member_gets_403(client, login_as, path):
    login_as("committee")
    assert client.get(path).status_code == 403


def test_committee_member_cannot_decide_in_bulk(client, login_as, add_comment, app):
    add_comment("窓口の改善をお願いします。")
    login_as("committee")
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id))
    # the logout button's form carries a token for this session
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/").text)[1]
    response = client.post(
        QUEUE, data={"csrf_token": token, "decision": "approve", "ids": str(comment_id)}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "received"


def test_moderator_sees_the_queue_without_contact_details(client, login_as, add_comment):
    receipt = add_comment(
        "公園の管理をもっと丁寧にしてください。",
        contact=ContactInput(
            "山田花子", "伊勢崎市今泉町2-410", "hanako@example.jp", "090-1234-5678"
        ),
    )
    login_as("moderator")
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.text
    assert receipt in page
    assert "公園の管理" in page
    for detail in ("山田花子", "今泉町", "hanako@example.jp", "090-1234-5678"):
        assert detail not in page
    assert response.headers["Cache-Control"] == "no-store"


# --- filters and pages --------------------------------------------------------------------


def test_queue_filters_by_measure_state_language_channel_and_suggestions(
    client, login_as, add_comment
):
    web_ja = add_comment("窓口の待ち時間が長いです。")
    other_measure = add_comment("職員の研修を充実させてください。", measure="1-(2)")
    held = add_comment("説明会を増やしてください。", status="under_review")
    portuguese = add_comment(
        "Gostaria que a prefeitura melhorasse o atendimento em português para as famílias.",
        language="ja",  # declared wrongly: the detected language still finds it
    )
    by_post = add_comment("郵送で意見を送ります。図書館の開館時間について。", channel="post")
    with_pii = add_comment("私の電話番号は090-1111-2222です。", pii_suggestions=2)
    login_as("moderator")

    def shown(**args):
        return set(receipts_in(client.get(QUEUE, query_string=args).text))

    assert shown(measure="1-(2)") == {other_measure}
    assert shown(state="under_review") == {held}
    assert portuguese in shown(language="pt-BR")
    assert web_ja not in shown(language="pt-BR")
    assert shown(channel="post") == {by_post}
    assert shown(pii="y") == {with_pii}
    assert web_ja in shown()


def test_queue_filters_by_received_date_in_japan_time(client, login_as, add_comment, app):
    now = utcnow()
    old = add_comment("以前の意見です。", received_at=now - timedelta(days=10))
    new = add_comment("最近の意見です。", received_at=now)
    login_as("moderator")
    day = (now - timedelta(days=10)).astimezone(__import__("portal.database").database.JAPAN)
    page = client.get(QUEUE, query_string={"since": day.date(), "until": day.date()}).text
    assert receipts_in(page) == [old]
    assert new not in receipts_in(page)


def test_date_range_ending_before_it_starts_is_explained(client, login_as):
    login_as("moderator")
    page = client.get(QUEUE, query_string={"since": "2026-12-10", "until": "2026-12-01"}).text
    assert "The end date is before the start date." in page
    assert 'value="2026-12-10"' in page  # what was typed stays


def test_queue_pages_by_key_newest_or_oldest_first(client, login_as, app):
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        start = utcnow() - timedelta(hours=200)
        for i in range(120):
            comment, _key = submit_comment(
                measure,
                CommentInput(f"意見その{i}です。", "ja", "lives"),
                start + timedelta(hours=i // 2),  # pairs share a time: the id breaks the tie
            )
        db.session.commit()
        expected = [
            c.receipt_number
            for c in db.session.scalars(
                sa.select(Comment).order_by(Comment.received_at.desc(), Comment.id.desc())
            )
        ]
    login_as("moderator")
    seen = []
    page = client.get(QUEUE).text
    while True:
        seen += receipts_in(page)
        more = re.search(r'href="([^"]*after=[^"]*)">Next page<', page) or re.search(
            r'href="([^"]*after=[^"]*)">次のページ<', page
        )
        if not more:
            break
        page = client.get(more[1].replace("&amp;", "&")).text
    assert seen == expected
    oldest = receipts_in(client.get(QUEUE, query_string={"order": "oldest"}).text)
    assert oldest == list(reversed(expected))[:50]


def test_damaged_page_key_shows_the_first_page(client, login_as, add_comment):
    receipt = add_comment("窓口について。")
    login_as("moderator")
    response = client.get(QUEUE, query_string={"after": "not-a-key!"})
    assert response.status_code == 200
    assert receipt in response.text


# --- search -------------------------------------------------------------------------------


@pytest.fixture
def searchable(add_comment):
    return {
        "mayor": add_comment("市長の方針について意見があります。"),
        "counter": add_comment("市役所の窓口は土曜日も開けてください。"),
        "park": add_comment("公園の遊具を新しくしてほしいです。"),
        "reform": add_comment("行政改革大綱の推進方法に賛成します。"),
        "pt": add_comment(
            "A Prefeitura deveria traduzir os avisos de coleta de lixo para o português.",
            language="pt-BR",
        ),
        "vi": add_comment(
            "Thủ tục ở quầy hành chính quá phức tạp đối với người nước ngoài.", language="vi"
        ),
        "en": add_comment("The counter hours do not suit shift workers at all.", language="en"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("市長", {"mayor"}),  # two characters: below the trigram index
        ("窓口", {"counter"}),
        ("公", {"park"}),  # one character
        ("行政改革", {"reform"}),  # three or more: through the index
        ("推進方法", {"reform"}),
        ("prefeitura", {"pt"}),  # case does not matter
        ("português", {"pt"}),
        ("người nước ngoài", {"vi"}),  # every word, diacritics as written
        ("phức", {"vi"}),
        ("COUNTER hours", {"en"}),
        ("市長 窓口", set()),  # both words needed
        ("窓口 土曜日", {"counter"}),
    ],
)
def test_search_finds_words_in_every_language(client, login_as, searchable, query, expected):
    login_as("moderator")
    page = client.get(QUEUE, query_string={"q": query}).text
    assert set(receipts_in(page)) == {searchable[key] for key in expected}


def test_search_with_query_syntax_characters_is_plain_text(client, login_as, add_comment):
    receipt = add_comment('料金は"100%"値上げ_予定と聞きました。')
    add_comment("料金は100円です。")
    login_as("moderator")
    for query in ('"100%"', "%", "_予", 'NEAR("a" OR'):
        response = client.get(QUEUE, query_string={"q": query})
        assert response.status_code == 200
    assert receipts_in(client.get(QUEUE, query_string={"q": '"100%"'}).text) == [receipt]
    assert receipts_in(client.get(QUEUE, query_string={"q": "%"}).text) == [receipt]


def test_search_combines_with_filters(client, login_as, add_comment):
    first = add_comment("市長に質問があります。")
    add_comment("市長の説明を聞きたい。", measure="1-(2)")
    login_as("moderator")
    page = client.get(QUEUE, query_string={"q": "市長", "measure": "1-(1)"}).text
    assert receipts_in(page) == [first]


def test_search_finds_words_of_a_japanese_translation(client, login_as, add_comment, app):
    receipt = add_comment("Xe buýt buổi tối quá ít chuyến.", language="vi")
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == receipt))
        db.session.add(
            CommentTranslation(comment_id=comment.id, text="夜のバスの本数が少なすぎる。")
        )
        db.session.commit()
    login_as("moderator")
    assert receipts_in(client.get(QUEUE, query_string={"q": "バス"}).text) == [receipt]
    assert receipts_in(client.get(QUEUE, query_string={"q": "本数が少"}).text) == [receipt]


def test_search_index_follows_changes_and_deletions(client, login_as, add_comment, app):
    receipt = add_comment("図書館の開館時間を延ばしてください。")
    login_as("moderator")
    assert receipts_in(client.get(QUEUE, query_string={"q": "開館時間"}).text) == [receipt]
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == receipt))
        comment.body = "体育館の予約方法を簡単にしてください。"
        db.session.commit()
    assert receipts_in(client.get(QUEUE, query_string={"q": "開館時間"}).text) == []
    assert receipts_in(client.get(QUEUE, query_string={"q": "予約方法"}).text) == [receipt]
    with app.app_context():
        db.session.execute(sa.delete(Comment).where(Comment.receipt_number == receipt))
        db.session.commit()
    assert receipts_in(client.get(QUEUE, query_string={"q": "予約方法"}).text) == []


# --- one decision for a selection ---------------------------------------------------------


def _ids(app, receipts):
    with app.app_context():
        return [
            str(i)
            for i in db.session.scalars(
                sa.select(Comment.id).where(Comment.receipt_number.in_(receipts))
            )
        ]


def test_bulk_decision_says_how_many_changed_and_which_did_not(client, login_as, add_comment, app):
    ok = [add_comment(f"公園の意見{i}。") for i in range(3)]
    withdrawn = add_comment("取り下げた意見です。", status="withdrawn")
    login_as("moderator")
    chosen = {"decision": "approve", "ids": _ids(app, [*ok, withdrawn])}
    asked = post_form(client, QUEUE, QUEUE, chosen)
    # nothing changes before the moderator confirms the counts
    assert "4 comments will be approved. Of these, 0 still have personal-data suggestions." in (
        asked.text
    )
    response = post_form(client, QUEUE, QUEUE, {**chosen, "confirmed": "1"})
    assert response.status_code == 200
    page = response.text
    assert "3 comments changed." in page
    assert "1 comment did not change:" in page
    assert withdrawn in page
    assert "The resident withdrew it." in page
    with app.app_context():
        states = dict(db.session.execute(sa.select(Comment.receipt_number, Comment.status)).all())
        approvals = db.session.scalars(
            sa.select(AuditRecord.object_id).where(AuditRecord.action == "comment_approve")
        ).all()
    assert all(states[r] == "published" for r in ok)
    assert states[withdrawn] == "withdrawn"
    assert sorted(approvals) == sorted(ok)


def test_bulk_rejection_needs_a_reason_and_keeps_the_selection(client, login_as, add_comment, app):
    receipts = [add_comment(f"宣伝です{i}。") for i in range(2)]
    login_as("moderator")
    ids = _ids(app, receipts)
    response = post_form(
        client, QUEUE, QUEUE, {"decision": "reject", "reason": "", "note": "広告", "ids": ids}
    )
    assert response.status_code == 422
    assert "A rejection needs a reason." in response.text
    for comment_id in ids:
        assert f'value="{comment_id}" id="select-{comment_id}" checked' in response.text
    assert "広告</textarea>" in response.text
    response = post_form(
        client, QUEUE, QUEUE, {"decision": "reject", "reason": "commercial", "ids": ids}
    )
    assert "2 comments changed." in response.text
    with app.app_context():
        assert set(db.session.scalars(sa.select(Comment.rejection_reason))) == {"commercial"}


def test_bulk_decision_without_selection_is_explained(client, login_as, add_comment):
    add_comment("意見です。")
    login_as("moderator")
    response = post_form(client, QUEUE, QUEUE, {"decision": "approve"})
    assert response.status_code == 422
    assert "Select at least one comment." in response.text


def test_bulk_rejection_under_four_eyes_rule_is_only_proposed(client, login_as, add_comment, app):
    app.config["PORTAL_REJECTION_REVIEW"] = True
    receipt = add_comment("関係のない話です。")
    login_as("moderator")
    response = post_form(
        client,
        QUEUE,
        QUEUE,
        {"decision": "reject", "reason": "off_topic", "ids": _ids(app, [receipt])},
    )
    assert "1 comment changed." in response.text
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment))
        assert comment.status == "under_review"
        assert comment.rejection_proposed_reason == "off_topic"
    assert "Rejection proposed" in client.get(QUEUE).text


def test_bulk_approval_is_refused_whole_while_a_comment_has_unresolved_personal_data(
    client, login_as, add_comment, app
):
    plain = add_comment("公園を増やしてください。")
    private = add_comment("公園を増やして。連絡は090-1111-2222へ。", pii_suggestions=1)
    login_as("moderator")
    queue = client.get(QUEUE).text
    assert "Personal data unresolved: 1" in queue  # the badge on the row
    chosen = {"decision": "approve", "ids": _ids(app, [plain, private]), "confirmed": "1"}
    response = post_form(client, QUEUE, QUEUE, chosen)
    assert response.status_code == 409
    assert "Nothing was approved. 1 of the 2 comments" in response.text
    assert private in response.text
    with app.app_context():
        states = set(db.session.scalars(sa.select(Comment.status)))
    assert states == {"received"}
