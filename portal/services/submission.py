"""Taking in a resident's comment and letting its author find or withdraw it later."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Comment, ContactDetails, Measure
from portal.models.comments import hash_access_key, new_access_key
from portal.services import pii
from portal.services.language import detect_language
from portal.services.sanitize import clean_line, clean_text


class PeriodNotOpen(Exception):
    """The measure does not take comments now."""


class EmptyComment(ValueError):
    """Nothing is left of the comment once whitespace and control characters are removed."""


@dataclass(frozen=True)
class ContactInput:
    """Contact details as the resident typed them; all optional unless the city requires them."""

    name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""

    def cleaned(self) -> ContactInput:
        """The same details with every field reduced to one clean line."""
        return ContactInput(*(clean_line(value) for value in self.__dict__.values()))

    @property
    def is_empty(self) -> bool:
        """True when the resident gave no contact detail at all."""
        return not any(self.__dict__.values())


@dataclass(frozen=True)
class CommentInput:
    """A comment as submitted through the form (or any other channel)."""

    body: str
    declared_language: str
    respondent_type: str
    age_band: str | None = None
    district: str | None = None
    position: str | None = None
    contact: ContactInput = ContactInput()
    channel: str = "web"
    # Paper comments: the day the city received them, which decides whether they were in time.
    received_at: datetime | None = None


def submit_comment(measure: Measure, data: CommentInput, now: datetime) -> tuple[Comment, str]:
    """Store a comment and its contact details; return the comment and its one-time access key.

    The caller commits. The access key is returned once and only its hash is stored.
    """
    in_time = (
        measure.accepts_comments(now)
        if data.received_at is None
        else measure.received_in_period(data.received_at, now)
    )
    if not in_time:
        raise PeriodNotOpen(measure.code)
    body = clean_text(data.body)
    if not body:
        raise EmptyComment
    access_key = new_access_key()
    detection = detect_language(body)
    comment = Comment(
        measure=measure,
        body=body,
        declared_language=data.declared_language,
        detected_language=detection.language,
        detection_confidence=detection.confidence if detection.language else None,
        respondent_type=data.respondent_type,
        age_band=data.age_band or None,
        district=data.district or None,
        position=data.position or None,
        access_key_hash=hash_access_key(access_key),
        channel=data.channel,
        received_at=data.received_at or now,
        # Counted on arrival (about 5 ms per 1,000 characters once the dictionary is loaded) so
        # the queue can filter on it; the spans themselves are computed again on the page.
        pii_suggestions=len(pii.suggest(body)),
        created_at=now,
        updated_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    comment.assign_receipt_number()
    contact = data.contact.cleaned()
    if not contact.is_empty:
        db.session.add(
            ContactDetails(
                comment=comment,
                name=contact.name or None,
                address=contact.address or None,
                email=contact.email or None,
                phone=contact.phone or None,
                created_at=now,
            )
        )
    db.session.flush()
    return comment, access_key


def normalize_receipt_number(value: str) -> str:
    """A receipt number as typed (any case, stray spaces, full-width digits) in canonical form."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def find_comment(receipt_number: str, access_key: str) -> Comment | None:
    """The comment with this receipt number if `access_key` is its key; None otherwise.

    A wrong key and an unknown number give the same answer, so the lookup does not reveal
    which receipt numbers exist.
    """
    comment = db.session.scalar(
        select(Comment).where(Comment.receipt_number == normalize_receipt_number(receipt_number))
    )
    if comment is None:
        hash_access_key(access_key)  # same work as a real check: no timing hint either
        return None
    return comment if comment.key_matches(access_key) else None
