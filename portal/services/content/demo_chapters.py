"""Demo data for the general chapters: a resident's comment on chapter II (in Vietnamese, on
one paragraph) and one on chapter III (in Japanese, on the whole chapter), so `portal demo`
shows a general chapter in the moderation queue the way residents will use it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.measures import KIND_CHAPTER
from portal.services.resident import proposed_parts
from portal.services.resident.submission import CommentInput, submit_comment

# (chapter code, paragraph or None for the whole chapter, language, text)
DEMO_CHAPTER_COMMENTS = (
    (
        "II",
        4,
        "vi",
        "Tôi lo rằng thuê ngoài quá nhiều sẽ làm giảm chất lượng dịch vụ. Xin thành phố giữ "
        "nhân viên của mình ở các quầy tiếp dân, nhất là quầy cho người nước ngoài.",
    ),
    (
        "III",
        None,
        "ja",
        "推進計画の進み具合を毎年ホームページで公表し、外部委員会の意見も載せてください。",
    ),
)


def add_demo_chapter_comments(now: datetime) -> list[int]:
    """Submit the demo comments on open general chapters, once (none are added when any
    chapter already has a comment); returns the new comments' ids for the arrival job."""
    chapters = {
        m.code: m for m in db.session.scalars(select(Measure).where(Measure.kind == KIND_CHAPTER))
    }
    already = db.session.scalar(
        select(Comment.id).where(Comment.measure_id.in_([m.id for m in chapters.values()])).limit(1)
    )
    if already is not None:
        return []
    added = []
    for code, paragraph, language, body in DEMO_CHAPTER_COMMENTS:
        chapter = chapters.get(code)
        if chapter is None or not chapter.accepts_comments(now):
            continue
        part = (
            proposed_parts.paragraph_key(chapter, paragraph)
            if paragraph
            else proposed_parts.whole_key(chapter)
        )
        comment, _key = submit_comment(
            chapter,
            CommentInput(
                body=body,
                declared_language=language,
                respondent_type="lives",
                proposed_part=part,
            ),
            now,
        )
        added.append(comment.id)
    return added
