"""Residents' comments, kept apart from the contact details that identify their authors."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import JAPAN, UTCDateTime, utcnow
from portal.extensions import db
from portal.models.measures import Measure
from portal.models.moderation import CampaignGroup, CityResponse

# No 0/O, 1/I/L: a resident copies the key from a screen or a sheet of paper.
_KEY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_KEY_LENGTH = 12


class RespondentType(enum.StrEnum):
    """Who may comment, in the sense of Isesaki's citizen participation ordinance."""

    LIVES = "lives"
    WORKS = "works"
    STUDIES = "studies"
    BUSINESS = "business"
    INTERESTED = "interested"


class AgeBand(enum.StrEnum):
    """Optional age band, for the committee's figures only."""

    UNDER_20 = "under_20"
    TWENTIES = "20s"
    THIRTIES = "30s"
    FORTIES = "40s"
    FIFTIES = "50s"
    SIXTIES = "60s"
    SEVENTY_PLUS = "70_plus"


class District(enum.StrEnum):
    """The four districts residents still name since the 2005 merger."""

    ISESAKI = "isesaki"
    AKABORI = "akabori"
    AZUMA = "azuma"
    SAKAI = "sakai"


class Position(enum.StrEnum):
    """An optional overall stance; shown in figures as context, never counted as a vote."""

    AGREE = "agree"
    DISAGREE = "disagree"
    NEITHER = "neither"


class CommentStatus(enum.StrEnum):
    """A comment's way through review."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"
    WITHDRAWN = "withdrawn"


class RejectionReason(enum.StrEnum):
    """Why a comment is not published (the categories the resident sees)."""

    OFF_TOPIC = "off_topic"
    PERSONAL_INFORMATION = "personal_information"
    HARMS_OTHERS = "harms_others"
    COMMERCIAL = "commercial"
    DUPLICATE = "duplicate"
    OTHER = "other"


def new_access_key() -> str:
    """A random 60-bit key, grouped for reading: ``ABCD-EFGH-JKMN``."""
    raw = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _KEY_LENGTH, 4))


def normalize_access_key(key: str) -> str:
    """The key as typed, without spaces, dashes, case or full-width differences (ＡＢＣＤ)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", key).upper() if ch.isalnum())


def hash_access_key(key: str) -> str:
    """SHA-256 of the normalised key; the key has 60 random bits, so no slow hash is needed."""
    return hashlib.sha256(normalize_access_key(key).encode()).hexdigest()


class Comment(db.Model):
    """A resident's comment on one measure. It holds no contact details."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    access_key_hash: Mapped[str] = mapped_column(String(64))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    declared_language: Mapped[str] = mapped_column(String(16))
    detected_language: Mapped[str | None] = mapped_column(String(16))
    detection_confidence: Mapped[float | None] = mapped_column(Float)
    respondent_type: Mapped[str] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.RECEIVED, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(String(30))
    # Staff-only note on a decision (why rejected, why held); never shown to residents.
    staff_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Four-eyes rule: a proposed rejection waits for a second moderator's confirmation.
    rejection_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    rejection_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_proposed_reason: Mapped[str | None] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10), default="web", index=True)
    # When the city received it: the submission time on the web, the postmark/counter date on
    # paper (which may be the closing day although it is typed in later).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_groups.id"), index=True)
    pii_suggestions: Mapped[int] = mapped_column(Integer, default=0)
    # Suggestions of the body a moderator confirmed are not personal data (a district read as
    # a surname): JSON [[start, end, kind], ...]; with the hidden spans, what resolves them.
    kept_suggestions: Mapped[str | None] = mapped_column(Text)
    # The part of the text the resident said their comment is about, a proposal the moderator
    # confirms: "paragraph:<code>:<n>" (n from 1) or "measure:<code>"; None when not said.
    proposed_part: Mapped[str | None] = mapped_column(String(40))
    # A moderator put this comment in its group, or took it out, by hand: automatic grouping
    # (on arrival and in a full regrouping) leaves it where the moderator left it.
    group_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic locking: two moderators deciding at once must not overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    measure: Mapped[Measure] = relationship()
    group: Mapped[CampaignGroup | None] = relationship()
    own_response: Mapped[CityResponse | None] = relationship(
        primaryjoin="CityResponse.comment_id == Comment.id", viewonly=True, uselist=False
    )

    __mapper_args__ = {"version_id_col": version}
    # The moderation queue pages by (received_at, id), alone or after a measure, state or
    # channel filter.
    __table_args__ = (
        Index("ix_comments_queue", "received_at", "id"),
        Index("ix_comments_queue_measure", "measure_id", "received_at", "id"),
        Index("ix_comments_queue_status", "status", "received_at", "id"),
        Index("ix_comments_queue_channel", "channel", "received_at", "id"),
    )

    @property
    def response(self) -> CityResponse | None:
        """The city's response: the comment's own, else its campaign group's."""
        if self.own_response is not None:
            return self.own_response
        if self.group is not None:
            return db.session.scalar(
                select(CityResponse).where(CityResponse.group_id == self.group_id)
            )
        return None

    def assign_receipt_number(self) -> None:
        """Number the comment from its primary key, so two submissions can never share one."""
        year = self.created_at.astimezone(JAPAN).year  # the city's year, not UTC's
        self.receipt_number = f"PC-{year}-{self.id:06d}"

    def key_matches(self, key: str) -> bool:
        """True when `key` is this comment's access key."""
        return hmac.compare_digest(self.access_key_hash, hash_access_key(key))

    @property
    def can_be_withdrawn(self) -> bool:
        """A resident may withdraw a comment until a moderator has decided on it."""
        return self.status in (CommentStatus.RECEIVED, CommentStatus.UNDER_REVIEW)

    def withdraw(self, now: datetime) -> None:
        """Withdraw the comment; it then counts only as withdrawn."""
        if not self.can_be_withdrawn:
            raise ValueError(f"comment in state {self.status} cannot be withdrawn")
        self.status = CommentStatus.WITHDRAWN
        self.withdrawn_at = now


class ContactDetails(db.Model):
    """Who wrote a comment. Staff-side only: never rendered on a public page, never exported.

    The relationship runs one way (contact → comment) so that nothing reached from a public
    comment can load these fields by accident.
    """

    __tablename__ = "comment_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship()


class ReceiptHandoff(db.Model):
    """A fresh receipt on its way from the comment form to the page that shows it, once.

    The access key is kept only XOR-ed with a pad derived from a random token, and that token
    lives only in the resident's session cookie: neither the cookie nor this row reveals the
    key by itself. The row is deleted when the receipt is shown, so a replayed cookie finds
    nothing.
    """

    __tablename__ = "receipt_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # What the receipt page shows besides the comment's text, written with the comment in the
    # POST's one statement, so the page reads it here instead of reloading the comment, its
    # measure and its area. Empty on hand-offs made before these columns existed.
    receipt_number: Mapped[str | None] = mapped_column(String(20))
    measure_code: Mapped[str | None] = mapped_column(String(20))
    measure_slug: Mapped[str | None] = mapped_column(String(10))
    measure_title: Mapped[str | None] = mapped_column(Text)
