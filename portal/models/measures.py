"""The reform outline as published for comment: priority areas, measures, glossary, comment periods."""

from __future__ import annotations

import enum
import math
import re
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Select,
    String,
    Text,
    UniqueConstraint,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from portal.database import JAPAN, UTCDateTime
from portal.extensions import db

SOURCE_LOCALE = "ja"
MINIMUM_PERIOD = timedelta(days=30)

# What a consultation is about: a numbered measure of a priority area, or one of the outline's
# general chapters (I はじめに, II 基本方針, III 推進方法), which belong to no area.
KIND_MEASURE = "measure"
KIND_CHAPTER = "chapter"
# A chapter's URL slug, by its number. Words rather than digits: they cannot be mistaken for a
# measure's "area-number" slug (an area 0 does not exist), and they read the same in every locale.
CHAPTER_SLUGS = {1: "intro", 2: "policy", 3: "method"}
CHAPTER_NUMBERS = {slug: number for number, slug in CHAPTER_SLUGS.items()}
# Their codes, as the outline numbers them (Measure.code).
CHAPTER_CODES = ("I", "II", "III")


class PeriodRuleError(ValueError):
    """A comment period that breaks the public comment rules; `code` says which rule."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PeriodState(enum.StrEnum):
    """Where a measure stands in the public comment procedure."""

    UNSCHEDULED = "unscheduled"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    RESULTS_PUBLISHED = "results_published"


def _text_in(texts: list, locale: str):
    """The text in `locale`, else the authoritative Japanese one."""
    by_locale = {text.locale: text for text in texts}
    return by_locale.get(locale) or by_locale[SOURCE_LOCALE]


class PriorityArea(db.Model):
    """One of the outline's five priority areas (重点項目)."""

    __tablename__ = "priority_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    texts: Mapped[list[AreaText]] = relationship(
        back_populates="area", cascade="all, delete-orphan", lazy="selectin"
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="area", order_by="Measure.number", lazy="selectin"
    )

    def text(self, locale: str) -> AreaText:
        """Title and introduction in `locale` (Japanese when not translated)."""
        return _text_in(self.texts, locale)


class AreaText(db.Model):
    """A priority area's title and introduction in one locale."""

    __tablename__ = "area_texts"
    __table_args__ = (UniqueConstraint("area_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("priority_areas.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    intro: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[PriorityArea] = relationship(back_populates="texts")


class Measure(db.Model):
    """A numbered measure of the outline, e.g. 1-(1), or a general chapter (kind "chapter",
    code I, II or III, no area), and the period it is open for comment."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=KIND_MEASURE, server_default=KIND_MEASURE)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("priority_areas.id"))
    number: Mapped[int]
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The public comment rule asks for at least 30 days; a shorter period states why, publicly.
    short_period_reason: Mapped[str | None] = mapped_column(Text)

    area: Mapped[PriorityArea | None] = relationship(back_populates="measures")
    texts: Mapped[list[MeasureText]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_chapter(self) -> bool:
        """True for a general chapter of the outline (no priority area)."""
        return self.kind == KIND_CHAPTER

    @property
    def slug(self) -> str:
        """URL form of the code: 1-(1) becomes 1-1; chapter II becomes ``policy``."""
        if self.is_chapter:
            return CHAPTER_SLUGS[self.number]
        return f"{self.area.number}-{self.number}"

    @property
    def sort_key(self) -> int:
        """The outline's order: the general chapters first, then area by area."""
        return self.number if self.is_chapter else self.area.number * 1000 + self.number

    @classmethod
    def outline_order(cls) -> tuple:
        """ORDER BY clauses for the outline's order (chapters, with no area, first)."""
        return (cls.area_id.is_not(None), cls.area_id, cls.number)

    def text(self, locale: str) -> MeasureText:
        """Title, summary and body in `locale` (Japanese when not translated)."""
        return _text_in(self.texts, locale)

    def title_in(self, locale: str) -> str:
        """The title in `locale` (Japanese when not translated), without loading every
        locale's full text when the texts are not loaded yet (a receipt shows just this)."""
        if "texts" in inspect(self).unloaded:
            titles = dict(
                object_session(self)
                .execute(
                    select(MeasureText.locale, MeasureText.title).where(
                        MeasureText.measure_id == self.id,
                        MeasureText.locale.in_((locale, SOURCE_LOCALE)),
                    )
                )
                .all()
            )
            return titles.get(locale) or titles[SOURCE_LOCALE]
        return self.text(locale).title

    def state(self, now: datetime) -> PeriodState:
        """The comment period's state at `now`."""
        if self.results_published_at is not None and self.results_published_at <= now:
            return PeriodState.RESULTS_PUBLISHED
        if self.opens_at is None or self.closes_at is None:
            return PeriodState.UNSCHEDULED
        if now < self.opens_at:
            return PeriodState.UPCOMING
        if now < self.closes_at:
            return PeriodState.OPEN
        return PeriodState.CLOSED

    def accepts_comments(self, now: datetime) -> bool:
        """True while the comment period is open."""
        return self.state(now) is PeriodState.OPEN

    def received_in_period(self, received_at: datetime, now: datetime) -> bool:
        """True when a comment the city received on paper at `received_at` was in time.

        Paper comments count by the day they arrived (in Japan), not by when staff type them
        in: a letter received on the closing day is accepted days later. Nothing can be
        entered once the results are published, or with a date still to come.
        """
        if received_at > now or self.opens_at is None or self.closes_at is None:
            return False
        if self.results_published_at is not None and self.results_published_at <= now:
            return False
        day = received_at.astimezone(JAPAN).date()
        # closes_at is exclusive: a period that ends at midnight ends with the day before.
        last_day = (self.closes_at - timedelta(microseconds=1)).astimezone(JAPAN).date()
        return self.opens_at.astimezone(JAPAN).date() <= day <= last_day

    def days_left(self, now: datetime) -> int:
        """Whole days until the period closes, counting a started day as one (0 once closed)."""
        if self.closes_at is None or now >= self.closes_at:
            return 0
        return math.ceil((self.closes_at - now).total_seconds() / 86400)

    def open_period(
        self, opens_at: datetime, closes_at: datetime, short_reason: str | None = None
    ) -> None:
        """Set the comment period (Administrative Procedure Act Art. 39: at least 30 days, or a
        stated reason). A period cannot change once the results are published."""
        if self.results_published_at is not None:
            raise PeriodRuleError("results_published")
        if closes_at <= opens_at:
            raise PeriodRuleError("closes_before_opening")
        short_reason = (short_reason or "").strip() or None
        if closes_at - opens_at < MINIMUM_PERIOD and not short_reason:
            raise PeriodRuleError("short_without_reason")
        self.opens_at, self.closes_at = opens_at, closes_at
        self.short_period_reason = short_reason if closes_at - opens_at < MINIMUM_PERIOD else None


# ASCII digits only, and short: str.isdigit() accepts "²" and "①", which int() refuses, and a
# 20-digit number overflows the database's integer column.
_MEASURE_SLUG = re.compile(r"([0-9]{1,3})-([0-9]{1,3})", re.ASCII)


def select_by_slug(slug: str) -> Select | None:
    """The query for the measure or chapter whose URL slug is `slug` (``1-5`` for 1-(5),
    ``policy`` for chapter II); None when `slug` cannot be one."""
    if slug in CHAPTER_NUMBERS:
        return select(Measure).where(
            Measure.kind == KIND_CHAPTER, Measure.number == CHAPTER_NUMBERS[slug]
        )
    match = _MEASURE_SLUG.fullmatch(slug or "")
    if not match:
        return None
    return (
        select(Measure)
        .join(Measure.area)
        .where(PriorityArea.number == int(match[1]), Measure.number == int(match[2]))
    )


class MeasureText(db.Model):
    """A measure's title, summary and full text in one locale. Paragraphs are separated by blank lines."""

    __tablename__ = "measure_texts"
    __table_args__ = (UniqueConstraint("measure_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # A translation edited before the Japanese last changed may no longer say the same thing.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    measure: Mapped[Measure] = relationship(back_populates="texts")

    @property
    def paragraphs(self) -> list[str]:
        """The body split into paragraphs."""
        return [p for p in self.body.split("\n\n") if p]


class GlossaryTerm(db.Model):
    """A term the outline explains in a ※ note (ICT, PDCA, NPO...)."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    texts: Mapped[list[GlossaryText]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, locale: str) -> GlossaryText:
        """The term and its explanation in `locale` (Japanese when not translated)."""
        return _text_in(self.texts, locale)


class GlossaryText(db.Model):
    """A glossary term and its explanation in one locale."""

    __tablename__ = "glossary_texts"
    __table_args__ = (UniqueConstraint("term_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(16))
    term: Mapped[str] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)
    entry: Mapped[GlossaryTerm] = relationship(back_populates="texts")


class ContentVersion(db.Model):
    """One row counting changes to the outline's tables, so every worker can tell whether a
    page it rendered earlier is still true (see services/resident/pages.py)."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
