"""The committee's figures: what came in for a measure, a priority area or the whole outline.

A *scope* is a set of measures. A comment belongs to a scope when its own measure is in it or
when a moderator linked it to a measure in it (再掲). It is counted once per scope however many
of the scope's measures it concerns, so the totals of an area or of the whole outline count
each comment once; a measure's own figures include the comments linked to it, and say how many.

Every count is computed from `scoped_comments(scope, dimension, value)`, the same query that
lists the comments behind it: a figure and its list cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from portal.converters import parse_int
from portal.database import JAPAN
from portal.extensions import db
from portal.models import (
    CampaignGroup,
    Comment,
    CommentMeasureLink,
    CommentStatus,
    Measure,
    PriorityArea,
)
from portal.models.measures import CHAPTER_CODES, CHAPTER_NUMBERS, select_by_slug

PENDING_STATUSES = (CommentStatus.RECEIVED, CommentStatus.UNDER_REVIEW)

# The dimensions a figure can be broken down by, and the column each one reads.
DIMENSIONS = {
    "language": Comment.declared_language,
    "respondent_type": Comment.respondent_type,
    "age_band": Comment.age_band,
    "district": Comment.district,
    "channel": Comment.channel,
    "position": Comment.position,
    "reason": Comment.rejection_reason,
    "group": Comment.group_id,
}
# What a state link means: "pending" is two stored statuses.
STATES = {
    "received": None,
    "published": (CommentStatus.PUBLISHED,),
    "not_published": (CommentStatus.NOT_PUBLISHED,),
    "pending": PENDING_STATUSES,
    "withdrawn": (CommentStatus.WITHDRAWN,),
    # What the breakdowns count: every comment that was not withdrawn.
    "live": (*PENDING_STATUSES, CommentStatus.PUBLISHED, CommentStatus.NOT_PUBLISHED),
}
NOT_GIVEN = "none"


@dataclass(frozen=True)
class Scope:
    """A set of measures the committee looks at together."""

    kind: str  # all | area | measure
    measure_ids: tuple[int, ...] | None  # None: every measure
    key: str  # "all", "area-2", "measure-1-5" (file names, audit records)
    params: dict = field(default_factory=dict)  # query arguments that name the scope in a URL
    measure_codes: tuple[str, ...] = ()


def scope_all() -> Scope:
    """Every measure of the outline."""
    return Scope("all", None, "all", {})


def scope_for_measure(measure: Measure) -> Scope:
    """One measure (with the comments linked to it from other measures)."""
    return Scope(
        "measure",
        (measure.id,),
        f"measure-{measure.slug}",
        {"measure": measure.slug},
        (measure.code,),
    )


def scope_for_area(area: PriorityArea) -> Scope:
    """Every measure of one priority area."""
    return Scope(
        "area",
        tuple(m.id for m in area.measures),
        f"area-{area.number}",
        {"area": area.number},
        tuple(m.code for m in area.measures),
    )


def find_measure(slug_or_code: str) -> Measure | None:
    """A measure by its URL slug (1-5, or policy for a chapter) or its code (1-(5), II)."""
    text = (slug_or_code or "").strip()[:12]
    if "(" in text or text in CHAPTER_CODES:
        return db.session.scalar(select(Measure).where(Measure.code == text))
    if text in CHAPTER_NUMBERS:
        return db.session.scalar(select_by_slug(text))
    area_text, _sep, number_text = text.partition("-")
    area_number, number = parse_int(area_text), parse_int(number_text)
    if area_number is None or number is None:
        return None
    return db.session.scalar(
        select(Measure)
        .join(Measure.area)
        .where(PriorityArea.number == area_number, Measure.number == number)
    )


def find_area(number: int | str) -> PriorityArea | None:
    """A priority area by its number."""
    found = parse_int(str(number).strip())
    if found is None:
        return None
    return db.session.scalar(select(PriorityArea).where(PriorityArea.number == found))


def resolve_scope(measure: str | None = None, area: str | int | None = None) -> Scope | None:
    """The scope named by a measure slug/code or an area number; everything when neither."""
    if measure:
        found = find_measure(measure)
        return scope_for_measure(found) if found else None
    if area not in (None, ""):
        found_area = find_area(area)
        return scope_for_area(found_area) if found_area else None
    return scope_all()


def in_scope(scope: Scope):
    """A condition on Comment: the comment concerns one of the scope's measures."""
    if scope.measure_ids is None:
        return Comment.id.is_not(None)
    linked = select(CommentMeasureLink.comment_id).where(
        CommentMeasureLink.measure_id.in_(scope.measure_ids)
    )
    return or_(Comment.measure_id.in_(scope.measure_ids), Comment.id.in_(linked))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A day in Japan as a UTC interval [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=JAPAN)
    return start, start + timedelta(days=1)


def scoped_comments(
    scope: Scope, state: str = "received", dimension: str | None = None, value: str | None = None
) -> Select:
    """The comments a figure counts: in `scope`, in `state`, with `dimension` equal to `value`."""
    query = select(Comment).where(in_scope(scope))
    if state not in STATES:
        return query.where(Comment.id.is_(None))
    if STATES[state] is not None:
        query = query.where(Comment.status.in_(STATES[state]))
    if dimension == "day" and value:
        try:
            start, end = day_bounds(date.fromisoformat(value))
        except ValueError:
            return query.where(Comment.id.is_(None))
        query = query.where(Comment.received_at >= start, Comment.received_at < end)
    elif dimension == "relisted" and scope.measure_ids is not None:
        query = query.where(Comment.measure_id.not_in(scope.measure_ids))
    elif dimension in DIMENSIONS:
        column = DIMENSIONS[dimension]
        if value in (None, "", NOT_GIVEN):
            query = query.where(column.is_(None))
        elif dimension == "group":
            number = parse_int(value)
            query = query.where(column.is_(None) if number is None else column == number)
        else:
            query = query.where(column == value)
    return query.order_by(Comment.received_at, Comment.id)


@dataclass
class Figures:
    """What came in for a scope, broken down the ways the committee asked for."""

    scope: Scope
    received: int = 0
    published: int = 0
    not_published: int = 0
    pending: int = 0
    withdrawn: int = 0
    relisted: int = 0  # comments of other measures linked here (再掲), included above
    rejected_by_reason: Counter = field(default_factory=Counter)
    by: dict[str, Counter] = field(default_factory=dict)  # dimension -> value -> count
    groups: list[tuple[int, str, int]] = field(default_factory=list)  # id, label, members
    per_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def states(self) -> list[tuple[str, int]]:
        """The four states a received comment can be in, with their counts."""
        return [
            ("published", self.published),
            ("not_published", self.not_published),
            ("pending", self.pending),
            ("withdrawn", self.withdrawn),
        ]


def _counts(query_column, scope: Scope, extra=None) -> Counter:
    query = select(query_column, func.count(Comment.id)).where(in_scope(scope))
    if extra is not None:
        query = query.where(extra)
    query = query.group_by(query_column)
    return Counter(
        {(key if key is not None else NOT_GIVEN): n for key, n in db.session.execute(query)}
    )


def figures_for(scope: Scope) -> Figures:
    """Every figure of a scope. Withdrawn comments count only as withdrawn."""
    figures = Figures(scope=scope)
    by_status = _counts(Comment.status, scope)
    figures.published = by_status[CommentStatus.PUBLISHED]
    figures.not_published = by_status[CommentStatus.NOT_PUBLISHED]
    figures.pending = sum(by_status[s] for s in PENDING_STATUSES)
    figures.withdrawn = by_status[CommentStatus.WITHDRAWN]
    figures.received = sum(by_status.values())
    if scope.measure_ids is not None:
        figures.relisted = db.session.scalar(
            select(func.count()).select_from(
                scoped_comments(scope, dimension="relisted").order_by(None).subquery()
            )
        )
    figures.rejected_by_reason = _counts(
        Comment.rejection_reason, scope, Comment.status == CommentStatus.NOT_PUBLISHED
    )
    live = Comment.status != CommentStatus.WITHDRAWN
    for dimension in ("language", "respondent_type", "age_band", "district", "channel", "position"):
        figures.by[dimension] = _counts(DIMENSIONS[dimension], scope, live)
    group_rows = db.session.execute(
        select(CampaignGroup.id, CampaignGroup.label, func.count(Comment.id))
        .join(Comment, Comment.group_id == CampaignGroup.id)
        .where(in_scope(scope), live)
        .group_by(CampaignGroup.id, CampaignGroup.label)
        .order_by(func.count(Comment.id).desc(), CampaignGroup.id)
    )
    figures.groups = [(gid, label or "", n) for gid, label, n in group_rows]
    days: Counter = Counter()
    for (received_at,) in db.session.execute(
        select(Comment.received_at).where(in_scope(scope)).execution_options(yield_per=5000)
    ):
        days[received_at.astimezone(JAPAN).date()] += 1
    figures.per_day = sorted(days.items())
    return figures


@dataclass(frozen=True)
class MeasureLine:
    """One measure's line in the overview."""

    measure: Measure
    figures: Figures


def overview() -> list[MeasureLine]:
    """Every measure with its figures, in the outline's order."""
    measures = db.session.scalars(select(Measure).order_by(*Measure.outline_order())).all()
    return [MeasureLine(m, figures_for(scope_for_measure(m))) for m in measures]


def approved_count(scope: Scope) -> int:
    """How many approved comments a scope holds (what an export of it will write)."""
    return db.session.scalar(
        select(func.count()).select_from(
            scoped_comments(scope, "published").order_by(None).subquery()
        )
    )


NAME_LENGTH = 40


def group_names(scope: Scope, group_ids: list[int]) -> dict[int, str]:
    """Each campaign group named by the start of its representative's text, as the committee
    may read it (approved, redacted); a group without an approved member has no name yet."""
    from portal.services.disclosure import committee_disclosures

    if not group_ids:
        return {}
    representatives = dict(
        db.session.execute(
            select(CampaignGroup.id, CampaignGroup.representative_comment_id).where(
                CampaignGroup.id.in_(group_ids)
            )
        ).all()
    )
    members = db.session.execute(
        select(Comment.group_id, Comment.id)
        .where(Comment.group_id.in_(group_ids), Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.id)
    ).all()
    standing: dict[int, int] = {}
    for gid, cid in members:
        if gid not in standing or cid == representatives.get(gid):
            standing[gid] = cid
    if not standing:
        return {}
    texts = {}
    for disclosure in committee_disclosures(scope_all(), only_ids=list(standing.values())):
        foreign = disclosure["language"] not in ("ja", "ja-x-easy")
        text = " ".join(((foreign and disclosure["translation_ja"]) or disclosure["text"]).split())
        texts[disclosure["group_id"]] = (
            text if len(text) <= NAME_LENGTH else text[:NAME_LENGTH].rstrip() + "…"
        )
    return texts
