"""Counts of comments for staff and the committee: by measure, status and language. No personal data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentStatus, Measure
from portal.services.language import Detection, contradicts


@dataclass(frozen=True)
class LanguageReview:
    """One comment's declared and detected language, for a moderator's check."""

    receipt_number: str
    measure_code: str
    status: str
    declared: str
    detected: str | None
    confidence: float | None
    differs: bool
    excerpt: str


def language_reviews(
    measure_code: str | None = None, only_differing: bool = False
) -> list[LanguageReview]:
    """Declared against detected language for each comment, oldest first."""
    query = select(Comment, Measure.code).join(Comment.measure).order_by(Comment.id)
    if measure_code:
        query = query.where(Measure.code == measure_code)
    reviews = []
    for comment, code in db.session.execute(query):
        detection = Detection(comment.detected_language, comment.detection_confidence or 0.0)
        review = LanguageReview(
            receipt_number=comment.receipt_number,
            measure_code=code,
            status=comment.status,
            declared=comment.declared_language,
            detected=comment.detected_language,
            confidence=comment.detection_confidence,
            differs=contradicts(comment.declared_language, detection),
            excerpt=" ".join(comment.body.split())[:60],
        )
        if review.differs or not only_differing:
            reviews.append(review)
    return reviews


def comments_by_language(measure_code: str | None = None) -> dict[str, Counter]:
    """Per measure code, the number of comments in each declared language (withdrawn ones left out)."""
    query = (
        select(Measure.code, Comment.declared_language)
        .join(Comment.measure)
        .where(Comment.status != CommentStatus.WITHDRAWN)
    )
    if measure_code:
        query = query.where(Measure.code == measure_code)
    figures: dict[str, Counter] = {}
    for code, language in db.session.execute(query):
        figures.setdefault(code, Counter())[language] += 1
    return figures
