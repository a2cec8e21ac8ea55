"""Health, readiness and metrics for the people who run the portal."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REDIS_URL, USE_POSTGRES

from portal import create_app

TOKEN = "metrics-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _value(exposition: str, sample: str) -> float:
    """The value of one sample line (`name{labels}`), 0 when absent."""
    match = re.search(rf"^{re.escape(sample)} ([0-9.e+-]+)$", exposition, re.M)
    return float(match[1]) if match else 0.0


def test_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"


def test_ready_when_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "database: ok" in response.get_data(as_text=True)
    if REDIS_URL:
        assert "redis: ok" in response.get_data(as_text=True)


def test_not_ready_without_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/portal.sqlite3",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database: unreachable" in response.get_data(as_text=True)
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}])
def test_not_ready_when_configured_redis_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "redis: unreachable" in response.get_data(as_text=True)
    assert "database: ok" in response.get_data(as_text=True)


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("app_config", [{"PORTAL_METRICS_TOKEN": TOKEN}])
def test_metrics_need_the_token(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert "portal_http_requests" not in wrong.get_data(as_text=True)
    assert client.get("/metrics", headers=AUTH).status_code == 200


@pytest.mark.parametrize("app_config", [{"PORTAL_METRICS_TOKEN": TOKEN}])
def test_metrics_count_requests_comments_and_the_queue(client, submit, open_measure):
    before = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    client.get("/en/")
    client.get("/en/no-such-page")
    submit(open_measure)
    after = client.get("/metrics", headers=AUTH).get_data(as_text=True)

    def grew(sample):
        return _value(after, sample) - _value(before, sample)

    assert (
        grew('portal_http_requests_total{endpoint="public.index",method="GET",status="200"}') == 1
    )
    assert grew('portal_http_requests_total{endpoint="unmatched",method="GET",status="404"}') == 1
    assert (
        grew('portal_http_requests_total{endpoint="public.measure",method="POST",status="303"}')
        == 1
    )
    assert grew('portal_comments_received_total{language="ja"}') == 1
    assert grew('portal_http_request_duration_seconds_count{endpoint="public.index"}') == 1
    assert _value(after, "portal_comments_awaiting_review") == 1


@pytest.mark.parametrize(
    "app_config", [{"PORTAL_METRICS_TOKEN": TOKEN, "PROPAGATE_EXCEPTIONS": False}]
)
def test_metrics_count_unexpected_errors(client, submit, open_measure, monkeypatch):
    def broken(text):
        raise RuntimeError("detector broke")

    before = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    monkeypatch.setattr("portal.services.resident.submission.has_visible_text", broken)
    assert submit(open_measure).status_code == 500
    after = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    sample = 'portal_errors_total{kind="unhandled"}'
    assert _value(after, sample) - _value(before, sample) == 1


_WORKER = """
import sys
from portal import create_app
app = create_app({"TESTING": True, "PORTAL_ENV": "testing", "SECRET_KEY": "x",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "PORTAL_METRICS_TOKEN": "t"})
client = app.test_client()
client.get("/healthz")
if sys.argv[2] == "scrape":
    print(client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True))
"""


@pytest.mark.skipif(USE_POSTGRES, reason="one run of the subprocess test is enough")
def test_metrics_add_up_every_worker_process(app, tmp_path):
    """Under gunicorn each worker is a process: a scrape must count them all."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    for role in ("worker", "worker", "scrape"):
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _WORKER, uri, role],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    sample = 'portal_http_requests_total{endpoint="healthz",method="GET",status="200"}'
    assert _value(result.stdout, sample) == 3
