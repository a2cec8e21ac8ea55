"""Atom feeds of the consultations (e-Gov publishes the same kind of feed): opened for comment,
closing within a week, results published; one feed per kind and one with all, per locale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from sqlalchemy import select

from portal.extensions import db
from portal.models import Measure
from portal.models.measures import PeriodState

KINDS = ("all", "opening", "closing", "results")
CLOSING_SOON = timedelta(days=7)


@dataclass(frozen=True)
class FeedEntry:
    """Something that happened to one consultation."""

    kind: str  # opening | closing | results
    measure: Measure
    at: datetime


def entries(kind: str, now: datetime) -> list[FeedEntry]:
    """What the feed of `kind` lists at `now`, newest first."""
    found: list[FeedEntry] = []
    for measure in db.session.scalars(select(Measure).order_by(Measure.id)):
        state = measure.state(now)
        if kind in ("all", "opening") and measure.opens_at and measure.opens_at <= now:
            found.append(FeedEntry("opening", measure, measure.opens_at))
        if (
            kind in ("all", "closing")
            and state is PeriodState.OPEN
            and measure.closes_at - now <= CLOSING_SOON
        ):
            found.append(
                FeedEntry(
                    "closing", measure, max(measure.closes_at - CLOSING_SOON, measure.opens_at)
                )
            )
        if kind in ("all", "results") and state is PeriodState.RESULTS_PUBLISHED:
            found.append(FeedEntry("results", measure, measure.results_published_at))
    return sorted(found, key=lambda e: (e.at, e.measure.id), reverse=True)


def next_change(now: datetime) -> datetime | None:
    """The first moment after `now` at which some feed lists something else."""
    moments = []
    for measure in db.session.scalars(select(Measure)):
        for moment in (
            measure.opens_at,
            measure.closes_at,
            measure.closes_at - CLOSING_SOON if measure.closes_at else None,
            measure.results_published_at,
        ):
            if moment is not None and moment > now:
                moments.append(moment)
    return min(moments, default=None)


@dataclass(frozen=True)
class FeedText:
    """What the feed says, in the reader's language (the caller translates)."""

    feed_title: str
    entry_title: Callable[[FeedEntry], str]
    entry_summary: Callable[[FeedEntry], str]
    entry_link: Callable[[FeedEntry], str]


def atom(
    kind: str,
    locale: str,
    now: datetime,
    *,
    feed_url: str,
    home_url: str,
    text: FeedText,
    published: datetime,
) -> bytes:
    """The Atom document of one feed (feedgen writes it; valid Atom 1.0)."""
    host = urlsplit(home_url).hostname or "localhost"
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(text.feed_title)
    feed.author({"name": "伊勢崎市 Isesaki City"})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=home_url, rel="alternate", type="text/html", hreflang=locale)
    feed.language(locale)
    feed.rights("CC BY 4.0 伊勢崎市")
    listed = entries(kind, now)
    feed.updated(listed[0].at if listed else published)
    for item in listed:
        entry = feed.add_entry(order="append")
        # A tag URI: stable whatever the feed's address or language.
        entry.id(f"tag:{host},2020:{item.measure.slug}/{item.kind}")
        entry.title(text.entry_title(item))
        entry.summary(text.entry_summary(item))
        entry.link(href=text.entry_link(item), rel="alternate", type="text/html")
        entry.updated(item.at)
        entry.published(item.at)
        entry.category(term=item.kind)
    return feed.atom_str(pretty=True)
