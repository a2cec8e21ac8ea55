"""Every state of a comment period, as a resident sees it."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import set_period

from portal.models import Measure, PeriodState

DAY = timedelta(days=1)


def test_open_measure_shows_days_left_and_deadline_in_japan_time(app, client):
    set_period(app, "1-(1)", -5 * DAY, timedelta(days=9, hours=3))
    page = client.get("/en/measures/1-1").get_data(as_text=True)
    assert "Open for comments" in page
    assert "10 days left" in page
    assert "(Japan Time)" in page
    assert 'name="body"' in page


def test_last_day_reads_one_day_left(app, client):
    set_period(app, "1-(1)", -5 * DAY, timedelta(hours=2))
    assert "1 day left" in client.get("/en/measures/1-1").get_data(as_text=True)


def test_upcoming_measure_says_when_it_opens_and_has_no_form(app, client):
    set_period(app, "2-(3)", 3 * DAY, 33 * DAY)
    page = client.get("/en/measures/2-3").get_data(as_text=True)
    assert "Upcoming" in page
    assert "Comments on this measure can be sent from" in page
    assert 'name="body"' not in page


def test_closed_measure_has_no_form(app, client):
    set_period(app, "3-(1)", -40 * DAY, -10 * DAY)
    page = client.get("/en/measures/3-1").get_data(as_text=True)
    assert "Closed" in page
    assert "The comment period for this measure has ended" in page
    assert 'name="body"' not in page


def test_published_results_are_announced(app, client):
    set_period(app, "4-(2)", -40 * DAY, -10 * DAY, results_in=-DAY)
    page = client.get("/en/measures/4-2").get_data(as_text=True)
    assert "Results published" in page
    assert 'name="body"' not in page


def test_unscheduled_measure_says_so(client):
    page = client.get("/en/measures/5-6").get_data(as_text=True)
    assert "Comment period not yet announced" in page


def test_index_lists_every_measure_with_its_state(app, client):
    set_period(app, "1-(1)", -DAY, 29 * DAY)
    page = client.get("/en/").get_data(as_text=True)
    # 32 measures and the 3 general chapters
    assert page.count('class="badge') == 35
    assert "29 days left" in page or "30 days left" in page
    assert "/en/measures/5-6" in page


@pytest.mark.parametrize(
    ("opens", "closes", "results", "expected"),
    [
        (None, None, None, PeriodState.UNSCHEDULED),
        (DAY, 2 * DAY, None, PeriodState.UPCOMING),
        (-DAY, DAY, None, PeriodState.OPEN),
        (-2 * DAY, -DAY, None, PeriodState.CLOSED),
        (-3 * DAY, -2 * DAY, -DAY, PeriodState.RESULTS_PUBLISHED),
        (-3 * DAY, -2 * DAY, DAY, PeriodState.CLOSED),
    ],
)
def test_period_state_boundaries(opens, closes, results, expected):
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    measure = Measure(
        code="9-(9)",
        number=9,
        opens_at=opens and now + opens,
        closes_at=closes and now + closes,
        results_published_at=results and now + results,
    )
    assert measure.state(now) is expected


def test_period_closes_exactly_at_its_deadline():
    closes = datetime(2026, 12, 25, 8, 59, tzinfo=UTC)
    measure = Measure(code="9-(9)", number=9, opens_at=closes - 30 * DAY, closes_at=closes)
    assert measure.accepts_comments(closes - timedelta(seconds=1))
    assert not measure.accepts_comments(closes)


def test_a_period_must_close_after_it_opens():
    measure = Measure(code="9-(9)", number=9)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="closes_before_opening"):
        measure.open_period(now, now)
