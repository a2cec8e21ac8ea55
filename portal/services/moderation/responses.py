"""The city's response to a comment (市の考え方) and a comment's links to other measures (再掲)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentStatus, Measure
from portal.models.moderation import (
    CityResponse,
    CommentMeasureLink,
    ModerationTemplate,
    ResponseCategory,
)
from portal.models.staff import StaffUser
from portal.services import actions, audit

# The categories as Japanese results name them; these words are the official ones.
CATEGORY_LABELS_JA = {
    ResponseCategory.REFLECTED: "反映する",
    ResponseCategory.ALREADY_INCLUDED: "既に盛り込み済み",
    ResponseCategory.FOR_REFERENCE: "今後の参考とする",
    ResponseCategory.NOT_REFLECTED: "反映しない",
    ResponseCategory.OUT_OF_SCOPE: "対象外",
}


class ResponseRefused(actions.Refused):
    """The change is not allowed; `code` says why."""


@dataclass(frozen=True)
class ResponseInput:
    """What the moderator typed."""

    category: str
    text_ja: str
    summary: str = ""
    translation: str = ""
    translation_language: str | None = None


def with_saved(data: ResponseInput, saved: ModerationTemplate | None) -> ResponseInput:
    """What the moderator typed, a saved response filling the text and the category left empty
    (what was typed wins)."""
    if saved is None or saved.kind != "response":
        return data
    return replace(
        data,
        text_ja=data.text_ja if data.text_ja.strip() else saved.text,
        category=data.category or saved.category or "",
    )


def unchanged(comment: Comment, data: ResponseInput) -> bool:
    """True when `data` says what the comment's response already says, or nothing at all (an
    empty response for a comment without one): there is nothing to save."""
    existing = response_for(comment)
    given = (data.category, data.text_ja.strip(), data.summary.strip(), data.translation.strip())
    if existing is None:
        return not any(given)
    return given == (
        existing.category,
        existing.text_ja,
        existing.summary or "",
        existing.translation or "",
    )


def response_for(comment: Comment) -> CityResponse | None:
    """The response shown for this comment: its group's when it is in a group, else its own."""
    if comment.group_id is not None:
        group_response = db.session.scalar(
            select(CityResponse).where(CityResponse.group_id == comment.group_id)
        )
        if group_response is not None:
            return group_response
    return db.session.scalar(select(CityResponse).where(CityResponse.comment_id == comment.id))


def save_response(
    comment: Comment, data: ResponseInput, *, actor: StaffUser, ip: str | None, now: datetime
) -> CityResponse:
    """Write or rewrite the response; for a comment in a group, the response of the whole group."""
    if comment.status != CommentStatus.PUBLISHED:
        raise ResponseRefused("not_approved")
    results = comment.measure.results_published_at
    if results is not None and results <= now:
        raise ResponseRefused("results_published")
    if not data.text_ja.strip():
        raise ResponseRefused("text_required")
    if data.category not in set(ResponseCategory):
        raise ResponseRefused("category")
    if comment.group_id is not None:
        response = db.session.scalar(
            select(CityResponse).where(CityResponse.group_id == comment.group_id)
        )
        where = {"group_id": comment.group_id}
    else:
        response = db.session.scalar(
            select(CityResponse).where(CityResponse.comment_id == comment.id)
        )
        where = {"comment_id": comment.id}
    created = response is None
    if created:
        response = CityResponse(**where, written_at=now)
        db.session.add(response)
    before = {
        "category": None if created else response.category,
        "text_ja": None if created else response.text_ja,
        "summary": None if created else response.summary,
        "translation": None if created else response.translation,
    }
    translation = data.translation.strip() or None
    response.category = data.category
    response.text_ja = data.text_ja.strip()
    response.summary = data.summary.strip() or None
    response.translation = translation
    response.translation_language = data.translation_language if translation else None
    response.written_by_id = actor.id
    response.updated_at = now
    after = {
        "category": response.category,
        "text_ja": response.text_ja,
        "summary": response.summary,
        "translation": response.translation,
    }
    changes = audit.changes(before, after)
    # The city's own words are public once published, but the audit log records only which
    # fields changed (the category itself, which is a code).
    actions.record(
        "response_written" if created else "response_changed",
        comment,
        actor=actor,
        ip=ip,
        now=now,
        fields=sorted(changes),
        category=response.category,
        group_id=comment.group_id,
    )
    db.session.flush()
    return response


def _check_open_for_links(measure: Measure, now: datetime) -> None:
    published = measure.results_published_at
    if published is not None and published <= now:
        raise ResponseRefused("linked_results_published")


def linked_measures(comment: Comment) -> list[Measure]:
    """The other measures this comment also concerns (再掲), in outline order."""
    return list(
        db.session.scalars(
            select(Measure)
            .join(CommentMeasureLink, CommentMeasureLink.measure_id == Measure.id)
            .where(CommentMeasureLink.comment_id == comment.id)
            .order_by(Measure.id)
        )
    )


def link_measure(
    comment: Comment, measure: Measure, *, actor: StaffUser, ip: str | None, now: datetime
) -> None:
    """Show the comment under another measure too (once there, once in totals); not into a
    measure whose results are published (a 再掲 row would appear in them)."""
    _check_open_for_links(measure, now)
    if measure.id == comment.measure_id:
        raise ResponseRefused("same_measure")
    if db.session.get(CommentMeasureLink, (comment.id, measure.id)) is not None:
        raise ResponseRefused("already_linked")
    db.session.add(
        CommentMeasureLink(
            comment_id=comment.id, measure_id=measure.id, linked_by_id=actor.id, linked_at=now
        )
    )
    actions.record("measure_link_added", comment, actor=actor, ip=ip, now=now, measure=measure.code)
    db.session.flush()


def unlink_measure(
    comment: Comment, measure: Measure, *, actor: StaffUser, ip: str | None, now: datetime
) -> None:
    """Take the comment off another measure (not off published results)."""
    _check_open_for_links(measure, now)
    link = db.session.get(CommentMeasureLink, (comment.id, measure.id))
    if link is None:
        raise ResponseRefused("not_linked")
    db.session.delete(link)
    actions.record(
        "measure_link_removed", comment, actor=actor, ip=ip, now=now, measure=measure.code
    )
    db.session.flush()
