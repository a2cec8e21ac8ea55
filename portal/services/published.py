"""The outline as residents see it, kept in memory and rebuilt only when staff change it.

The outline (areas, measures, their texts in nine locales, the glossary, the comment periods)
changes a few times a month, but every page view used to load it again: six queries and the
relationship loads fired from templates were about half of a page's cost. Each process now
keeps one immutable snapshot under the token of the `content_versions` row; one small query
per request tells whether it is still current. Any ORM change to an outline row, from the admin
screens, the seed command or a test, replaces the token in the same transaction (see
`_replace_version_on_content_change`), so every process and every server sees the edit on its
next request, and a rolled-back edit changes nothing.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models.measures import (
    SOURCE_LOCALE,
    AreaText,
    GlossaryTerm,
    GlossaryText,
    Measure,
    MeasureText,
    PriorityArea,
)
from portal.models.submissions import ContentVersion

CONTENT_MODELS = (PriorityArea, AreaText, Measure, MeasureText, GlossaryTerm, GlossaryText)
_EXTENSION_KEY = "portal_published_outline"


@dataclass(frozen=True)
class Text:
    """A title, summary, body or intro in one locale (the fields a public page shows)."""

    title: str
    summary: str = ""
    body: str = ""
    intro: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """The body split into paragraphs."""
        return [p for p in self.body.split("\n\n") if p]


@dataclass(frozen=True)
class GlossaryEntry:
    """A glossary term and its explanation in one locale."""

    term: str
    definition: str


def _in_locale(texts: dict, locale: str):
    return texts.get(locale) or texts[SOURCE_LOCALE]


@dataclass(eq=False)
class PublishedArea:
    """A priority area with its measures, in every locale."""

    id: int
    number: int
    texts: dict[str, Text]
    measures: list[PublishedMeasure] = field(default_factory=list)

    def text(self, locale: str) -> Text:
        """Title and introduction in `locale` (Japanese when not translated)."""
        return _in_locale(self.texts, locale)


@dataclass(eq=False)
class PublishedMeasure:
    """A measure with its comment period and texts; the period rules are the model's own."""

    id: int
    code: str
    number: int
    area: PublishedArea
    opens_at: datetime | None
    closes_at: datetime | None
    results_published_at: datetime | None
    short_period_reason: str | None
    texts: dict[str, Text]

    # One definition of the rules: the model's methods only read these same attributes.
    state = Measure.state
    accepts_comments = Measure.accepts_comments
    days_left = Measure.days_left

    @property
    def slug(self) -> str:
        """URL form of the code: 1-(1) becomes 1-1."""
        return f"{self.area.number}-{self.number}"

    def text(self, locale: str) -> Text:
        """Title, summary and body in `locale` (Japanese when not translated)."""
        return _in_locale(self.texts, locale)


@dataclass(eq=False)
class PublishedOutline:
    """Everything public pages show of the outline, at one content version."""

    version: str
    areas: list[PublishedArea]
    glossary_texts: dict[str, dict[str, GlossaryEntry]]
    by_slug: dict[str, PublishedMeasure] = field(default_factory=dict)
    by_id: dict[int, PublishedMeasure] = field(default_factory=dict)
    _glossaries: dict[str, dict[str, GlossaryEntry]] = field(default_factory=dict)
    # Finished pages rendered from this version, by whatever else they depend on (see views).
    pages: dict[tuple, str] = field(default_factory=dict)

    def glossary(self, locale: str) -> dict[str, GlossaryEntry]:
        """Every glossary entry in `locale` (Japanese when not translated), by key."""
        if locale not in self._glossaries:
            self._glossaries[locale] = {
                key: _in_locale(texts, locale) for key, texts in self.glossary_texts.items()
            }
        return self._glossaries[locale]


def _load(version: str) -> PublishedOutline:
    areas = []
    outline = PublishedOutline(version=version, areas=areas, glossary_texts={})
    for area in db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)):
        published = PublishedArea(
            id=area.id,
            number=area.number,
            texts={t.locale: Text(title=t.title, intro=t.intro or "") for t in area.texts},
        )
        for measure in area.measures:
            item = PublishedMeasure(
                id=measure.id,
                code=measure.code,
                number=measure.number,
                area=published,
                opens_at=measure.opens_at,
                closes_at=measure.closes_at,
                results_published_at=measure.results_published_at,
                short_period_reason=measure.short_period_reason,
                texts={
                    t.locale: Text(title=t.title, summary=t.summary, body=t.body)
                    for t in measure.texts
                },
            )
            published.measures.append(item)
            outline.by_slug[item.slug] = outline.by_id[item.id] = item
        areas.append(published)
    for term in db.session.scalars(select(GlossaryTerm)):
        outline.glossary_texts[term.key] = {
            t.locale: GlossaryEntry(term=t.term, definition=t.definition) for t in term.texts
        }
    return outline


def current_version() -> str:
    """The token of the outline as committed now ('' before the first migration's row)."""
    return db.session.scalar(select(ContentVersion.token).where(ContentVersion.id == 1)) or ""


def published_outline(app: Flask, max_age: float = 0.0) -> PublishedOutline:
    """The outline at the current version: this process's snapshot, rebuilt if it is stale.

    With `max_age`, a version checked less than that many seconds ago is trusted without
    asking the database again (read-only pages: another server's edit shows up that much
    later). A change committed by this process is always seen at once.
    """
    holder = app.extensions.setdefault(
        _EXTENSION_KEY, {"outline": None, "lock": threading.Lock(), "checked": (0.0, -1)}
    )
    outline = holder["outline"]
    checked_at, changes_seen = holder["checked"]
    if (
        max_age
        and outline is not None
        and changes_seen == _local_changes[0]
        and time.monotonic() - checked_at < max_age
    ):
        return outline
    changes = _local_changes[0]
    version = current_version()
    if outline is None or outline.version != version:
        with holder["lock"]:  # one thread rebuilds; the others of this process wait for it
            outline = holder["outline"]
            if outline is None or outline.version != version:
                outline = holder["outline"] = _load(version)
    holder["checked"] = (time.monotonic(), changes)
    return outline


# Outline changes committed (or about to be) by this process: they make every snapshot of it
# check the version again, whatever its max_age.
_local_changes = [0]


def _replace_version_on_content_change(session: Session, flush_context, instances) -> None:
    """Give the outline a new version token in the transaction that changes it."""
    for obj in (*session.new, *session.deleted, *session.dirty):
        if not isinstance(obj, CONTENT_MODELS):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        connection = session.connection()
        token = secrets.token_hex(16)
        changed = connection.execute(
            update(ContentVersion).where(ContentVersion.id == 1).values(token=token)
        )
        if changed.rowcount == 0:
            connection.execute(insert(ContentVersion).values(id=1, token=token))
        _local_changes[0] += 1
        return


event.listen(Session, "before_flush", _replace_version_on_content_change)
