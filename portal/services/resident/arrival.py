"""What is worked out about a comment after it is stored, without keeping its writer waiting.

Its language is detected (declared and detected are both kept), personal data the moderator
should look at is counted (the queue filters on it), and it joins its campaign group. Together
that is most of a submission's CPU (a Nepali text alone takes ~10 ms in langdetect; Sudachi
reads a Japanese one), so under a flood it runs on the job queue and the web workers only store
and acknowledge. None of it reads the rest of the measure: grouping finds its candidates in the
band index (`duplicates.index`), so the cost per comment stays the same as the measure fills.

`PORTAL_GROUPING` says where: "queue" (the default with Redis: `portal worker` runs it),
"thread" (the default without: a thread of the web process, after the commit), "inline"
(tests, single-threaded tools) or "off" (`portal moderation regroup` catches up later).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.logs import describe_error
from portal.models import Comment
from portal.services import jobs
from portal.services.language import detect_language
from portal.services.moderation import pii
from portal.services.moderation.duplicates import group_new_comment

log = logging.getLogger(__name__)


def _read(comment: Comment) -> None:
    detection = detect_language(comment.body)
    comment.detected_language = detection.language
    comment.detection_confidence = detection.confidence if detection.language else None
    comment.pii_suggestions = len(pii.suggest(comment.body))


def analyse_arrival(comment_id: int) -> None:
    """Detect the language, count personal-data suggestions and group one stored comment.

    Idempotent (a job may run twice): every value is recomputed from the text. The caller
    commits (a job is committed by portal.services.jobs).
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None:  # withdrawn and purged before the job ran
        return
    _read(comment)
    db.session.flush()
    group_new_comment(comment_id)


def read_unanalysed(measure_id: int, batch: int = 500) -> int:
    """Language and personal-data count for a measure's comments no job analysed (the queue
    was off, or lost); returns how many were read. Comments whose language could not be
    told are read again, which changes nothing. The caller commits."""
    unread = (
        select(Comment)
        .where(
            Comment.measure_id == measure_id,
            Comment.detected_language.is_(None),
            Comment.detection_confidence.is_(None),
            Comment.id > bindparam("after"),
        )
        .order_by(Comment.id)
        .limit(batch)
    )
    count, after = 0, 0
    while comments := db.session.scalars(unread, {"after": after}).all():
        for comment in comments:
            _read(comment)
        db.session.flush()
        count += len(comments)
        after = comments[-1].id
    return count


def after_arrival(app: Flask, comment_id: int) -> threading.Thread | None:
    """Have a just-committed comment analysed where `PORTAL_GROUPING` says.

    Errors are logged, never shown to the resident: the comment is stored either way.
    """
    mode = app.config.get("PORTAL_GROUPING", "thread")
    if mode == "off":
        return None
    if mode == "queue":
        jobs.enqueue("portal.services.resident.arrival.analyse_arrival", comment_id)
        return None

    def run() -> None:
        with app.app_context():
            try:
                analyse_arrival(comment_id)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - a background job must not die loudly
                db.session.rollback()
                # One line, no traceback: during a database outage every arrival would
                # otherwise print one. `portal moderation regroup` catches up.
                log.warning(
                    "analysis of comment id %s postponed: %s", comment_id, describe_error(error)
                )
            finally:
                db.session.remove()

    if mode == "inline":
        run()
        return None
    thread = threading.Thread(target=run, name=f"arrival-{comment_id}", daemon=True)
    thread.start()
    return thread
