"""The web form's comment in as few statements as the database allows, and its fresh receipt.

`submission.submit_comment` goes through the ORM's unit of work (the paper form, the tests,
anything that wants the `Comment` object). The residents' form is the hot path of a flood, so
here the comment, its form's submission token and the receipt hand-off are written with
SQLAlchemy Core: on PostgreSQL one statement (a CTE numbering the comment from its sequence
inside the INSERT), on SQLite three (SQLite has no data-modifying CTE; it numbers the comment
inside its INSERT too). The hand-off row carries what the receipt page shows besides the text
(receipt number, time, the measure's code, slug and title in the page's language), so the
receipt page reads the comment's text and hidden spans in one query and nothing else.

Guarantees are those of `submit_comment`: the submission token's primary key refuses a second
POST of the same form (IntegrityError, the whole statement undone), only the access key's hash
is stored, the caller commits once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import LargeBinary, String, and_, bindparam, delete, insert, select, text

from portal.database import JAPAN, UTCDateTime
from portal.extensions import db
from portal.models import Comment, ContactDetails, Measure, ReceiptHandoff
from portal.models.comments import hash_access_key, new_access_key
from portal.models.measures import SOURCE_LOCALE
from portal.models.moderation import Redaction
from portal.services.resident.submission import (
    HANDOFF_LIFETIME,
    CommentInput,
    PeriodNotOpen,
    _handoff_digests,
    _seal,
    _token_hash,
    _xor,
    checked_text,
)


@dataclass(frozen=True)
class StoredComment:
    """What the POST needs of the comment it stored (no ORM object, no reload)."""

    id: int
    measure_id: int
    receipt_number: str
    declared_language: str
    body: str


@dataclass(frozen=True)
class FreshReceipt:
    """What the receipt page shows, from the hand-off row and one read of the comment."""

    receipt_number: str
    created_at: datetime
    measure_code: str
    measure_slug: str
    measure_title: str
    declared_language: str
    detected_language: str | None
    body: str
    hidden: list[tuple[int, int]]


_COMMENT_COLUMNS = (
    "access_key_hash, measure_id, body, declared_language, respondent_type, age_band, "
    "district, position, proposed_part, status, channel, received_at, pii_suggestions, "
    "group_manual, version, created_at, updated_at"
)
_COMMENT_VALUES = (
    ":key_hash, :measure_id, :body, :declared_language, :respondent_type, :age_band, "
    ":district, :position, :proposed_part, 'received', :channel, :now, 0, false, 1, :now, :now"
)
# The title in the page's language, Japanese when that one is not translated.
# Every piece of these statements is a constant of this module; values are bound (S608).
_TITLE = (
    "COALESCE((SELECT title FROM measure_texts WHERE measure_id = :measure_id "  # noqa: S608
    "AND locale = :locale), (SELECT title FROM measure_texts WHERE measure_id = :measure_id "
    f"AND locale = '{SOURCE_LOCALE}'))"
)
_HANDOFF_COLUMNS = (
    "token_hash, comment_id, sealed_key, created_at, receipt_number, measure_code, "
    "measure_slug, measure_title"
)


def _postgresql_statement(with_token: bool) -> str:
    token = (
        ", t AS (INSERT INTO submission_tokens (token_hash, comment_id, sealed_key, created_at)"
        " SELECT :token_hash, c.id, :token_sealed, :now FROM c)"
        if with_token
        else ""
    )
    # The number is made from the id inside the INSERT: numbering after it took an UPDATE
    # that rewrote every index entry of the new row, both text-search GIN indexes included.
    return (
        "WITH n AS (SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id), "  # noqa: S608
        f"c AS (INSERT INTO comments (id, receipt_number, {_COMMENT_COLUMNS}) "
        "SELECT n.id, :prefix || CASE WHEN n.id < 1000000 THEN lpad(n.id::text, 6, '0') "
        f"ELSE n.id::text END, {_COMMENT_VALUES} FROM n RETURNING id, receipt_number)"
        f"{token}, h AS (INSERT INTO receipt_handoffs ({_HANDOFF_COLUMNS}) "
        "SELECT :handoff_hash, c.id, :handoff_sealed, :now, c.receipt_number, :code, :slug, "
        f"{_TITLE} FROM c) SELECT id, receipt_number FROM c"
    )


# SQLite: one writer at a time, and the INSERT holds the write lock while it reads max(id),
# which is how SQLite picks a new rowid anyway.
_SQLITE_COMMENT = (
    f"INSERT INTO comments (id, receipt_number, {_COMMENT_COLUMNS}) "  # noqa: S608
    "SELECT n.id, :prefix || printf('%06d', n.id), "
    f"{_COMMENT_VALUES} FROM (SELECT COALESCE(MAX(id), 0) + 1 AS id FROM comments) AS n "
    "RETURNING id, receipt_number"
)
_SQLITE_FORM_ROW = (
    "INSERT INTO submission_tokens (token_hash, comment_id, sealed_key, created_at) "
    "VALUES (:token_hash, :comment_id, :token_sealed, :now)"
)
# A hand-off on its own (SQLite's third statement, and a form sent twice on either database).
_HANDOFF = (
    f"INSERT INTO receipt_handoffs ({_HANDOFF_COLUMNS}) SELECT :handoff_hash, :comment_id, "
    f":handoff_sealed, :now, :receipt_number, :code, :slug, {_TITLE}"
)
_TYPES = (
    bindparam("now", type_=UTCDateTime()),
    bindparam("handoff_sealed", type_=LargeBinary()),
    bindparam("token_sealed", type_=String()),
)


def _statement(sql: str):
    names = {param.key for param in _TYPES if f":{param.key}" in sql}
    return text(sql).bindparams(*(param for param in _TYPES if param.key in names))


def _sweep_handoffs(now: datetime) -> None:
    # Expired hand-offs are useless without their cookie (claim refuses them anyway);
    # sweeping on one submission in sixteen spares a statement on the others.
    if secrets.randbelow(16) == 0:
        db.session.execute(
            delete(ReceiptHandoff).where(ReceiptHandoff.created_at < now - HANDOFF_LIFETIME)
        )


def accept_comment(
    measure: Measure,
    slug: str,
    data: CommentInput,
    now: datetime,
    locale: str,
    submission_token: str | None = None,
) -> tuple[StoredComment, str]:
    """Store a web comment, its form's token and its receipt hand-off; return the comment and
    the hand-off token for the resident's session (the caller commits).

    Raises PeriodNotOpen, EmptyComment, UnknownPart (a paragraph the measure does not have),
    or IntegrityError when the form was sent before (the
    caller rolls back and answers with `submission.find_submission`).
    """
    if not measure.accepts_comments(now):
        raise PeriodNotOpen(measure.code)
    body, proposed_part = checked_text(measure, data)
    access_key = new_access_key()
    handoff = secrets.token_urlsafe(32)
    handoff_hash, pad = _handoff_digests(handoff)
    params = {
        "prefix": f"PC-{now.astimezone(JAPAN).year}-",
        "key_hash": hash_access_key(access_key),
        "measure_id": measure.id,
        "body": body,
        "declared_language": data.declared_language,
        "respondent_type": data.respondent_type,
        "age_band": data.age_band or None,
        "district": data.district or None,
        "position": data.position or None,
        "proposed_part": proposed_part,
        "channel": data.channel,
        "now": now,
        "handoff_hash": handoff_hash,
        "handoff_sealed": _xor(access_key.encode(), pad),
        "code": measure.code,
        "slug": slug,
        "locale": locale,
    }
    if submission_token:
        params["token_hash"] = _token_hash(submission_token)
        params["token_sealed"] = _seal(access_key, submission_token)
    _sweep_handoffs(now)
    if db.session.get_bind().dialect.name == "postgresql":
        sql = _postgresql_statement(bool(submission_token))
        row = db.session.execute(_statement(sql), params).one()
    else:
        row = db.session.execute(_statement(_SQLITE_COMMENT), params).one()
        params.update(comment_id=row.id, receipt_number=row.receipt_number)
        if submission_token:
            db.session.execute(_statement(_SQLITE_FORM_ROW), params)
        db.session.execute(_statement(_HANDOFF), params)
    contact = data.contact.cleaned()
    if not contact.is_empty:
        db.session.execute(
            insert(ContactDetails).values(
                comment_id=row.id,
                name=contact.name or None,
                address=contact.address or None,
                email=contact.email or None,
                phone=contact.phone or None,
                created_at=now,
            )
        )
    stored = StoredComment(row.id, measure.id, row.receipt_number, data.declared_language, body)
    return stored, handoff


def hand_off_again(comment: Comment, access_key: str, slug: str, locale: str, now: datetime) -> str:
    """A hand-off for a comment stored earlier (the same form sent twice); returns its token."""
    _sweep_handoffs(now)
    handoff = secrets.token_urlsafe(32)
    handoff_hash, pad = _handoff_digests(handoff)
    db.session.execute(
        _statement(_HANDOFF),
        {
            "handoff_hash": handoff_hash,
            "comment_id": comment.id,
            "handoff_sealed": _xor(access_key.encode(), pad),
            "now": now,
            "receipt_number": comment.receipt_number,
            "code": comment.measure.code,
            "slug": slug,
            "locale": locale,
            "measure_id": comment.measure_id,
        },
    )
    return handoff


def claim_fresh_receipt(token: str, now: datetime) -> tuple[FreshReceipt, str] | None:
    """The receipt and access key for a hand-off token, once; None after that or if expired.

    Two statements: the hand-off is deleted in the statement that reads it (two requests with
    the same token cannot both get the key), then the comment's text and hidden spans are read
    together and the key checked against the stored hash. The caller commits.
    """
    token_hash, pad = _handoff_digests(token)
    handoff = db.session.execute(
        delete(ReceiptHandoff)
        .where(ReceiptHandoff.token_hash == token_hash)
        .returning(
            ReceiptHandoff.comment_id,
            ReceiptHandoff.sealed_key,
            ReceiptHandoff.created_at,
            ReceiptHandoff.receipt_number,
            ReceiptHandoff.measure_code,
            ReceiptHandoff.measure_slug,
            ReceiptHandoff.measure_title,
        )
    ).first()
    if handoff is None or handoff.created_at < now - HANDOFF_LIFETIME:
        return None
    rows = db.session.execute(
        select(
            Comment.body,
            Comment.access_key_hash,
            Comment.declared_language,
            Comment.detected_language,
            Comment.created_at,
            Comment.receipt_number,
            Redaction.start,
            Redaction.end,
        )
        .outerjoin(Redaction, and_(Redaction.comment_id == Comment.id, Redaction.field == "body"))
        .where(Comment.id == handoff.comment_id)
    ).all()
    access_key = _xor(handoff.sealed_key, pad).decode("ascii", errors="replace")
    if not rows or not hmac.compare_digest(rows[0].access_key_hash, hash_access_key(access_key)):
        return None
    first = rows[0]
    if handoff.receipt_number is None:  # a hand-off written before it carried the measure
        measure = db.session.get(
            Measure,
            db.session.scalar(select(Comment.measure_id).where(Comment.id == handoff.comment_id)),
        )
        code, slug = measure.code, measure.slug
        title = measure.title_in(SOURCE_LOCALE)
    else:
        code, slug, title = handoff.measure_code, handoff.measure_slug, handoff.measure_title
    receipt = FreshReceipt(
        receipt_number=first.receipt_number,
        created_at=first.created_at,
        measure_code=code,
        measure_slug=slug,
        measure_title=title,
        declared_language=first.declared_language,
        detected_language=first.detected_language,
        body=first.body,
        hidden=[(row.start, row.end) for row in rows if row.start is not None],
    )
    return receipt, access_key
