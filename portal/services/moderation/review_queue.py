"""The moderation queue: which comments to show, in which order, one page at a time.

Pages are cut by keyset on (received_at, id), never by OFFSET, so page 200 costs what page 1
costs. Rows carry no contact details: `ContactDetails` is never joined here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, exists, func, select, tuple_

from portal.converters import parse_int
from portal.database import JAPAN
from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.models.moderation import CityResponse
from portal.services.moderation.search import terms_of, text_condition

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    """What the moderator asked for; every field is optional."""

    query: str = ""
    measure_id: int | None = None
    state: str | None = None
    language: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    group_id: int | None = None
    with_pii: bool = False
    missing_response: bool = False  # approved, and no 市の考え方 yet (own or its group's)
    oldest_first: bool = False


@dataclass
class QueuePage:
    """One page of the queue and the key of the next one (None on the last page)."""

    comments: list[Comment]
    next_key: str | None
    group_sizes: dict[int, int]


def encode_key(comment: Comment) -> str:
    """An opaque page key: the last row's received time and id."""
    raw = f"{comment.received_at.timestamp():.6f}:{comment.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_key(key: str | None) -> tuple[datetime, int] | None:
    """The (received_at, id) of a page key; None for a missing or damaged key."""
    if not key or len(key) > 80:
        return None
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)).decode()
        stamp, _sep, id_text = raw.partition(":")
        comment_id = parse_int(id_text)
        if comment_id is None:
            return None
        return datetime.fromtimestamp(float(stamp), tz=JAPAN), comment_id
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        return None


def _japan_day_start(day: date) -> datetime:
    return datetime.combine(day, time(), JAPAN)


def build_query(filters: QueueFilters, dialect: str) -> Select:
    """The filtered queue query, without order or page cut."""
    query = select(Comment)
    if filters.measure_id:
        query = query.where(Comment.measure_id == filters.measure_id)
    if filters.state:
        query = query.where(Comment.status == filters.state)
    if filters.language:
        # Detection names the language only (pt, zh), the form the locale (pt-BR, zh-Hans).
        detected = {filters.language, filters.language.split("-")[0]}
        query = query.where(
            (Comment.declared_language == filters.language)
            | Comment.detected_language.in_(detected)
        )
    if filters.channel:
        query = query.where(Comment.channel == filters.channel)
    if filters.since:
        query = query.where(Comment.received_at >= _japan_day_start(filters.since))
    if filters.until:
        query = query.where(
            Comment.received_at < _japan_day_start(filters.until) + timedelta(days=1)
        )
    if filters.group_id:
        query = query.where(Comment.group_id == filters.group_id)
    if filters.with_pii:
        query = query.where(Comment.pii_suggestions > 0)
    if filters.missing_response:
        query = query.where(
            Comment.status == CommentStatus.PUBLISHED,
            ~exists().where(CityResponse.comment_id == Comment.id),
            ~exists().where(
                CityResponse.group_id.is_not(None), CityResponse.group_id == Comment.group_id
            ),
        )
    condition = text_condition(filters.query, dialect)
    if condition is not None:
        query = query.where(condition)
    return query


def queue_page(filters: QueueFilters, after: str | None = None, size: int = PAGE_SIZE) -> QueuePage:
    """One page of comments matching `filters`, starting after the page key `after`."""
    dialect = db.engine.dialect.name
    query = build_query(filters, dialect)
    position = decode_key(after)
    key = tuple_(Comment.received_at, Comment.id)
    if position is not None:
        query = query.where(key > position if filters.oldest_first else key < position)
    if filters.oldest_first:
        query = query.order_by(Comment.received_at, Comment.id)
    else:
        query = query.order_by(Comment.received_at.desc(), Comment.id.desc())
    rows = db.session.scalars(query.limit(size + 1)).all()
    comments = rows[:size]
    next_key = encode_key(comments[-1]) if len(rows) > size else None
    return QueuePage(comments, next_key, group_sizes({c.group_id for c in comments}))


def next_in_queue(filters: QueueFilters, comment: Comment) -> Comment | None:
    """The comment that follows `comment` in the queue's order under `filters` (whether or not
    `comment` itself still matches them, as after approving it in a "waiting" filter)."""
    query = build_query(filters, db.engine.dialect.name)
    key = tuple_(Comment.received_at, Comment.id)
    position = (comment.received_at, comment.id)
    if filters.oldest_first:
        query = query.where(key > position).order_by(Comment.received_at, Comment.id)
    else:
        query = query.where(key < position).order_by(Comment.received_at.desc(), Comment.id.desc())
    return db.session.scalar(query.limit(1))


def count_matching(filters: QueueFilters) -> int:
    """How many comments match `filters` (on every page)."""
    query = build_query(filters, db.engine.dialect.name)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def ids_matching(filters: QueueFilters, limit: int) -> list[int]:
    """The ids of the comments matching `filters` (at most `limit`), in the queue's order."""
    query = build_query(filters, db.engine.dialect.name).with_only_columns(Comment.id)
    if filters.oldest_first:
        query = query.order_by(Comment.received_at, Comment.id)
    else:
        query = query.order_by(Comment.received_at.desc(), Comment.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def group_sizes(group_ids: set[int | None]) -> dict[int, int]:
    """How many comments each group holds."""
    ids = {g for g in group_ids if g}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Comment.group_id, func.count())
        .where(Comment.group_id.in_(ids))
        .group_by(Comment.group_id)
    )
    return dict(rows.all())


def excerpt(body: str, query: str = "", length: int = 120) -> str:
    """A short piece of the text: around the first search word if there is one."""
    start = 0
    lowered = body.lower()
    for term in terms_of(query):
        found = lowered.find(term.lower())
        if found >= 0:
            start = max(0, found - length // 3)
            break
    piece = body[start : start + length].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + length < len(body) else "")
