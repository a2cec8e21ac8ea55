"""Campaigns: near-identical comments grouped per measure, kept up to date as comments arrive,
and the moderators' group actions."""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.database import utcnow
from portal.extensions import db
from portal.models import AuditRecord, Comment
from portal.models.moderation import CampaignGroup
from portal.services.moderation import duplicates
from portal.services.moderation.corpus import CAMPAIGN_LETTERS, campaign_copy, evaluation_set
from tests.conftest import csrf_token_from, set_period

GROUPS = "/staff/moderation/groups"
LETTER = CAMPAIGN_LETTERS[1]


def test_grouping_finds_a_campaign_among_distinct_comments():
    """200 lightly edited copies of one letter mixed into 1,000 distinct comments."""
    items = evaluation_set(seed=7)
    assignment = duplicates.cluster((i, text) for i, (text, _copy) in enumerate(items))
    truth = {i for i, (_text, is_copy) in enumerate(items) if is_copy}
    groups = duplicates.groups_of(assignment)
    grouped = set().union(*groups)
    precision = len(grouped & truth) / len(grouped)
    recall = len(grouped & truth) / len(truth)
    # Pairs in the same group: a campaign split in two would lose here, not above.
    predicted = {p for g in groups for p in itertools.combinations(sorted(g), 2)}
    expected = set(itertools.combinations(sorted(truth), 2))
    pair_precision = len(predicted & expected) / len(predicted)
    pair_recall = len(predicted & expected) / len(expected)
    assert min(precision, recall, pair_precision, pair_recall) >= 0.95, (
        precision,
        recall,
        pair_precision,
        pair_recall,
    )


def test_normalisation_ignores_width_case_punctuation_and_spacing():
    assert duplicates.normalize("ＡＢＣ！　市長、  Ｔｈｅ\n窓口。") == "abc市長the窓口"
    assert duplicates.normalize("Olá, PREFEITURA!  Até logo.") == "olá prefeitura até logo"
    assert duplicates.similarity("窓口を、開けて。", "窓口を 開けて") == 1.0
    assert duplicates.similarity(LETTER, "公園の遊具を新しくしてほしい。") < 0.1


def test_exact_equality_is_not_needed():
    copy = campaign_copy(random.Random(3), LETTER)  # noqa: S311  (sample text)
    assert copy != LETTER
    assert duplicates.similarity(copy, LETTER) >= duplicates.THRESHOLD


@pytest.fixture
def measure_open(app):
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    set_period(app, "1-(2)", timedelta(days=-20), timedelta(days=10))
    return "/ja/measures/1-1"


def _group_of(app, receipt):
    with app.app_context():
        return db.session.scalar(
            sa.select(Comment.group_id).where(Comment.receipt_number == receipt)
        )


def _receipt(response) -> str:
    return re.search(r"PC-\d{4}-\d{6}", response.text)[0]


def test_a_new_copy_joins_its_group_when_submitted(app, submit, measure_open):
    first = _receipt(submit(measure_open, body=LETTER))
    assert _group_of(app, first) is None  # one letter is no campaign yet
    second = _receipt(submit(measure_open, body=LETTER.replace("反対します", "反対いたします")))
    other = _receipt(submit(measure_open, body="公園の遊具を新しくしてほしいです。"))
    third = _receipt(submit(measure_open, body="境町の住民です。" + LETTER + "以上です。"))
    group = _group_of(app, first)
    assert group is not None
    assert _group_of(app, second) == group == _group_of(app, third)
    assert _group_of(app, other) is None
    # a copy on another measure is a different matter
    elsewhere = _receipt(submit("/ja/measures/1-2", body=LETTER))
    assert _group_of(app, elsewhere) is None


@pytest.mark.parametrize("app_config", [{"PORTAL_GROUPING": "thread"}])
def test_grouping_runs_after_the_submission_in_the_background(app, submit, measure_open):
    first = _receipt(submit(measure_open, body=LETTER))
    second = _receipt(submit(measure_open, body=LETTER + "よろしくお願いします。"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_of(app, second) is None:
        time.sleep(0.1)
    assert _group_of(app, second) is not None
    assert _group_of(app, second) == _group_of(app, first)


def test_grouping_a_comment_twice_changes_nothing(app, submit, measure_open):
    _receipt(submit(measure_open, body=LETTER))
    second = _receipt(submit(measure_open, body=LETTER + "以上。"))
    with app.app_context():
        comment_id = db.session.scalar(
            sa.select(Comment.id).where(Comment.receipt_number == second)
        )
        before = duplicates.group_new_comment(comment_id)
        again = duplicates.group_new_comment(comment_id)
        db.session.commit()
        assert before == again
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignGroup)) == 1


@pytest.fixture
def campaign(app, measure_open):
    """Ten copies and three distinct comments on 1-(1), stored without grouping."""
    from portal.models import Measure
    from portal.services.resident.submission import CommentInput, submit_comment

    rng = random.Random(11)  # noqa: S311  (sample text)
    texts = [campaign_copy(rng, LETTER) for _ in range(10)]
    texts += [
        "図書館の開館時間を延ばしてください。",
        "Xe buýt buổi tối quá ít chuyến.",
        "A prefeitura deveria traduzir os avisos.",
    ]
    with app.app_context():
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
        start = utcnow() - timedelta(hours=1)
        receipts = []
        for i, text in enumerate(texts):
            comment, _key = submit_comment(
                measure, CommentInput(text, "ja", "lives"), start + timedelta(minutes=i)
            )
            receipts.append(comment.receipt_number)
        db.session.commit()
    return {"copies": receipts[:10], "distinct": receipts[10:]}


def _groups(app) -> dict[str, int | None]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Comment.receipt_number, Comment.group_id)).all())


def test_regroup_command_groups_copies_and_reports(app, runner, campaign):
    result = runner.invoke(args=["moderation", "regroup"])
    assert result.exit_code == 0, result.output
    assert "13 comments, 1 groups holding 10 comments" in result.output
    groups = _groups(app)
    assert len({groups[r] for r in campaign["copies"]}) == 1
    assert all(groups[r] is None for r in campaign["distinct"])
    again = runner.invoke(args=["moderation", "regroup", "--measure", "1-(1)"])
    assert "0 moved" in again.output
    assert _groups(app) == groups
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditRecord.action)).all()
    assert actions.count("groups_regrouped") == 2


def test_regroup_of_an_unknown_measure_is_an_error(runner):
    result = runner.invoke(args=["moderation", "regroup", "--measure", "9-(9)"])
    assert result.exit_code != 0
    assert "no measure 9-(9)" in result.output


def _group_id(app, campaign) -> int:
    return _groups(app)[campaign["copies"][0]]


def _ids(app, receipts) -> list[str]:
    with app.app_context():
        return [
            str(i)
            for i in db.session.scalars(
                sa.select(Comment.id).where(Comment.receipt_number.in_(receipts))
            )
        ]


@pytest.fixture
def grouped(app, runner, campaign):
    assert runner.invoke(args=["moderation", "regroup"]).exit_code == 0
    return {**campaign, "group": _group_id(app, campaign)}


def test_group_pages_need_the_moderator_role(client, login_as, grouped):
    path = f"{GROUPS}/{grouped['group']}"
    assert "/staff/login" in client.get(path).location
    login_as("committee")
    assert client.get(path).status_code == 403
    assert client.get(GROUPS).status_code == 403


def test_group_page_shows_count_representative_and_members(client, login_as, grouped):
    login_as("moderator")
    listing = client.get(GROUPS)
    assert listing.status_code == 200
    assert f"{GROUPS}/{grouped['group']}" in listing.text
    page = client.get(f"{GROUPS}/{grouped['group']}")
    assert page.status_code == 200
    assert "10 comments" in page.text
    assert "stands for 10 copies" in page.text
    for receipt in grouped["copies"]:
        assert receipt in page.text
    for receipt in grouped["distinct"]:
        assert receipt not in page.text
    queue = client.get("/staff/moderation/", query_string={"group": grouped["group"]}).text
    assert "(10 comments)" in queue


def test_unknown_group_is_404(client, login_as):
    login_as("moderator")
    assert client.get(f"{GROUPS}/999").status_code == 404


def _post(client, group_id, action, data):
    token = csrf_token_from(client.get(f"{GROUPS}/{group_id}").text)
    return client.post(f"{GROUPS}/{group_id}/{action}", data={**data, "csrf_token": token})


def _audit(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == action)).all()


def test_confirmed_group_survives_regrouping_and_takes_new_copies(
    app, client, login_as, runner, grouped, submit
):
    login_as("moderator")
    response = _post(client, grouped["group"], "confirm", {})
    assert response.status_code == 303
    assert "The group is confirmed." in client.get(response.location).text
    [record] = _audit(app, "group_confirmed")
    assert record.object_id == str(grouped["group"])
    runner.invoke(args=["moderation", "regroup"])
    assert _group_id(app, grouped) == grouped["group"]
    new = _receipt(submit("/ja/measures/1-1", body=LETTER + "以上です。"))
    assert _group_of(app, new) == grouped["group"]


def test_members_taken_out_stay_out_after_regrouping(app, client, login_as, runner, grouped):
    login_as("moderator")
    removed = grouped["copies"][-2:]
    response = _post(
        client, grouped["group"], "members", {"action": "remove", "ids": _ids(app, removed)}
    )
    assert response.status_code == 303
    assert "2 comments were taken out of the group." in client.get(response.location).text
    runner.invoke(args=["moderation", "regroup"])
    groups = _groups(app)
    assert all(groups[r] is None for r in removed)
    assert groups[grouped["copies"][0]] == grouped["group"]
    [record] = _audit(app, "group_members_removed")
    assert sorted(json.loads(record.details)["removed"]) == sorted(removed)


def test_split_makes_a_new_group_and_merge_joins_them_again(app, client, login_as, grouped):
    login_as("moderator")
    moved = grouped["copies"][:3]
    response = _post(
        client, grouped["group"], "members", {"action": "split", "ids": _ids(app, moved)}
    )
    assert response.status_code == 303
    groups = _groups(app)
    new_group = groups[moved[0]]
    assert new_group not in (None, grouped["group"])
    assert {groups[r] for r in moved} == {new_group}
    assert _audit(app, "group_split")
    response = _post(client, grouped["group"], "merge", {"other": str(new_group)})
    assert response.status_code == 303
    assert "(3 comments)" in client.get(response.location).text
    assert {_groups(app)[r] for r in grouped["copies"]} == {grouped["group"]}
    with app.app_context():
        assert db.session.get(CampaignGroup, new_group) is None
    assert _audit(app, "group_merged")


def test_split_needs_two_comments_and_says_so(app, client, login_as, grouped):
    login_as("moderator")
    response = _post(
        client,
        grouped["group"],
        "members",
        {"action": "split", "ids": _ids(app, grouped["copies"][:1])},
    )
    assert response.status_code == 409
    assert "A new group needs at least two comments" in response.text
    assert "checked" in response.text  # the selection is still there
    assert {_groups(app)[r] for r in grouped["copies"]} == {grouped["group"]}


def test_one_decision_for_the_whole_group(app, client, login_as, grouped):
    with app.app_context():
        withdrawn = db.session.scalar(
            sa.select(Comment).where(Comment.receipt_number == grouped["copies"][4])
        )
        withdrawn.status = "withdrawn"
        db.session.commit()
    login_as("moderator")
    response = _post(
        client, grouped["group"], "decide", {"decision": "reject", "reason": "duplicate"}
    )
    assert response.status_code == 200
    assert "9 comments changed." in response.text
    assert "1 comment did not change:" in response.text
    assert grouped["copies"][4] in response.text
    with app.app_context():
        states = dict(db.session.execute(sa.select(Comment.receipt_number, Comment.status)).all())
    assert [states[r] for r in grouped["copies"]].count("not_published") == 9
    assert all(states[r] == "received" for r in grouped["distinct"])
    assert len(_audit(app, "comment_reject")) == 9


def test_group_decision_without_a_choice_is_explained(app, client, login_as, grouped):
    login_as("moderator")
    response = _post(client, grouped["group"], "decide", {"decision": ""})
    assert response.status_code == 422
    assert "Choose a decision." in response.text


def test_group_page_marks_what_each_member_changed_and_folds_the_rest(
    app, client, login_as, grouped
):
    login_as("moderator")
    page = client.get(f"{GROUPS}/{grouped['group']}").text
    # every copy differs a little from the representative: the page marks the edits and folds
    # the unchanged text, so it is shorter than the members' full texts shown side by side
    assert "<ins>" in page or "<del>" in page
    assert 'class="folded"' in page
    diffs = re.findall(r'<p class="diff">(.*?)</p>', page, re.S)
    assert diffs
    assert all(len(re.sub(r"<[^>]+>", "", d)) < len(LETTER) for d in diffs)


def test_group_approval_waits_for_personal_data_then_states_the_counts(
    app, client, login_as, grouped
):
    with app.app_context():
        member = db.session.scalar(
            sa.select(Comment).where(Comment.receipt_number == grouped["copies"][3])
        )
        member.body += "連絡は090-3333-4444へ。"
        db.session.commit()
    login_as("moderator")
    page = client.get(f"{GROUPS}/{grouped['group']}").text
    assert "1 members have unresolved personal-data suggestions" in page
    assert "Personal data unresolved: 1" in page
    refused = _post(client, grouped["group"], "decide", {"decision": "approve"})
    assert refused.status_code == 409
    assert grouped["copies"][3] in refused.text
    applied = _post(client, grouped["group"], "apply-suggestions", {})
    assert applied.status_code == 303
    asked = _post(client, grouped["group"], "decide", {"decision": "approve"})
    assert asked.status_code == 200
    assert "10 comments will be approved. Of these, 0 still have personal-data suggestions." in (
        asked.text
    )
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(Comment.status == "published")) == 0
        )
    done = _post(client, grouped["group"], "decide", {"decision": "approve", "confirmed": "1"})
    assert "10 comments changed." in done.text
