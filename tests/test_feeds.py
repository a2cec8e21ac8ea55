"""Atom feeds per locale: valid Atom 1.0 (read back with a parser), what opened, what closes
within a week, what was published; linked from every page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from api_conformance import publish_sample_results
from conftest import set_period

from portal.i18n import LOCALES

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)  # noqa: S314 (the portal's own feed)


def assert_valid_atom(feed: ET.Element) -> None:
    """What RFC 4287 requires of a feed and its entries."""
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    datetime.fromisoformat(feed.find(f"{ATOM}updated").text)
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert (entry.find(f"{ATOM}{required}").text or "").strip(), required
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
        ids.append(entry.find(f"{ATOM}id").text)
    assert len(ids) == len(set(ids))


def titles(feed: ET.Element) -> list[str]:
    return [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]


@pytest.mark.parametrize("locale", LOCALES, ids=[locale.tag for locale in LOCALES])
def test_every_locale_has_valid_feeds(client, locale, open_measure):
    for kind in ("all", "opening", "closing", "results"):
        feed = parse(client, f"/{locale.tag}/feeds/{kind}.atom")
        assert_valid_atom(feed)
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == locale.tag


def test_feeds_follow_the_consultations(app, client):
    set_period(app, "2-(1)", timedelta(days=-1), timedelta(days=29))
    set_period(app, "2-(2)", timedelta(days=-25), timedelta(days=5))
    opened = parse(client, "/en/feeds/opening.atom")
    assert any("2-(1)" in title for title in titles(opened))
    closing = parse(client, "/en/feeds/closing.atom")
    assert [t for t in titles(closing) if "2-(" in t] == [
        t for t in titles(closing) if "2-(2)" in t
    ]
    assert any("2-(2)" in title for title in titles(closing))
    assert not any("1-(1)" in t for t in titles(parse(client, "/en/feeds/results.atom")))
    publish_sample_results(app)
    results = parse(client, "/en/feeds/results.atom")
    [entry] = results.findall(f"{ATOM}entry")
    assert "1-(1)" in entry.find(f"{ATOM}title").text
    assert entry.find(f"{ATOM}link").get("href") == "http://localhost/en/measures/1-1/results"
    assert_valid_atom(parse(client, "/en/feeds/all.atom"))


def test_every_page_links_its_feeds(client, open_measure):
    for path in ("/vi/", "/vi/measures/1-1", "/vi/receipts", "/vi/privacy", "/vi/feeds"):
        page = client.get(path).text
        assert 'type="application/atom+xml"' in page
        assert 'href="/vi/feeds/all.atom"' in page
    assert client.get("/vi/feeds/nothing.atom").status_code == 404


def test_a_feed_reader_gets_304_for_an_unchanged_feed(client):
    first = client.get("/ja/feeds/all.atom")
    again = client.get("/ja/feeds/all.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
