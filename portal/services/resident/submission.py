"""Taking in a resident's comment and letting its author find or withdraw it later."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import joinedload, lazyload

from portal.extensions import db
from portal.models import Comment, ContactDetails, Measure, PriorityArea, ReceiptHandoff
from portal.models.comments import hash_access_key, new_access_key
from portal.models.submissions import SubmissionToken
from portal.services.resident import proposed_parts
from portal.services.sanitize import clean_line, clean_text, has_visible_text

_RECEIPT_NUMBER = re.compile(r"PC-[0-9]{4}-[0-9]{6,12}", re.ASCII)

# A form's token proves nothing but that the same form is sent again; after a few hours a
# resubmission is a new comment, and the sealed access key should not outlive its use.
SUBMISSION_TOKEN_LIFETIME = timedelta(hours=3)
_TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{32}$")


class PeriodNotOpen(Exception):
    """The measure does not take comments now."""


class EmptyComment(ValueError):
    """Nothing visible is left of the comment once it is cleaned."""


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
    # The part of the text the resident says the comment is about (see proposed_parts).
    proposed_part: str | None = None


def checked_text(measure: Measure, data: CommentInput) -> tuple[str, str | None]:
    """The comment's cleaned text and the part it proposes, or EmptyComment / UnknownPart:
    the same checks whichever way a comment is stored (web intake, paper entry)."""
    body = clean_text(data.body)
    if not has_visible_text(body):
        raise EmptyComment
    return body, proposed_parts.check(measure, data.proposed_part)


def new_submission_token() -> str:
    """A one-time token for a rendered comment form (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def valid_submission_token(value: str | None) -> str | None:
    """`value` if it has the shape of a token this portal issues, else None."""
    return value if value and _TOKEN_FORMAT.match(value) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(b"submission-token:" + token.encode()).hexdigest()


def _keystream(token: str) -> bytes:
    # A one-time pad: every token is random and seals exactly one key.
    return hashlib.sha256(b"sealed-access-key:" + token.encode()).digest()


def _seal(access_key: str, token: str) -> str:
    return bytes(a ^ b for a, b in zip(access_key.encode(), _keystream(token), strict=False)).hex()


def _unseal(sealed: str, token: str) -> str:
    return bytes(
        a ^ b for a, b in zip(bytes.fromhex(sealed), _keystream(token), strict=False)
    ).decode()


_NEXT_COMMENT_ID = text("SELECT nextval(pg_get_serial_sequence('comments', 'id'))")


def submit_comment(
    measure: Measure,
    data: CommentInput,
    now: datetime,
    submission_token: str | None = None,
) -> tuple[Comment, str]:
    """Store a comment and its contact details; return the comment and its one-time access key.

    The caller commits, then hands the comment to `arrival.after_arrival` (language, personal
    data, campaign group). The access key is returned once and only its hash is stored. With a
    `submission_token`, a second submission of the same form fails on the token's primary key
    (sqlalchemy.exc.IntegrityError, at this flush or at commit): the caller rolls back and
    answers with `find_submission(token)`.
    """
    in_time = (
        measure.accepts_comments(now)
        if data.received_at is None
        else measure.received_in_period(data.received_at, now)
    )
    if not in_time:
        raise PeriodNotOpen(measure.code)
    body, proposed_part = checked_text(measure, data)
    access_key = new_access_key()
    comment = Comment(
        measure_id=measure.id,
        body=body,
        declared_language=data.declared_language,
        respondent_type=data.respondent_type,
        age_band=data.age_band or None,
        district=data.district or None,
        position=data.position or None,
        proposed_part=proposed_part,
        access_key_hash=hash_access_key(access_key),
        channel=data.channel,
        received_at=data.received_at or now,
        created_at=now,
        updated_at=now,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Numbered before the INSERT: numbering after it took an UPDATE that rewrote every
        # index entry of the new row (the receipt number is indexed), both text-search GIN
        # indexes included, which doubled the database's work per comment.
        comment.id = db.session.execute(_NEXT_COMMENT_ID).scalar_one()
        comment.assign_receipt_number()
        db.session.add(comment)
    else:  # SQLite has no sequence; one writer at a time makes the UPDATE cheap there
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
    if submission_token:
        db.session.add(
            SubmissionToken(
                token_hash=_token_hash(submission_token),
                comment_id=comment.id,
                sealed_key=_seal(access_key, submission_token),
                created_at=now,
            )
        )
    db.session.flush()
    return comment, access_key


def _receipt_comment(comment_id: int) -> Comment | None:
    """The comment with its measure and area in the same query: the receipt names both."""
    return db.session.get(
        Comment,
        comment_id,
        options=[
            joinedload(Comment.measure).options(
                # the page shows one title (title_in), not every locale's full text
                lazyload(Measure.texts),
                joinedload(Measure.area).options(
                    lazyload(PriorityArea.texts), lazyload(PriorityArea.measures)
                ),
            )
        ],
    )


def find_submission(submission_token: str) -> tuple[Comment, str] | None:
    """The comment a form with this token already sent, and its access key; None if none."""
    row = db.session.get(SubmissionToken, _token_hash(submission_token))
    if row is None:
        return None
    comment = _receipt_comment(row.comment_id)
    access_key = _unseal(row.sealed_key, submission_token)
    if comment is None or not comment.key_matches(access_key):
        return None
    return comment, access_key


def purge_expired_submission_tokens() -> int:
    """Background job: forget expired submission tokens now."""
    from portal.database import utcnow

    return purge_submission_tokens(utcnow())


def purge_submission_tokens(now: datetime) -> int:
    """Forget tokens (and their sealed keys) older than their lifetime; returns how many."""
    result = db.session.execute(
        delete(SubmissionToken).where(SubmissionToken.created_at < now - SUBMISSION_TOKEN_LIFETIME)
    )
    return result.rowcount


_RECEIPT_PARTS = re.compile(r"PC(\d{4})(\d{6,})")


def normalize_receipt_number(value: str) -> str:
    """A receipt number as typed in canonical form (``PC-2026-000003``).

    Residents copy it from paper or a phone's keyboard: any case, full-width characters,
    spaces, and any dash or none at all (``PC2026000003``, ``pc－2026－000003``).
    """
    typed = unicodedata.normalize("NFKC", value or "").upper()
    match = _RECEIPT_PARTS.fullmatch("".join(ch for ch in typed if ch.isalnum()))
    return f"PC-{match[1]}-{match[2]}" if match else "".join(typed.split())


def find_comment(receipt_number: str, access_key: str) -> Comment | None:
    """The comment with this receipt number if `access_key` is its key; None otherwise.

    A wrong key and an unknown number give the same answer, so the lookup does not reveal
    which receipt numbers exist.
    """
    number = normalize_receipt_number(receipt_number)
    # Only a well-formed number reaches the database: PostgreSQL refuses a NUL in a string.
    comment = (
        db.session.scalar(select(Comment).where(Comment.receipt_number == number))
        if _RECEIPT_NUMBER.fullmatch(number)
        else None
    )
    if comment is None:
        hash_access_key(access_key)  # same work as a real check: no timing hint either
        return None
    return comment if comment.key_matches(access_key) else None


# A receipt not shown within this time (the resident closed the tab) is not shown at all.
HANDOFF_LIFETIME = timedelta(hours=1)


def _handoff_digests(token: str) -> tuple[str, bytes]:
    """The row's look-up hash and the key's pad, both from the cookie's token."""
    token_hash = hashlib.sha256(b"receipt-handoff-id:" + token.encode()).hexdigest()
    pad = hashlib.sha256(b"receipt-handoff-pad:" + token.encode()).digest()
    return token_hash, pad


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))


def hand_off_receipt(comment: Comment, access_key: str, now: datetime) -> str:
    """Keep the fresh access key, sealed, for one showing; return the token that unseals it.

    The caller commits (with the comment, so a receipt is never handed off for nothing) and
    gives the token to the resident's browser only.
    """
    # Expired hand-offs are useless without their cookie (claim_receipt refuses them anyway);
    # sweeping them on one submission in sixteen spares a statement on the others.
    if secrets.randbelow(16) == 0:
        db.session.execute(
            delete(ReceiptHandoff).where(ReceiptHandoff.created_at < now - HANDOFF_LIFETIME)
        )
    token = secrets.token_urlsafe(32)
    token_hash, pad = _handoff_digests(token)
    db.session.add(
        ReceiptHandoff(
            token_hash=token_hash,
            comment_id=comment.id,
            sealed_key=_xor(access_key.encode(), pad),
            created_at=now,
        )
    )
    db.session.flush()
    return token


def claim_receipt(token: str, now: datetime) -> tuple[Comment, str] | None:
    """The comment and its access key for a token handed off earlier, once; None after that.

    The row is deleted in the same statement that reads it, so two requests with the same
    token cannot both get the key. The caller commits.
    """
    token_hash, pad = _handoff_digests(token)
    row = db.session.execute(
        delete(ReceiptHandoff)
        .where(ReceiptHandoff.token_hash == token_hash)
        .returning(ReceiptHandoff.comment_id, ReceiptHandoff.sealed_key, ReceiptHandoff.created_at)
    ).first()
    if row is None or row.created_at < now - HANDOFF_LIFETIME:
        return None
    access_key = _xor(row.sealed_key, pad).decode("ascii", errors="replace")
    comment = _receipt_comment(row.comment_id)
    if comment is None or not comment.key_matches(access_key):
        return None
    return comment, access_key
