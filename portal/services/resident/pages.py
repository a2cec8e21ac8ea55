"""Residents' pages whose content changes only when staff edit it, built once per process.

The home page and a measure page with its empty comment form cost tens of milliseconds to
render (the outline's text with glossary notes and furigana, nine locales' links, the form's
widgets), yet change only when staff edit the outline or a comment period starts, ends or
crosses a day. Under a flood every resident asks for the same few pages, so each worker keeps
the finished HTML and fills in, per request, only what belongs to the visitor: the CSRF token
and the form's one-time submission token.

Staleness is ruled out in two ways:

- The outline's tables carry a content version (one row, ``content_version``). Any change to
  them through the ORM bumps it in the same transaction (a flush hook below), and every
  request reads it: a page built from an older version is never served, on any worker or
  server.
- A page records the moment it was built and the next moment its period badges change (an
  opening, a closing, "3 days left" becoming "2 days left"); outside that window it is rebuilt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from portal.models import AreaText, GlossaryTerm, Measure, MeasureText, PriorityArea
from portal.models.measures import GlossaryText, PeriodState

CONTENT_MODELS = (PriorityArea, AreaText, Measure, MeasureText, GlossaryTerm, GlossaryText)
_CONTENT_TABLES = {model.__table__.name for model in CONTENT_MODELS}
# Upsert, so that a database whose tables were emptied (tests truncate them) starts counting
# again instead of never invalidating. Both SQLite (3.24+) and PostgreSQL accept it.
_BUMP = text(
    "INSERT INTO content_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = content_version.version + 1"
)
_READ = text("SELECT version FROM content_version WHERE id = 1")
MAX_PAGES = 4096


def content_version(engine: Engine) -> int:
    """The outline's current content version (0 before anything was ever written).

    Read outside any transaction: on a cached page this is the request's only statement, and
    a transaction would add a BEGIN and a ROLLBACK round trip to it.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(_READ).scalar() or 0


def _touches_content(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, CONTENT_MODELS):
            return True
    for obj in session.deleted:
        if isinstance(obj, CONTENT_MODELS):
            return True
    for obj in session.dirty:
        if isinstance(obj, CONTENT_MODELS) and session.is_modified(obj):
            return True
    return False


@event.listens_for(Session, "before_flush")
def _bump_on_content_change(session: Session, _flush_context, _instances) -> None:
    if _touches_content(session):
        session.execute(_BUMP)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_change(state) -> None:
    """`update(Measure)...` and the like bypass the flush: bump for them too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in _CONTENT_TABLES:
        state.session.execute(_BUMP)


def bump_content_version(session: Session) -> None:
    """Invalidate every cached page (for changes made outside the ORM, e.g. raw SQL)."""
    session.execute(_BUMP)


def next_change(measures: Iterable[Measure], now: datetime) -> datetime | None:
    """The first moment after `now` at which a period badge of `measures` reads differently."""
    moments = []
    for measure in measures:
        for moment in (measure.opens_at, measure.closes_at, measure.results_published_at):
            if moment is not None and moment > now:
                moments.append(moment)
        if measure.state(now) is PeriodState.OPEN:
            # "N days left" counts started days: it drops when a whole number of days remain.
            moments.append(measure.closes_at - timedelta(days=measure.days_left(now) - 1))
    return min(moments, default=None)


@dataclass(frozen=True)
class CachedPage:
    """A finished page split around the visitor's tokens, valid for one content version."""

    version: int
    built_at: datetime
    valid_until: datetime | None
    parts: tuple[str, ...]  # text, token name, text, token name, ..., text

    def fresh(self, version: int, now: datetime) -> bool:
        return (
            self.version == version
            and self.built_at <= now
            and (self.valid_until is None or now < self.valid_until)
        )

    def fill(self, tokens: dict[str, str]) -> str:
        parts = self.parts
        out = [parts[0]]
        for index in range(1, len(parts), 2):
            out.append(tokens[parts[index]])
            out.append(parts[index + 1])
        return "".join(out)


def split_around(html: str, tokens: dict[str, str]) -> tuple[str, ...]:
    """`html` as text and token names, alternating, with each token value taken out."""
    parts: list[str] = [html]
    for name, value in tokens.items():
        split: list[str] = []
        for index, part in enumerate(parts):
            if index % 2:  # already a token name
                split.append(part)
                continue
            pieces = part.split(value)
            for number, piece in enumerate(pieces):
                if number:
                    split.append(name)
                split.append(piece)
        parts = split
    return tuple(parts)


class PageCache:
    """Finished pages of one app, by key; entries of an older content version are dropped."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._pages: dict[tuple, CachedPage] = {}
        self._lock = threading.Lock()
        self._max_pages = max_pages

    def page(
        self,
        key: tuple,
        version: int,
        now: datetime,
        tokens: dict[str, str],
        build: Callable[[], tuple[str, datetime | None]],
    ) -> str:
        """The page for `key` with `tokens` filled in; `build()` renders it with those very
        tokens in it and says until when it stays true, if it is not cached or stale."""
        cached = self._pages.get(key)
        if cached is not None and cached.fresh(version, now):
            return cached.fill(tokens)
        html, valid_until = build()
        entry = CachedPage(version, now, valid_until, split_around(html, tokens))
        with self._lock:
            if len(self._pages) >= self._max_pages or any(
                page.version != version for page in self._pages.values()
            ):
                # A new version makes every other page stale: keep memory bounded.
                self._pages = {k: p for k, p in self._pages.items() if p.version == version}
                if len(self._pages) >= self._max_pages:
                    self._pages.clear()
            self._pages[key] = entry
        return html

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def page_cache(app: Flask | None = None) -> PageCache:
    """The page cache of `app` (the current app by default)."""
    app = app or current_app
    return app.extensions["portal_page_cache"]


def init_app(app: Flask) -> None:
    """Give `app` its own page cache (tests build many apps in one process)."""
    app.extensions["portal_page_cache"] = PageCache()
