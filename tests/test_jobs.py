"""Background jobs: at once without Redis, on RQ with it; and the refusal of per-process limits."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import REDIS_URL
from test_double_submission import form_from, receipt_of

from portal.config import ConfigurationError, check_worker_count
from portal.extensions import db
from portal.models import Comment, SubmissionToken
from portal.services import jobs

ROOT = Path(__file__).resolve().parent.parent
PURGE = "portal.services.resident.submission.purge_expired_submission_tokens"


def send_two_comments_one_long_ago(app, client, open_measure):
    for _ in range(2):
        data = form_from(client.get(open_measure).get_data(as_text=True))
        receipt_of(client, client.post(open_measure, data=data))
    with app.app_context():
        old = db.session.scalars(sa.select(SubmissionToken)).first()
        old.created_at -= timedelta(hours=4)
        db.session.commit()


def tokens_left(app) -> int:
    with app.app_context():
        return len(db.session.scalars(sa.select(SubmissionToken)).all())


def test_without_a_queue_a_job_runs_at_once(app, client, open_measure):
    send_two_comments_one_long_ago(app, client, open_measure)
    with app.app_context():
        jobs.enqueue(PURGE)
    assert tokens_left(app) == 1


def test_jobs_run_portal_functions_only(app):
    with app.app_context(), pytest.raises(ValueError, match="portal functions only"):
        jobs.enqueue("os.system", "true")


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's PostgreSQL pass has it)")
def test_with_redis_a_job_waits_for_the_worker(app, client, open_measure):
    app.config.update(PORTAL_JOBS="rq", PORTAL_JOBS_REDIS_URL=REDIS_URL)
    with app.app_context():
        jobs.queue().empty()
    send_two_comments_one_long_ago(app, client, open_measure)
    with app.app_context():
        jobs.enqueue(PURGE)
    assert tokens_left(app) == 2  # queued, not run
    jobs.run_worker(app, burst=True)
    assert tokens_left(app) == 1


def test_worker_command_needs_redis(runner, app):
    app.config["PORTAL_JOBS_REDIS_URL"] = None
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_production_with_several_workers_needs_redis():
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        check_worker_count({"PORTAL_ENV": "production"}, 4)
    check_worker_count({"PORTAL_ENV": "production", "REDIS_URL": "redis://r/0"}, 4)
    check_worker_count({"PORTAL_ENV": "production"}, 1)
    check_worker_count({"PORTAL_ENV": "development"}, 4)


def test_gunicorn_refuses_two_workers_without_redis(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "WEB_CONCURRENCY")
    }
    env.update(PORTAL_ENV="production", SECRET_KEY="x" * 32, PYTHONPATH=str(ROOT))
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to start" in result.stderr
    assert "REDIS_URL" in result.stderr


NEPALI_WITH_PHONE = (
    "म प्रशासनिक सुधारको दिशासँग सहमत छु, तर काउन्टरमा पर्खने समय अझै लामो छ। "
    "मलाई 090-1234-5678 मा फोन गर्नुहोस्।"
)


def stored_analysis(app) -> tuple[str | None, int]:
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment)).one()
        return comment.detected_language, comment.pii_suggestions


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's PostgreSQL pass has it)")
@pytest.mark.parametrize("app_config", [{"PORTAL_GROUPING": "queue"}])
def test_a_new_comment_is_analysed_by_the_worker_not_the_request(app, client, open_measure):
    app.config.update(PORTAL_JOBS="rq", PORTAL_JOBS_REDIS_URL=REDIS_URL)
    with app.app_context():
        jobs.queue().empty()
    data = form_from(client.get(open_measure).get_data(as_text=True))
    data.update(body=NEPALI_WITH_PHONE, language="ne")
    receipt_of(client, client.post(open_measure, data=data))
    assert stored_analysis(app) == (None, 0)  # stored and acknowledged; analysis queued
    with app.app_context():
        assert jobs.queue().count == 1
    jobs.run_worker(app, burst=True)
    assert stored_analysis(app) == ("ne", 1)


@pytest.mark.parametrize("app_config", [{"PORTAL_GROUPING": "off"}])
def test_regroup_reads_comments_no_job_analysed(app, client, open_measure, runner):
    data = form_from(client.get(open_measure).get_data(as_text=True))
    data.update(body=NEPALI_WITH_PHONE, language="ne")
    receipt_of(client, client.post(open_measure, data=data))
    assert stored_analysis(app) == (None, 0)
    result = runner.invoke(args=["moderation", "regroup"])
    assert result.exit_code == 0, result.output
    assert "language and personal data read for 1 comments" in result.output
    assert stored_analysis(app) == ("ne", 1)
