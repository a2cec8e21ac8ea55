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
    figures = load.benchmark(server, clients=2, seconds=1, phase_seconds=0.5)
    load.print_figures(figures, "tiny")
    out = capsys.readouterr().out
    assert "accepted comments:" in out
    assert "POST  p50/p95/p99" in out
    assert "ratio to static" in out
    # Where the machine's CPU went while the comments were sent: the server did work.
    assert "CPU during the comments" in out
    assert figures["cpu"]["portal"] > 0
    assert figures["static"] > 0
    assert figures["home"] > 0
    assert figures["measure"] > 0
