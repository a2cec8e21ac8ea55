"""Staff see declared against detected language, and counts by language, from the command line."""

import pytest
from conftest import set_period
from test_language_detection import SENTENCES

CONTACT_NAME = "Nguyễn Văn An"


@pytest.fixture
def mixed_comments(app, submit, open_measure):
    from datetime import timedelta

    set_period(app, "5-(5)", -timedelta(days=1), timedelta(days=20))
    submit(open_measure, body=SENTENCES["ja"], language="en", name="山田太郎")
    submit(open_measure, body=SENTENCES["vi"], language="vi", name=CONTACT_NAME)
    submit("/vi/measures/5-5", body=SENTENCES["ne"], language="ne")
    submit("/vi/measures/5-5", body="ok", language="pt-BR")


def test_moderator_sees_declared_and_detected_language(runner, mixed_comments):
    result = runner.invoke(args=["comments", "languages"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "4 comments"
    flagged = [line for line in lines if line.startswith("⚠")]
    assert len(flagged) == 1
    assert "declared en" in flagged[0]
    assert "detected ja" in flagged[0]
    assert any("declared pt-BR" in line and "detected ?" in line for line in lines)


def test_only_differing_comments_can_be_listed(runner, mixed_comments):
    result = runner.invoke(args=["comments", "languages", "--differing"])
    assert result.output.splitlines()[-1] == "1 comments"


def test_reports_never_print_contact_details(runner, mixed_comments):
    for args in (["comments", "languages"], ["comments", "figures"]):
        output = runner.invoke(args=args).output
        assert CONTACT_NAME not in output
        assert "山田太郎" not in output


def test_figures_count_comments_by_language(runner, mixed_comments):
    result = runner.invoke(args=["comments", "figures"])
    assert result.exit_code == 0, result.output
    assert "1-(1)      2 comments: en 1, vi 1" in result.output
    assert "5-(5)      2 comments: ne 1, pt-BR 1" in result.output
    only = runner.invoke(args=["comments", "figures", "--measure", "5-(5)"]).output
    assert "1-(1)" not in only
