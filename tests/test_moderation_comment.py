"""A moderator works on one comment: decisions, conflicts, the four-eyes rule, contact details,
redaction, translations, the city's response, links to other measures and saved wording."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa
from conftest import comment_receipt, csrf_token_from, look_up_receipt, set_period, staff_login

from portal.extensions import db
from portal.models import AuditRecord, Comment
from portal.models.moderation import CommentTranslation
from portal.services import disclosure


def _page(number):
    return f"/staff/moderation/comments/{number}"


def _keep_all(client, number):
    """Confirm every open suggestion of the comment is not personal data."""
    page = client.get(_page(number)).get_data(as_text=True)
    keep = sorted(set(re.findall(r'name="pd:([^"]+)"', page)))
    if keep:
        assert _post(client, number, "suggestions/keep", {"keep": keep}).status_code == 303


def _approve(client, number):
    """Resolve the comment's suggestions, then approve it (a comment with unresolved
    suggestions is not approved)."""
    _keep_all(client, number)
    return _post(client, number, "decide", {"decision": "approve"})


def _post(client, number, action, data=None, version=None):
    """POST a form of the comment page, with the page's CSRF token and the version it shows."""
    page = client.get(_page(number)).get_data(as_text=True)
    token = csrf_token_from(page)
    if version is None:
        match = re.search(r'name="version" value="(\d+)"', page)
        version = match[1] if match else ""
    return client.post(
        f"{_page(number)}/{action}" if action else _page(number),
        data={"csrf_token": token, "version": version, **(data or {})},
    )


def _actions(app, number):
    with app.app_context():
        return [
            r.action
            for r in db.session.scalars(
                sa.select(AuditRecord)
                .where(AuditRecord.object_id == number)
                .order_by(AuditRecord.id)
            )
        ]


def _publish_results(app, code="1-(1)"):
    """The measure's period closes and an admin publishes its results (the author's receipt
    page shows the city's response from then on)."""
    from portal.database import utcnow
    from portal.models import Measure, StaffUser
    from portal.services.results import publication

    set_period(app, code, timedelta(days=-40), timedelta(days=-1))
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
        actor = db.session.scalar(sa.select(StaffUser).limit(1))
        publication.publish(measure, actor=actor, ip=None, now=utcnow())
        db.session.commit()


def _status(app, number):
    with app.app_context():
        return db.session.scalar(sa.select(Comment.status).where(Comment.receipt_number == number))


@pytest.fixture
def received(submit, open_measure):
    """A resident's comment with a phone number and a neighbour's name in it."""
    return comment_receipt(
        submit,
        open_measure,
        body="隣の田中太郎さんが毎晩騒ぎます。私の電話は090-1234-5678です。",
        name="伊勢崎花子",
        email="hanako@example.jp",
    )


# --- access -----------------------------------------------------------------------------------


def test_comment_page_needs_a_moderator(client, login_as, received):
    number, _key = received
    for path in (_page(number), "/staff/moderation/templates", "/staff/moderation/paper"):
        anonymous = client.get(path)
        assert anonymous.status_code == 302
        assert "/staff/login" in anonymous.location
    login_as("committee")
    for path in (_page(number), "/staff/moderation/templates", "/staff/moderation/paper"):
        assert client.get(path).status_code == 403
    assert client.post(f"{_page(number)}/decide", data={"decision": "approve"}).status_code in (
        400,
        403,
    )
    assert _status(client.application, number) == "received"


def test_moderator_sees_the_comment_with_its_facts(client, login_as, received):
    number, _key = received
    login_as("moderator")
    page = client.get(_page(number))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "隣の田中太郎さん" in text
    assert 'lang="ja"' in text
    assert "Version" in text and "Web form" in text or "ウェブ" in text
    # the language in words, never its code
    assert "declared: Japanese" in text or "申告：日本語" in text
    # contact details are not on the page until asked for
    assert "hanako@example.jp" not in text
    assert "伊勢崎花子" not in text


def test_resident_without_login_gets_nothing_from_moderation_urls(client, received):
    number, _key = received
    for path in (
        f"{_page(number)}/decide",
        f"{_page(number)}/contact",
        f"{_page(number)}/redactions",
        f"{_page(number)}/response",
        "/staff/moderation/paper",
    ):
        response = client.post(path, data={})
        assert response.status_code in (302, 400), path
        assert "田中" not in response.get_data(as_text=True)


# --- decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status", "resident_sees"),
    [
        ("approve", "published", "Published with the results"),
        ("hold", "under_review", "Under review by city staff."),
    ],
)
def test_each_decision_reaches_the_receipt_page(
    app, client, login_as, received, decision, status, resident_sees
):
    number, key = received
    login_as("moderator")
    if decision == "approve":
        response = _approve(client, number)
    else:
        response = _post(client, number, "decide", {"decision": decision})
    assert response.status_code == 303
    assert _status(app, number) == status
    assert f"comment_{decision}" in _actions(app, number)
    assert resident_sees in look_up_receipt(app.test_client(), number, key).text


def test_return_to_pending_after_hold(app, client, login_as, received):
    number, key = received
    login_as("moderator")
    _post(client, number, "decide", {"decision": "hold"})
    assert _post(client, number, "decide", {"decision": "pending"}).status_code == 303
    assert _status(app, number) == "received"
    assert "Received: waiting for review" in look_up_receipt(app.test_client(), number, key).text
    assert _actions(app, number)[-2:] == ["comment_hold", "comment_pending"]


def test_reject_needs_a_reason_and_keeps_the_note(app, client, login_as, received):
    number, key = received
    login_as("moderator")
    missing = _post(client, number, "reject", {"reason": "", "note": "宣伝です"})
    assert missing.status_code == 422
    assert "宣伝です" in missing.get_data(as_text=True)  # nothing typed is lost
    assert _status(app, number) == "received"
    done = _post(client, number, "reject", {"reason": "commercial", "note": "宣伝です"})
    assert done.status_code == 303
    assert _status(app, number) == "not_published"
    assert (
        "It is advertising or commercial." in look_up_receipt(app.test_client(), number, key).text
    )
    record = _audit(app, number, "comment_reject")
    assert record["reason"] == "commercial"
    assert record["note_given"] is True
    assert "宣伝" not in json.dumps(record, ensure_ascii=False)


def _audit(app, number, action):
    with app.app_context():
        record = db.session.scalars(
            sa.select(AuditRecord)
            .where(AuditRecord.object_id == number, AuditRecord.action == action)
            .order_by(AuditRecord.id.desc())
        ).first()
        assert record is not None, action
        return json.loads(record.details)


def test_second_moderator_gets_a_conflict_with_the_current_state(app, client, make_staff, received):
    number, _key = received
    first, second = make_staff("moderator"), make_staff("moderator")
    other = app.test_client()
    staff_login(client, first["email"])
    staff_login(other, second["email"])
    _keep_all(client, number)
    # both open the page at the same version
    stale_page = other.get(_page(number)).get_data(as_text=True)
    seen = int(re.search(r'name="version" value="(\d+)"', stale_page)[1])
    assert _approve(client, number).status_code == 303
    response = other.post(
        f"{_page(number)}/decide",
        data={"csrf_token": csrf_token_from(stale_page), "version": seen, "decision": "hold"},
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Another moderator changed this comment" in text
    assert "Approved for publication" in text
    assert f"version {seen + 1}" in text
    assert _status(app, number) == "published"


@pytest.mark.parametrize("app_config", [{"PORTAL_REJECTION_REVIEW": True}])
def test_four_eyes_rejection_needs_a_second_moderator(app, client, make_staff, received):
    number, key = received
    first, second = make_staff("moderator"), make_staff("moderator")
    staff_login(client, first["email"])
    proposed = _post(client, number, "reject", {"reason": "harms_others", "note": ""})
    assert proposed.status_code == 303
    assert _status(app, number) == "under_review"  # nobody silences a resident alone
    assert "Under review by city staff." in look_up_receipt(app.test_client(), number, key).text
    own = _post(client, number, "decide", {"decision": "confirm_rejection"})
    assert own.status_code == 409
    assert "a second moderator must confirm it" in own.get_data(as_text=True)
    other = app.test_client()
    staff_login(other, second["email"])
    assert _post(other, number, "decide", {"decision": "confirm_rejection"}).status_code == 303
    assert _status(app, number) == "not_published"
    assert ["rejection_proposed", "comment_confirm_rejection"] == [
        a for a in _actions(app, number) if "reject" in a
    ]


@pytest.mark.parametrize("app_config", [{"PORTAL_REJECTION_REVIEW": True}])
def test_proposed_rejection_can_be_cancelled(app, client, make_staff, received):
    number, _key = received
    first, second = make_staff("moderator"), make_staff("moderator")
    staff_login(client, first["email"])
    _post(client, number, "reject", {"reason": "off_topic"})
    other = app.test_client()
    staff_login(other, second["email"])
    assert _post(other, number, "decide", {"decision": "cancel_rejection"}).status_code == 303
    page = other.get(_page(number)).get_data(as_text=True)
    assert "Confirm the proposed rejection" not in page
    assert "comment_cancel_rejection" in _actions(app, number)


def test_saved_note_is_used_for_a_rejection(app, client, login_as, received):
    number, _key = received
    login_as("moderator")
    created = post_template(
        client, kind="rejection", reason="duplicate", title="重複", text="同一人物の重複意見"
    )
    assert created.status_code == 303
    with app.app_context():
        from portal.models.moderation import ModerationTemplate

        template_id = db.session.scalar(sa.select(ModerationTemplate.id))
    assert (
        _post(client, number, "reject", {"reason": "", "template": str(template_id)}).status_code
        == 303
    )
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert comment.rejection_reason == "duplicate"
        assert comment.staff_note == "同一人物の重複意見"
    assert "template_created" in [a for a in _all_actions(app)]


def post_template(client, **data):
    page = client.get("/staff/moderation/templates").get_data(as_text=True)
    return client.post(
        "/staff/moderation/templates", data={"csrf_token": csrf_token_from(page), **data}
    )


def _all_actions(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)))


def test_templates_are_listed_and_deleted_with_audit(app, client, login_as):
    login_as("moderator")
    post_template(client, kind="response", reason="", title="参考", text="今後の参考とします。")
    page = client.get("/staff/moderation/templates").get_data(as_text=True)
    assert "今後の参考とします。" in page
    bad = post_template(client, kind="response", reason="", title="", text="本文だけ")
    assert bad.status_code == 422
    assert "本文だけ" in bad.get_data(as_text=True)
    with app.app_context():
        from portal.models.moderation import ModerationTemplate

        template_id = db.session.scalar(sa.select(ModerationTemplate.id))
    deleted = client.post(
        f"/staff/moderation/templates/{template_id}/delete",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert deleted.status_code == 303
    assert "今後の参考とします。" not in client.get("/staff/moderation/templates").get_data(
        as_text=True
    )
    assert _all_actions(app)[-2:] == ["template_created", "template_deleted"]


# --- contact details --------------------------------------------------------------------------


def test_contact_details_need_a_deliberate_audited_click(app, client, login_as, received):
    number, _key = received
    login_as("moderator")
    assert "hanako@example.jp" not in client.get(_page(number)).get_data(as_text=True)
    assert "contact_viewed" not in _actions(app, number)
    shown = _post(client, number, "contact")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "hanako@example.jp" in text
    assert "伊勢崎花子" in text
    assert "contact_viewed" in _actions(app, number)
    assert "hanako" not in json.dumps(_audit(app, number, "contact_viewed"))


# --- redaction --------------------------------------------------------------------------------


def test_suggestions_are_pre_marked_and_hidden_spans_never_reach_the_resident_page(
    app, client, login_as, received
):
    number, key = received
    login_as("moderator")
    page = client.get(_page(number)).get_data(as_text=True)
    # the phone number and the neighbour's name are suggested, ticked
    spans = re.findall(r'name="pd:(\d+:\d+:\w+)" value="hide"[^>]* checked', page)
    kinds = sorted(value.split(":")[2] for value in spans)
    assert kinds == ["name", "phone"]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(Comment.pii_suggestions).where(Comment.receipt_number == number)
            )
            == 2
        )
    response = client.post(
        f"{_page(number)}/redactions",
        data={"csrf_token": csrf_token_from(page), "field": "body", "span": spans, "kind": "name"},
    )
    assert response.status_code == 303
    _approve(client, number)
    for lang, placeholder in (("ja", "[非公開]"), ("en", "[hidden]"), ("vi", "[đã ẩn]")):
        resident = look_up_receipt(app.test_client(), number, key, lang=lang).text
        assert "090-1234-5678" not in resident
        assert "田中太郎" not in resident
        assert placeholder in resident
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        public = disclosure.public_text(comment)
        assert "090-1234-5678" not in public
        assert public.count("[非公開]") == 2
    details = _audit(app, number, "redaction_added")
    assert {span["kind"] for span in details["spans"]} == {"name", "phone"}
    assert "090" not in json.dumps(details)
    # staff still see the original
    assert "090-1234-5678" in client.get(_page(number)).get_data(as_text=True)


def test_hide_every_occurrence_of_an_exact_text_and_show_it_again(
    app, client, login_as, submit, open_measure
):
    number, key = comment_receipt(
        submit, open_measure, body="山本商店の前が暗い。山本商店の看板も消えています。"
    )
    login_as("moderator")
    response = _post(
        client, number, "redactions", {"field": "body", "exact_text": "山本商店", "kind": "other"}
    )
    assert response.status_code == 303
    resident = look_up_receipt(app.test_client(), number, key, lang="ja").text
    assert "山本商店" not in resident
    assert resident.count("[非公開]") == 2
    missing = _post(client, number, "redactions", {"field": "body", "exact_text": "存在しない語"})
    assert missing.status_code == 422
    assert "does not appear" in missing.get_data(as_text=True)
    assert "存在しない語" in missing.get_data(as_text=True)
    with app.app_context():
        from portal.models.moderation import Redaction

        first = db.session.scalar(sa.select(Redaction.id).order_by(Redaction.id))
    assert _post(client, number, f"redactions/{first}/remove").status_code == 303
    assert look_up_receipt(app.test_client(), number, key, lang="ja").text.count("[非公開]") == 1
    assert "redaction_removed" in _actions(app, number)


def test_offsets_hide_a_span_and_bad_offsets_are_refused(app, client, login_as, received):
    number, key = received
    login_as("moderator")
    assert (
        _post(client, number, "redactions", {"field": "body", "start": "0", "end": "1"}).status_code
        == 303
    )
    assert look_up_receipt(app.test_client(), number, key, lang="ja").text.count("[非公開]") == 1
    too_far = _post(client, number, "redactions", {"field": "body", "start": "5", "end": "999"})
    assert too_far.status_code == 422
    assert "outside the text" in too_far.get_data(as_text=True)


def test_after_publication_a_span_can_be_hidden_but_not_shown_again(
    app, client, login_as, received
):
    number, _key = received
    login_as("moderator")
    set_period(
        app, "1-(1)", timedelta(days=-40), timedelta(days=-10), results_in=timedelta(days=-1)
    )
    # privacy wins over published results staying as published: hiding is still possible
    hidden = _post(client, number, "redactions", {"field": "body", "exact_text": "田中太郎"})
    assert hidden.status_code == 303
    with app.app_context():
        from portal.models.moderation import Redaction

        redaction_id = db.session.scalar(sa.select(Redaction.id))
    assert "Show again" not in client.get(_page(number)).text
    refused = _post(client, number, f"redactions/{redaction_id}/remove")
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Redaction, redaction_id) is not None


# --- translations -----------------------------------------------------------------------------


@pytest.fixture
def vietnamese(submit, open_measure):
    return comment_receipt(
        submit,
        open_measure,
        body="Tôi tên là Nguyễn Văn An. Xin hãy mở quầy vào thứ Bảy. Số điện thoại 080-2345-6789.",
        language="vi",
    )


def test_moderator_writes_a_human_translation_shown_side_by_side(app, client, login_as, vietnamese):
    number, _key = vietnamese
    account = login_as("moderator")
    page = client.get(_page(number)).get_data(as_text=True)
    assert "No translation yet." in page
    assert "Get a machine translation" not in page  # machine translation is off by default
    saved = _post(client, number, "translation", {"text": "土曜日も窓口を開けてください。"})
    assert saved.status_code == 303
    page = client.get(_page(number)).get_data(as_text=True)
    assert "Human translation" in page
    assert "土曜日も窓口を開けてください。" in page
    assert 'lang="vi"' in page
    with app.app_context():
        row = db.session.scalar(sa.select(CommentTranslation))
        assert row.method == "human"
        assert row.translated_by_id == account["id"]
        assert row.publishable
    assert "translation_saved" in _actions(app, number)


def test_machine_translation_is_off_by_default(client, login_as, vietnamese):
    number, _key = vietnamese
    login_as("moderator")
    assert _post(client, number, "translation/machine").status_code == 404


class _FakeLibreTranslate(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeLibreTranslate.requests.append(body)
        answer = json.dumps({"translatedText": "機械翻訳:土曜日も窓口を開けて"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_mt():
    server = HTTPServer(("127.0.0.1", 0), _FakeLibreTranslate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeLibreTranslate.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_machine_translation_is_marked_and_unpublishable_until_reviewed(
    app, client, login_as, vietnamese, fake_mt
):
    number, _key = vietnamese
    app.config["PORTAL_MT_URL"] = fake_mt
    login_as("moderator")
    assert "Get a machine translation" in client.get(_page(number)).get_data(as_text=True)
    assert _post(client, number, "translation/machine").status_code == 303
    assert _FakeLibreTranslate.requests[0]["source"] == "vi"
    assert _FakeLibreTranslate.requests[0]["target"] == "ja"
    page = client.get(_page(number)).get_data(as_text=True)
    assert "Machine translation" in page
    assert "Not reviewed" in page
    _approve(client, number)
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert disclosure.public_translation(comment) is None
    assert _post(client, number, "translation/review").status_code == 303
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert disclosure.public_translation(comment) == "機械翻訳:土曜日も窓口を開けて"
    assert ["translation_machine", "translation_reviewed"] == [
        a for a in _actions(app, number) if a.startswith("translation")
    ]


def test_unreachable_translation_server_changes_nothing(app, client, login_as, vietnamese):
    number, _key = vietnamese
    app.config["PORTAL_MT_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    login_as("moderator")
    response = _post(client, number, "translation/machine")
    assert response.status_code == 503
    assert "did not answer" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentTranslation)) == 0


def test_hidden_words_stay_hidden_when_the_translation_is_edited(app, client, login_as, vietnamese):
    number, _key = vietnamese
    login_as("moderator")
    _post(
        client, number, "translation", {"text": "グエン・ヴァン・アンです。電話は080-2345-6789。"}
    )
    _post(
        client,
        number,
        "redactions",
        {"field": "translation", "exact_text": "080-2345-6789", "kind": "phone"},
    )
    _post(
        client,
        number,
        "translation",
        {"text": "私はグエン・ヴァン・アンです。電話番号は080-2345-6789です。"},
    )
    _approve(client, number)
    # the name is still in view: the translation waits until it is hidden too
    assert _post(client, number, "translation/review").status_code == 409
    _post(
        client,
        number,
        "redactions",
        {"field": "translation", "exact_text": "グエン・ヴァン・アン", "kind": "name"},
    )
    assert _post(client, number, "translation/review").status_code == 303
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        published = disclosure.public_translation(comment)
        assert published == "私は[非公開]です。電話番号は[非公開]です。"


VI_PHONE = "080-2345-6789"
VI_NAME = "Nguyễn Văn An"


def _translation_row(app, number):
    with app.app_context():
        return db.session.scalar(
            sa.select(CommentTranslation)
            .join(Comment, Comment.id == CommentTranslation.comment_id)
            .where(Comment.receipt_number == number)
        )


def _hidden_in_translation(app, number) -> list[str]:
    from portal.models.moderation import Redaction

    with app.app_context():
        text = _translation_row(app, number).text
        return [
            text[r.start : r.end]
            for r in db.session.scalars(
                sa.select(Redaction)
                .join(Comment, Comment.id == Redaction.comment_id)
                .where(Comment.receipt_number == number, Redaction.field == "translation")
                .order_by(Redaction.start)
            )
        ]


def test_machine_translation_is_sent_only_the_redacted_text(
    app, client, login_as, vietnamese, fake_mt
):
    number, _key = vietnamese
    app.config["PORTAL_MT_URL"] = fake_mt
    login_as("moderator")
    for word in (VI_NAME, VI_PHONE):
        _post(client, number, "redactions", {"field": "body", "exact_text": word})
    assert _post(client, number, "translation/machine").status_code == 303
    [sent] = _FakeLibreTranslate.requests
    assert VI_NAME not in sent["q"]
    assert VI_PHONE not in sent["q"]
    assert sent["q"] == "Tôi tên là [非公開]. Xin hãy mở quầy vào thứ Bảy. Số điện thoại [非公開]."


def test_a_word_hidden_in_the_comment_is_hidden_in_its_translation(
    app, client, login_as, vietnamese
):
    number, _key = vietnamese
    login_as("moderator")
    _post(client, number, "translation", {"text": f"土曜日も窓口を開けてください。{VI_PHONE}"})
    assert _translation_row(app, number).reviewed_at is None  # the phone number is in view
    _post(client, number, "redactions", {"field": "body", "exact_text": VI_PHONE})
    # hiding it in the comment hid it in the translation too, and the moderator sees it hidden
    assert _hidden_in_translation(app, number) == [VI_PHONE]
    assert _audit(app, number, "redaction_added") == {
        "field": "translation",
        "reason": "hidden_in_body",
        "spans": [{"start": 15, "end": 28, "kind": "hidden_in_body"}],
    }
    page = client.get(_page(number)).text
    assert f'<mark class="hidden-span" title="Hidden from the public">{VI_PHONE}</mark>' in page
    # a translation written later gets the word hidden as it is saved
    _post(client, number, "translation", {"text": f"電話は{VI_PHONE}、土曜日も開けて。{VI_PHONE}"})
    assert _hidden_in_translation(app, number) == [VI_PHONE, VI_PHONE]
    assert _translation_row(app, number).reviewed_at is not None  # nothing left in view
    _approve(client, number)
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert disclosure.public_translation(comment) == "電話は[非公開]、土曜日も開けて。[非公開]"


def test_a_translation_showing_personal_data_is_not_confirmed_until_hidden_or_kept(
    app, client, login_as, vietnamese
):
    number, _key = vietnamese
    login_as("moderator")
    # 境米岡 is a town of Isesaki, here the topic (its paths), not anyone's home
    saved = _post(
        client, number, "translation", {"text": "境米岡の田んぼ道で田中一郎さんが困っている。"}
    )
    assert saved.status_code == 303
    page = client.get(_page(number)).text
    assert "it still shows personal data" in page
    assert "Not reviewed: it cannot be published yet." in page
    assert 'value="0:3:address"' in page  # 境米岡, with a box to tick: not personal data
    _approve(client, number)
    refused = _post(client, number, "translation/review")
    assert refused.status_code == 409
    assert "still shows personal data" in refused.text
    assert "田中一郎" in refused.text
    keep_district = _post(client, number, "translation/review", {"keep": "0:3:address"})
    assert keep_district.status_code == 409  # 田中一郎 is still in view
    _post(client, number, "redactions", {"field": "translation", "exact_text": "田中一郎"})
    assert _post(client, number, "translation/review", {"keep": "0:3:address"}).status_code == 303
    assert _audit(app, number, "translation_suggestions_kept") == {
        "spans": [{"start": 0, "end": 3, "kind": "address"}]
    }
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert (
            disclosure.public_translation(comment) == "境米岡の田んぼ道で[非公開]さんが困っている。"
        )
    # showing the name again withdraws the review: nothing personal is published unreviewed
    with app.app_context():
        from portal.models.moderation import Redaction

        redaction_id = db.session.scalar(
            sa.select(Redaction.id).where(Redaction.field == "translation")
        )
    assert _post(client, number, f"redactions/{redaction_id}/remove").status_code == 303
    assert _translation_row(app, number).reviewed_at is None
    assert "translation_review_withdrawn" in _actions(app, number)


# --- the city's response ----------------------------------------------------------------------


def test_response_in_the_residents_language_or_in_japanese_with_a_note(
    app, client, login_as, vietnamese
):
    number, key = vietnamese
    login_as("moderator")
    refused = _post(
        client, number, "response", {"category": "for_reference", "text_ja": "参考にします。"}
    )
    assert refused.status_code == 409  # not approved yet
    assert "参考にします。" in refused.get_data(as_text=True)
    _approve(client, number)
    page = client.get(_page(number)).get_data(as_text=True)
    for label in ("反映する", "既に盛り込み済み", "今後の参考とする", "反映しない", "対象外"):
        assert label in page
    saved = _post(
        client,
        number,
        "response",
        {
            "category": "already_included",
            "summary": "土曜日の窓口開設を求める意見",
            "text_ja": "土曜日の窓口は令和8年度から開設します。",
            "translation": "Quầy vào thứ Bảy sẽ mở từ năm tài chính 2026.",
        },
    )
    assert saved.status_code == 303
    _publish_results(app)
    vi = look_up_receipt(app.test_client(), number, key, lang="vi").text
    assert "Quầy vào thứ Bảy sẽ mở" in vi
    assert 'lang="vi"' in vi
    en = look_up_receipt(app.test_client(), number, key, lang="en").text
    assert "土曜日の窓口は令和8年度から開設します。" in en
    assert "has not translated its response into this language" in en
    ja = look_up_receipt(app.test_client(), number, key, lang="ja").text
    assert "土曜日の窓口は令和8年度から開設します。" in ja
    assert "市はこの言語への回答の翻訳を用意していません" not in ja
    assert "response_written" in _actions(app, number)
    assert _audit(app, number, "response_written")["category"] == "already_included"


def test_response_for_a_group_is_written_once_for_all_its_comments(
    app, client, login_as, submit, open_measure
):
    first = comment_receipt(submit, open_measure, body="公園を増やしてください。その一")
    second = comment_receipt(submit, open_measure, body="公園を増やしてください。その二")
    with app.app_context():
        from portal.models.moderation import CampaignGroup

        group = CampaignGroup(measure_id=db.session.scalar(sa.select(Comment.measure_id)))
        db.session.add(group)
        db.session.flush()
        for comment in db.session.scalars(sa.select(Comment)):
            comment.group_id = group.id
        db.session.commit()
    login_as("moderator")
    for number, _key in (first, second):
        _approve(client, number)
    assert "for all 2 comments" in client.get(_page(first[0])).get_data(as_text=True)
    _post(
        client,
        first[0],
        "response",
        {"category": "for_reference", "text_ja": "公園の整備は検討します。"},
    )
    _publish_results(app)
    assert (
        "公園の整備は検討します。"
        in look_up_receipt(app.test_client(), second[0], second[1], lang="ja").text
    )


# --- links to other measures ------------------------------------------------------------------


def test_link_to_another_measure_and_remove_it(app, client, login_as, received):
    number, _key = received
    login_as("moderator")
    assert _post(client, number, "links", {"measure": "1-(2)"}).status_code == 303
    page = client.get(_page(number)).get_data(as_text=True)
    assert "Remove link" in page
    again = _post(client, number, "links", {"measure": "1-(1)"})
    assert again.status_code == 409  # its own measure
    with app.app_context():
        from portal.models import Measure

        measure_id = db.session.scalar(sa.select(Measure.id).where(Measure.code == "1-(2)"))
    assert _post(client, number, f"links/{measure_id}/remove").status_code == 303
    assert "Remove link" not in client.get(_page(number)).get_data(as_text=True)
    assert [a for a in _actions(app, number) if a.startswith("measure_link")] == [
        "measure_link_added",
        "measure_link_removed",
    ]
    assert _audit(app, number, "measure_link_added") == {"measure": "1-(2)"}


def test_hold_with_a_saved_note(app, client, login_as, received):
    number, _key = received
    login_as("moderator")
    post_template(client, kind="hold", reason="", title="確認中", text="担当課に確認中")
    page = client.get(_page(number)).get_data(as_text=True)
    assert "確認中" in page
    with app.app_context():
        from portal.models.moderation import ModerationTemplate

        template_id = db.session.scalar(sa.select(ModerationTemplate.id))
    held = _post(client, number, "decide", {"decision": "hold", "hold_template": str(template_id)})
    assert held.status_code == 303
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        assert comment.status == "under_review"
        assert comment.staff_note == "担当課に確認中"
    assert "担当課に確認中" in client.get(_page(number)).get_data(as_text=True)


POST_ACTIONS = (
    "decide",
    "reject",
    "contact",
    "redactions",
    "redactions/1/remove",
    "translation",
    "translation/machine",
    "translation/review",
    "response",
    "links",
    "links/2/remove",
)


@pytest.mark.parametrize("role", [None, "committee", "admin"])
def test_every_action_refuses_anyone_but_a_moderator(app, client, login_as, received, role):
    number, _key = received
    if role:
        login_as(role)
    # A valid CSRF token, so that what refuses the request is the role check, not CSRF.
    home = client.get("/staff/" if role else "/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', home)[1]
    for action in POST_ACTIONS:
        data = {"csrf_token": token, "decision": "approve", "version": "2"}
        response = client.post(f"{_page(number)}/{action}", data=data)
        if role:
            assert response.status_code == 403, action
        else:
            assert response.status_code == 302, action
            assert "/staff/login" in response.location
    for path in ("/staff/moderation/templates", "/staff/moderation/templates/1/delete"):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == (403 if role else 302)
    assert _status(app, number) == "received"
    assert not [a for a in _actions(app, number)]


def test_approval_waits_until_each_suggestion_is_hidden_or_kept(app, client, login_as, received):
    number, _key = received
    login_as("moderator")
    page = client.get(_page(number)).text
    assert "2 suggestions still open" in page
    # the likely ones are ticked in advance, their kinds named in words
    assert re.search(r'name="pd:[^"]+:phone" value="hide"[^>]* checked>', page)
    assert "(Phone number)" in page
    assert ":phone)" not in page
    refused = _post(client, number, "decide", {"decision": "approve"})
    assert refused.status_code == 409
    assert "Personal-data suggestions are still open" in refused.text
    assert _status(app, number) == "received"
    phone = re.search(r'name="pd:([^"]+:phone)"', page)[1]
    assert _post(client, number, "redactions", {"field": "body", "span": phone}).status_code == 303
    name = re.search(r'name="pd:([^"]+:name)"', page)[1]
    assert _post(client, number, "suggestions/keep", {"keep": name}).status_code == 303
    assert "body_suggestions_kept" in _actions(app, number)
    assert _post(client, number, "decide", {"decision": "approve"}).status_code == 303
    assert _status(app, number) == "published"
