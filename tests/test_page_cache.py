"""Pages built once per worker (services/resident/pages.py) never show a resident something untrue:
each visitor gets their own tokens, and a change of text or period shows at once."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token_from, set_period, valid_comment

from portal import create_app
from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure, MeasureText
from portal.public.routes import pages as routes

_SUBMISSION = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')


def _tokens(html: str) -> tuple[str, str]:
    return csrf_token_from(html), _SUBMISSION.search(html)[1]


def test_each_visitor_gets_tokens_of_their_own_from_the_same_page(app, open_measure):
    first, second = app.test_client(), app.test_client()
    pages = [
        first.get(open_measure).text,
        second.get(open_measure).text,
        first.get(open_measure).text,
    ]
    csrf = [csrf_token_from(page) for page in pages]
    submission = [_SUBMISSION.search(page)[1] for page in pages]
    assert len(set(submission)) == 3  # a new one-time token on every page, cached or not
    assert csrf[0] != csrf[1]  # each session its own CSRF token
    # Apart from the tokens, the three pages are the same page.
    assert (
        len(
            {
                page.replace(c, "").replace(s, "")
                for page, c, s in zip(pages, csrf, submission, strict=True)
            }
        )
        == 1
    )
    for client, page in ((first, pages[2]), (second, pages[1])):
        c, s = _tokens(page)
        sent = client.post(open_measure, data=valid_comment(csrf_token=c, submission_token=s))
        assert sent.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 2


def test_closing_time_closes_the_form_on_a_page_seen_before(app, client, monkeypatch):
    set_period(app, "1-(1)", timedelta(days=-30), timedelta(hours=1))
    assert 'class="comment-form"' in client.get("/en/measures/1-1").text
    assert "1 day left" in client.get("/en/").text
    later = utcnow() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(routes, "utcnow", lambda: later)
    page = client.get("/en/measures/1-1").text
    assert 'class="comment-form"' not in page
    assert "The comment period for this measure has ended" in page
    assert "1 day left" not in client.get("/en/").text


def test_days_left_counts_down_on_a_page_seen_before(app, client, monkeypatch):
    set_period(app, "1-(1)", timedelta(days=-30), timedelta(days=2, hours=1))
    assert "3 days left" in client.get("/en/measures/1-1").text
    later = utcnow() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(routes, "utcnow", lambda: later)
    page = client.get("/en/measures/1-1").text
    assert "2 days left" in page
    assert "3 days left" not in page


def test_a_change_made_through_another_server_shows_at_once(app, client, open_measure):
    assert "Revised by another server" not in client.get("/en/measures/1-1").text
    # A second app on the same database stands for another gunicorn worker or server.
    other = create_app({**app.config, "TESTING": True})
    with other.app_context():
        text = db.session.scalar(
            sa.select(MeasureText).where(
                MeasureText.locale == "en", MeasureText.measure.has(Measure.code == "1-(1)")
            )
        )
        text.title = "Revised by another server"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert "Revised by another server" in client.get("/en/measures/1-1").text
    assert "Revised by another server" in client.get("/en/").text


def test_a_bulk_update_of_the_period_shows_at_once(app, client, open_measure):
    assert 'class="comment-form"' in client.get(open_measure).text
    with app.app_context():
        db.session.execute(
            sa.update(Measure)
            .where(Measure.code == "1-(1)")
            .values(closes_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert 'class="comment-form"' not in client.get(open_measure).text


@pytest.mark.parametrize("path", ["/ja-x-easy/", "/ja-x-easy/measures/1-1"])
def test_easy_japanese_pages_get_their_furigana_once(client, open_measure, path):
    first, again = client.get(path).text, client.get(path).text
    ruby = first.count("<ruby>")
    assert ruby > 0
    assert again.count("<ruby>") == ruby
    assert "<rt>" not in re.sub(r"<ruby>.*?</ruby>", "", again)  # no ruby inside ruby


def test_an_unknown_measure_is_still_a_page_not_found(client):
    assert client.get("/en/measures/9-9").status_code == 404
    assert client.get("/en/measures/9-9").status_code == 404
