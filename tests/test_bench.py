"""The load generator works on a small run, and its no-loss check notices a lost comment.

Not a timed test: it starts gunicorn as the README's production section does, with one worker
on a SQLite file of its own (never the test database), and sends a handful of comments.
"""

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import load  # noqa: E402


@pytest.fixture(scope="module")
def server():
    server = load.start_server(None, workers=1)
    yield server
    server.stop()


def test_comment_text_is_unique_and_of_resident_length():
    import random

    rng = random.Random(0)  # noqa: S311 - test texts, not secrets
    texts = {
        load.comment_text(lang, f"s{i}", rng) for i in range(30) for lang in ("ja", "vi", "ne")
    }
    assert len(texts) == 90
    assert all(200 <= len(text) <= 800 for text in texts)


def test_small_run_gets_receipts_that_all_match_stored_comments(server):
    slugs = load.measure_slugs(server.port)
    result = load.run_load("127.0.0.1", server.port, 2, 2, slugs, "flow", processes=1)
    assert result.errors == {}
    assert len(result.receipts) >= 2
    assert len(result.flows) == len(result.receipts)
    assert result.posts
    assert load.check_receipts(server.database_url, result.receipts) == []

    engine = sa.create_engine(server.database_url)
    number = result.receipts[0][0]
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM comments WHERE receipt_number = :n"), {"n": number})
    problems = load.check_receipts(server.database_url, result.receipts)
    assert problems == [f"receipt {number}: 0 stored comments"]

    # A comment nobody got a receipt for is reported too.
    assert load.check_receipts(server.database_url, result.receipts[2:]) != []
    engine.dispose()


def test_the_benchmark_prints_its_figures(server, capsys):
    slugs = load.measure_slugs(server.port)
    figures = load.flow_round(server, clients=2, seconds=1, slugs=slugs)
    load.print_round(figures, "tiny")
    load.print_phases(load.page_phases(server, 2, 0.5, slugs))
    out = capsys.readouterr().out
    assert "accepted comments:" in out
    assert "POST  p50/p95/p99" in out
    assert "web CPU per flow:" in out
    assert "ratio to static" in out
    # Where the machine's CPU went while the comments were sent: the server did work.
    assert "CPU during the comments" in out
    assert figures["cpu"]["portal"] > 0


def test_portal_and_minimal_app_alternate_and_the_ratio_is_printed(capsys):
    status = load.main(
        ["--clients", "2", "--seconds", "1", "--rounds", "2", "--phase-seconds", "0.5"]
        + ["--workers", "1"]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.index("round 1: portal") < out.index("round 1: minimal Flask app")
    assert out.index("round 1: minimal Flask app") < out.index("round 2: portal")
    assert "round 2 ratio portal ÷ minimal: accepted" in out
    assert "ratio portal ÷ minimal over 2 rounds (accepted):" in out
    assert "(minimal app stored" in out
    assert "no-loss check:" in out
    assert "all match one stored comment each" in out


def test_minimal_app_is_a_form_with_csrf_a_row_and_a_receipt(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/minimal.sqlite3")
    import minimal_app

    client = minimal_app.create_app().test_client()
    page = client.get("/ja/measures/1-1").get_data(as_text=True)
    fields = load.hidden_fields(page)
    assert "csrf_token" in fields
    # CSRFProtect refuses a POST without the token before the view runs.
    assert client.post("/ja/measures/1-1", data={"body": "x"}).status_code == 400
    response = client.post("/ja/measures/1-1", data={**fields, "body": "窓口の待ち時間"})
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="receipt-number">M-1<' in receipt
    assert "窓口の待ち時間" in receipt


def test_open_loop_table_has_a_row_per_share_of_the_sustained_rate(capsys):
    status = load.main(["--open-loop-table", "4", "--seconds", "1.5", "--workers", "1"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "== open loop (Poisson arrivals)" in out
    assert "| offered | of sustained |" in out
    for share in ("25%", "50%", "75%"):
        assert f"| {share} |" in out
    assert "no-loss check:" in out


def test_export_speed_prints_times_beside_sqlite3_and_peak_memory():
    import shutil
    import subprocess

    if not shutil.which("sqlite3"):
        pytest.skip("the sqlite3 shell is the baseline")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(root / "bench" / "export_speed.py"), "--sizes", "300"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
        timeout=600,
    )
    out = result.stdout
    assert "300 approved comments" in out
    assert "sqlite3 -csv baseline:" in out
    for fmt in ("csv ", "json"):
        line = next(line for line in out.splitlines() if line.strip().startswith(fmt))
        assert "× sqlite3 -csv" in line
        assert "peak RSS" in line
