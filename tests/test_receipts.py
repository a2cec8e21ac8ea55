"""A resident comes back with receipt number and access key."""

import re
from datetime import timedelta

import sqlalchemy as sa
from conftest import KEY, comment_receipt, csrf_token_from, look_up_receipt, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.models import CityResponse, Comment


def _withdraw(client, status_page, number, key, confirm="y"):
    data = {"receipt_number": number, "access_key": key, "csrf_token": csrf_token_from(status_page)}
    if confirm:
        data["confirm"] = confirm
    return client.post("/en/receipts/withdraw", data=data)


def _set_comment(app, **values):
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        for name, value in values.items():
            setattr(comment, name, value)
        db.session.commit()


def test_right_key_shows_comment_and_status(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure, body="窓口を土曜日も開けてください。")
    response = look_up_receipt(client, number, key)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "窓口を土曜日も開けてください。" in page
    assert "Received: waiting for review by city staff." in page
    assert response.headers["Cache-Control"] == "no-store"


def test_key_is_forgiving_about_case_spaces_and_dashes(client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    sloppy_key = " " + key.lower().replace("-", " ") + " "
    assert look_up_receipt(client, number.lower() + " ", sloppy_key).status_code == 200


def test_wrong_key_and_unknown_number_look_the_same(client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure, body="secret comment text")
    wrong_key = look_up_receipt(client, number, "AAAA-BBBB-CCCC")
    unknown = look_up_receipt(client, "PC-2026-999999", key)
    assert wrong_key.status_code == unknown.status_code == 404
    wrong_page, unknown_page = wrong_key.get_data(as_text=True), unknown.get_data(as_text=True)
    assert "secret comment text" not in wrong_page
    assert "We could not find a comment with this receipt number and access key." in wrong_page
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong_page) == strip.sub("", unknown_page)


def test_lookup_needs_both_fields(client):
    form = client.get("/en/receipts").get_data(as_text=True)
    response = client.post("/en/receipts", data={"csrf_token": csrf_token_from(form)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter the receipt number." in page
    assert "Please enter the access key." in page


def test_lookup_without_csrf_token_is_refused_kindly(client):
    client.get("/en/receipts")
    response = client.post(
        "/en/receipts", data={"receipt_number": "PC-2026-000001", "access_key": "x"}
    )
    assert response.status_code == 400
    assert "Please submit again" in response.get_data(as_text=True)


def test_resident_sees_the_rejection_reason(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    _set_comment(app, status="not_published", rejection_reason="personal_information")
    page = look_up_receipt(client, number, key).get_data(as_text=True)
    assert "Not published." in page
    assert "It contains information that could identify a person." in page
    assert "Withdraw my comment" not in page


# --- the city's response reaches the author with the published results ----------------------

RESPONSE = "ご意見は今後の参考とさせていただきます。"
GROUP_RESPONSE = "公園の整備は計画に沿って進めます。"


def _respond(app, comment_id=None, group_id=None, text=RESPONSE):
    with app.app_context():
        db.session.add(
            CityResponse(
                comment_id=comment_id, group_id=group_id, category="for_reference", text_ja=text
            )
        )
        db.session.commit()


def _comments(app) -> dict[str, Comment]:
    with app.app_context():
        return {c.receipt_number: c.id for c in db.session.scalars(sa.select(Comment))}


def _decide(app, number, decision, **kwargs):
    from portal.models import StaffUser
    from portal.services.moderation.decisions import decide

    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.receipt_number == number))
        actor = db.session.scalar(sa.select(StaffUser).limit(1))
        decide(comment, decision, actor=actor, ip=None, now=utcnow(), **kwargs)
        db.session.commit()


def _publish(app):
    """The period closes and an admin publishes the results."""
    from portal.models import Measure, StaffUser
    from portal.services.results import publication

    set_period(app, "1-(1)", timedelta(days=-30), timedelta(days=-1))
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        actor = db.session.scalar(sa.select(StaffUser).limit(1))
        publication.publish(measure, actor=actor, ip=None, now=utcnow())
        db.session.commit()


def _response_shown(client, number, key) -> bool:
    page = look_up_receipt(client, number, key).text
    return "The city's response" in page


def test_author_sees_the_citys_response_only_once_the_results_are_published(
    app, client, submit, open_measure, make_staff
):
    make_staff("admin")
    number, key = comment_receipt(submit, open_measure)
    _decide(app, number, "approve")
    _respond(app, comment_id=_comments(app)[number])
    # a draft: it may still change, and Japanese practice publishes responses together
    assert not _response_shown(client, number, key)
    assert RESPONSE not in look_up_receipt(client, number, key).text
    _publish(app)
    page = look_up_receipt(client, number, key).text
    assert "The city's response" in page
    assert RESPONSE in page
    assert "Your comment appears in the published results as row 1." in page


def test_a_rejected_comment_never_shows_the_response_drafted_before(
    app, client, submit, open_measure, make_staff
):
    make_staff("admin")
    number, key = comment_receipt(submit, open_measure)
    _decide(app, number, "approve")
    _respond(app, comment_id=_comments(app)[number])
    _decide(app, number, "reject", reason="off_topic")
    assert not _response_shown(client, number, key)
    _publish(app)
    page = look_up_receipt(client, number, key).text
    assert "It is not about this measure." in page
    assert RESPONSE not in page


def test_a_pending_member_of_a_campaign_group_sees_no_response(
    app, client, submit, open_measure, make_staff
):
    from portal.models import CampaignGroup

    make_staff("admin")
    first = comment_receipt(submit, open_measure, body="公園を増やしてください。その一")
    second = comment_receipt(submit, open_measure, body="公園を増やしてください。その二")
    with app.app_context():
        group = CampaignGroup(measure_id=db.session.scalar(sa.select(Comment.measure_id)))
        db.session.add(group)
        db.session.flush()
        group_id = group.id
        for comment in db.session.scalars(sa.select(Comment)):
            comment.group_id = group_id
        db.session.commit()
    _decide(app, first[0], "approve")
    _respond(app, group_id=group_id, text=GROUP_RESPONSE)
    assert not _response_shown(client, *first)
    assert not _response_shown(client, *second)  # still pending: its group's draft is not its
    _decide(app, second[0], "approve")
    _publish(app)
    assert GROUP_RESPONSE in look_up_receipt(client, *first).text
    assert GROUP_RESPONSE in look_up_receipt(client, *second).text
    # a letter typed in after publication joins the group, pending: the results do not show it
    with app.app_context():
        from portal.models import Measure
        from portal.services.resident.submission import CommentInput, ContactInput, submit_comment

        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        late, late_key = submit_comment(
            measure,
            CommentInput(
                body="公園を増やしてください。その三",
                declared_language="ja",
                respondent_type="lives",
                contact=ContactInput(),
            ),
            measure.closes_at - timedelta(hours=1),
        )
        late.group_id = group_id
        db.session.commit()
        late_number = late.receipt_number
    assert not _response_shown(client, late_number, late_key)


def test_published_comment_shows_published(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    _set_comment(app, status="published")
    assert "Published with the results" in look_up_receipt(client, number, key).get_data(
        as_text=True
    )


def test_resident_withdraws_comment_under_review(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    status_page = look_up_receipt(client, number, key).get_data(as_text=True)
    assert "Withdraw my comment" in status_page
    response = _withdraw(client, status_page, number, key)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your comment has been withdrawn." in page
    assert "Withdrawn by you." in page
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        assert comment.status == "withdrawn"
        assert comment.withdrawn_at is not None


def test_withdraw_with_wrong_key_changes_nothing(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    status_page = look_up_receipt(client, number, key).get_data(as_text=True)
    response = _withdraw(client, status_page, number, "ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(sa.select(Comment)).one().status == "received"


def test_decided_comment_cannot_be_withdrawn(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    status_page = look_up_receipt(client, number, key).get_data(as_text=True)
    _set_comment(app, status="published")
    response = _withdraw(client, status_page, number, key)
    assert response.status_code == 409
    assert "This comment can no longer be withdrawn." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Comment)).one().status == "published"


def test_hostile_receipt_input_is_harmless(client):
    response = look_up_receipt(client, "<script>alert(1)</script>", "' OR 1=1 --")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in page


def test_withdrawing_needs_a_confirmation(app, client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    status_page = look_up_receipt(client, number, key).get_data(as_text=True)
    response = _withdraw(client, status_page, number, key, confirm=None)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please tick the box to confirm that you want to withdraw." in page
    assert "Withdraw my comment" in page
    with app.app_context():
        assert db.session.scalars(sa.select(Comment)).one().status == "received"
    assert _withdraw(client, page, number, key).status_code == 200


def test_receipt_year_is_the_year_in_japan():
    from datetime import UTC, datetime

    comment = Comment(id=42, created_at=datetime(2026, 12, 31, 15, 30, tzinfo=UTC))  # 00:30 JST
    comment.assign_receipt_number()
    assert comment.receipt_number == "PC-2027-000042"


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_access_key_never_travels_in_the_session_cookie(app, client, submit, open_measure):
    submitted = submit(open_measure, follow_redirects=False)
    assert submitted.status_code == 303
    cookie = _session_cookie(client)
    receipt = client.get(submitted.headers["Location"])
    key = KEY.search(receipt.get_data(as_text=True))[0]
    serializer = app.session_interface.get_signing_serializer(app)
    assert key not in str(serializer.loads(cookie))
    assert key.encode() not in cookie.encode()
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT * FROM receipt_handoffs")).all()
    assert stored == []  # shown, so gone


def test_replayed_cookie_does_not_show_the_receipt_again(app, client, submit, open_measure):
    submitted = submit(open_measure, follow_redirects=False)
    cookie = _session_cookie(client)
    first = client.get("/ja/receipts/new")
    assert first.status_code == 200
    assert KEY.search(first.get_data(as_text=True))
    for _ in range(3):
        client.set_cookie("session", cookie)
        replay = client.get("/ja/receipts/new")
        assert replay.status_code == 302
        assert "/receipts" in replay.headers["Location"]
        assert not KEY.search(replay.get_data(as_text=True))
    assert submitted.status_code == 303


def test_key_waiting_to_be_shown_is_not_readable_in_the_database(app, client, submit, open_measure):
    submitted = submit(open_measure, follow_redirects=False)
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT * FROM receipt_handoffs")).all()
    assert len(stored) == 1
    key = KEY.search(client.get(submitted.headers["Location"]).get_data(as_text=True))[0]
    readable = " ".join(str(value) for value in stored[0])
    assert key not in readable
    assert key.encode() not in bytes(stored[0].sealed_key)


def test_receipt_number_typed_without_hyphens_is_found(client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    assert look_up_receipt(client, number.replace("-", ""), key).status_code == 200


def test_receipt_typed_with_a_japanese_keyboard_is_found(client, submit, open_measure):
    """Full-width letters, digits and dashes, as a Japanese input method types them."""
    number, key = comment_receipt(submit, open_measure)
    full_width = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    response = look_up_receipt(
        client, number.lower().translate(full_width), key.translate(full_width)
    )
    assert response.status_code == 200
    assert number in response.get_data(as_text=True)


def test_receipt_shows_where_to_look_it_up_and_prints_only_with_javascript(submit, open_measure):
    page = submit(open_measure.replace("/ja/", "/en/")).get_data(as_text=True)
    assert "Check your comment later at:" in page
    assert 'href="http://localhost/en/receipts">http://localhost/en/receipts</a>' in page
    # portal.js reveals the button; without JavaScript it would do nothing, so it starts hidden
    assert re.search(r'<p class="print-button" hidden>\s*<button[^>]*data-print', page)


def test_status_heading_keeps_the_receipt_number_on_one_line(client, submit, open_measure):
    number, key = comment_receipt(submit, open_measure)
    page = look_up_receipt(client, number, key).get_data(as_text=True)
    assert f'<h1>Your comment <span class="nowrap">{number}</span></h1>' in page


def test_not_found_lookup_is_announced_with_the_field(client):
    response = look_up_receipt(client, "PC-2026-999999", "ABCD-EFGH-JKMN")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<title>Error: Check a comment you sent |" in page
    assert 'aria-describedby="access_key-errors"' in page
    assert re.search(
        r'<ul class="field-errors" id="access_key-errors">\s*<li>We could not find', page
    )
    assert re.search(r'id="form-errors"[^>]*autofocus', page)
    assert '<a href="#access_key" data-field-link>We could not find' in page
