"""Retention of residents' personal data: contact details (and scans of paper letters, which
carry names and addresses, and the e-mail notices asked for with a comment) are deleted once
the retention period after a measure's comment period has passed. The comments themselves
stay, as the published results need them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, CommentAttachment, ContactDetails, Measure
from portal.models.notices import NoticeSubscription
from portal.services import audit
from portal.services.notices import subscriptions

DEFAULT_RETENTION_DAYS = 365


@dataclass
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete), per measure code."""

    contacts: dict[str, int] = field(default_factory=dict)
    scans: dict[str, int] = field(default_factory=dict)
    subscriptions: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Contact rows, scans and notice subscriptions together."""
        return (
            sum(self.contacts.values())
            + sum(self.scans.values())
            + sum(self.subscriptions.values())
        )


def purge_contacts(
    now: datetime,
    older_than_days: int,
    upload_dir: str,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeReport:
    """Delete contact details and scans of comments on measures whose period closed more than
    `older_than_days` ago. Audited (counts only); the caller commits. `progress(done, total)`
    is told after each item deleted."""
    cutoff = now - timedelta(days=older_than_days)
    expired = (
        select(Comment.id, Measure.code)
        .join(Comment.measure)
        .where(Measure.closes_at.is_not(None), Measure.closes_at < cutoff)
    )
    report = PurgeReport()
    codes = {comment_id: code for comment_id, code in db.session.execute(expired)}
    if not codes:
        return report
    ids = list(codes)
    contacts = db.session.scalars(
        select(ContactDetails).where(ContactDetails.comment_id.in_(ids))
    ).all()
    scans = db.session.scalars(
        select(CommentAttachment).where(CommentAttachment.comment_id.in_(ids))
    ).all()
    for contact in contacts:
        code = codes[contact.comment_id]
        report.contacts[code] = report.contacts.get(code, 0) + 1
    for scan in scans:
        code = codes[scan.comment_id]
        report.scans[code] = report.scans.get(code, 0) + 1
    for comment_id in db.session.scalars(
        select(NoticeSubscription.comment_id).where(NoticeSubscription.comment_id.in_(ids))
    ):
        code = codes[comment_id]
        report.subscriptions[code] = report.subscriptions.get(code, 0) + 1
    if dry_run or not report.total:
        return report
    subscriptions.purge_for_comments(ids)
    total, done = len(contacts) + len(scans), 0
    for contact in contacts:
        db.session.delete(contact)
        done += 1
        if progress and done % 100 == 0:
            progress(done, total)
    for scan in scans:
        (Path(upload_dir) / scan.storage_name).unlink(missing_ok=True)
        db.session.delete(scan)
        done += 1
        if progress:
            progress(done, total)
    audit.record(
        "contacts_purged",
        object_type="retention",
        object_id=f"closed before {cutoff.date().isoformat()}",
        details={
            "older_than_days": older_than_days,
            "contacts": report.contacts,
            "scans": report.scans,
            "subscriptions": report.subscriptions,
            "via": "command line",
        },
        now=now,
    )
    db.session.flush()
    if progress:
        progress(total, total)
    return report
