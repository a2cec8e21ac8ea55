"""Campaign copies found through the band index: a new comment is compared with the few comments
that share a band of its signature, never with the whole measure, on SQLite and PostgreSQL, with
one worker or several, and `portal moderation regroup` fills the index for older comments."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import REDIS_URL, set_period

from portal.database import utcnow
from portal.extensions import db
from portal.models import CampaignGroup, CandidateBand, Comment, Measure
from portal.services import jobs
from portal.services.moderation import duplicates
from portal.services.moderation.corpus import (
    CAMPAIGN_LETTERS,
    campaign_copy,
    distinct_comment,
)
from portal.services.moderation.duplicates import index

LETTER = CAMPAIGN_LETTERS[1]
PAGE = "/ja/measures/1-1"


@pytest.fixture
def measure_open(app):
    set_period(app, "1-(1)", timedelta(days=-20), timedelta(days=10))
    return PAGE


def _measure_id() -> int:
    return db.session.scalar(sa.select(Measure.id).where(Measure.code == "1-(1)"))


def _store(measure_id: int, texts: list[str]) -> None:
    """Comments stored in bulk, as a migration or an import leaves them: no analysis, no index."""
    start = utcnow() - timedelta(days=2)
    db.session.execute(
        sa.insert(Comment),
        [
            {
                "access_key_hash": "0" * 64,
                "measure_id": measure_id,
                "body": text,
                "declared_language": "ja",
                "detected_language": "ja",
                "detection_confidence": 1.0,
                "respondent_type": "lives",
                "received_at": start + timedelta(seconds=n),
            }
            for n, text in enumerate(texts)
        ],
    )
    db.session.commit()


def _texts(copies: int, distinct: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - sample texts
    texts = [campaign_copy(rng, LETTER) for _ in range(copies)]
    texts += [distinct_comment(rng, "ja") for _ in range(distinct)]
    rng.shuffle(texts)
    return texts


def _receipt(response) -> str:
    return re.search(r"PC-\d{4}-\d{6}", response.text)[0]


def _group_of(receipt: str) -> int | None:
    return db.session.scalar(sa.select(Comment.group_id).where(Comment.receipt_number == receipt))


def _campaign_group(measure_id: int) -> int:
    """The group holding most comments of the measure (the campaign)."""
    return db.session.execute(
        sa.select(Comment.group_id, sa.func.count())
        .where(Comment.measure_id == measure_id, Comment.group_id.is_not(None))
        .group_by(Comment.group_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).one()[0]


def test_a_copy_is_found_among_2000_comments_without_reading_the_measure(app, measure_open):
    with app.app_context():
        measure_id = _measure_id()
        _store(measure_id, _texts(copies=300, distinct=1700))
        duplicates.regroup_measure(measure_id)
        db.session.commit()
        campaign = _campaign_group(measure_id)
        copy = Comment(
            access_key_hash="1" * 64,
            measure_id=measure_id,
            body=campaign_copy(random.Random(99), LETTER),  # noqa: S311 - sample text
            declared_language="ja",
            respondent_type="lives",
        )
        db.session.add(copy)
        db.session.commit()
        statements: list[tuple[str, object]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert duplicates.group_new_comment(copy.id) == campaign
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        db.session.commit()
        # A handful of statements, and the only texts read are the candidates', by id.
        assert len(statements) <= 8, [s for s, _p in statements]
        # (the new comment itself by its id, then its candidates by theirs)
        bodies_read = [p for s, p in statements if "comments.body" in s]
        assert len(bodies_read) == 2
        assert all(len(p) <= index.MAX_CANDIDATES + 1 for p in bodies_read)
        assert all("group by" not in s.lower() or "candidate_bands" in s for s, _p in statements)


def test_only_leaders_are_indexed_so_a_campaign_adds_few_rows(app, measure_open):
    with app.app_context():
        measure_id = _measure_id()
        _store(measure_id, _texts(copies=200, distinct=50))
        duplicates.regroup_measure(measure_id)
        db.session.commit()
        indexed = db.session.scalar(sa.select(sa.func.count(sa.distinct(CandidateBand.comment_id))))
        # The 50 distinct comments, and a few leaders of the campaign: not its 200 copies.
        assert 50 <= indexed < 80


@pytest.mark.parametrize("app_config", [{"PORTAL_GROUPING": "inline"}])
def test_regroup_fills_the_index_for_comments_stored_before_it(app, runner, submit, measure_open):
    with app.app_context():
        measure_id = _measure_id()
        _store(measure_id, _texts(copies=30, distinct=20))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CandidateBand)) == 0
    result = runner.invoke(args=["moderation", "regroup"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CandidateBand)) > 0
        campaign = _campaign_group(measure_id)
    receipt = _receipt(submit(measure_open, body="伊勢崎市民です。" + LETTER))
    with app.app_context():
        assert _group_of(receipt) == campaign


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's PostgreSQL pass has it)")
@pytest.mark.parametrize("app_config", [{"PORTAL_GROUPING": "queue"}])
def test_the_worker_groups_new_copies_through_the_stored_index(app, submit, measure_open):
    app.config.update(PORTAL_JOBS="rq", PORTAL_JOBS_REDIS_URL=REDIS_URL)
    with app.app_context():
        jobs.queue().empty()
    rng = random.Random(3)  # noqa: S311 - sample texts
    receipts = [_receipt(submit(measure_open, body=campaign_copy(rng, LETTER))) for _ in range(3)]
    other = _receipt(submit(measure_open, body="公園の遊具を新しくしてほしいです。"))
    with app.app_context():
        assert jobs.queue().count == 4
    # Two workers one after the other: the second finds what the first stored in the database.
    jobs.run_worker(app, burst=True)
    receipts.append(_receipt(submit(measure_open, body=LETTER + "以上です。")))
    jobs.run_worker(app, burst=True)
    with app.app_context():
        groups = {_group_of(r) for r in receipts}
        assert len(groups) == 1
        assert None not in groups
        assert _group_of(other) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignGroup)) == 1
        # The first copy (the group's representative) and the distinct comment are the leaders.
        indexed = set(db.session.scalars(sa.select(CandidateBand.comment_id).distinct()))
        assert len(indexed) == 2
