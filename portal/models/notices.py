"""Residents who asked to be told by e-mail: their subscriptions, what there is to tell them,
and the record of every message sent (never its body).

A subscription is personal data, like contact details: staff-side only, never exported, deleted
with the comment's contact details by `portal purge-contacts` or by the resident's one click.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class NoticeKind(enum.StrEnum):
    """What a resident asked to be told."""

    RESULTS = "results"  # the results of the measure they commented on are published
    CONSULTATIONS = "consultations"  # a new consultation opens (double opt-in)


class DeliveryKind(enum.StrEnum):
    """What one message says."""

    RESULTS = "results"
    OPENED = "opened"
    CONFIRMATION = "confirmation"  # "confirm your subscription" (double opt-in)
    TEST = "test"  # `portal mail test ADDRESS`


class DeliveryStatus(enum.StrEnum):
    """Where one message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of retries
    DROPPED = "dropped"  # its subscriber left before it went out


class NoticeSubscription(db.Model):
    """One resident's wish to be told something, at one e-mail address, in one language.

    `token` is the secret in the message's links (confirm, unsubscribe): whoever holds a
    message can leave, nobody else can.
    """

    __tablename__ = "notice_subscriptions"
    __table_args__ = (Index("ix_notice_subscriptions_kind_measure", "kind", "measure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(16))
    # Results notices: the comment whose row the message links to (and whose purge ends it).
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # None until the resident followed the confirmation link (consultation notices only).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeEvent(db.Model):
    """Something subscribers are told once: a measure's results published, or consultations
    that opened (several at once make one message)."""

    __tablename__ = "notice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    measure_ids: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnouncedOpening(db.Model):
    """A measure whose opening was announced, so that it is announced once."""

    __tablename__ = "announced_openings"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notice_events.id", ondelete="CASCADE"))


class MailDelivery(db.Model):
    """One message to one subscriber: the outbox while pending, the record once sent.

    It keeps what was sent, to whom (the subscription, while it exists) and when, the server's
    message id and the class of an error: never the address or the message body.
    """

    __tablename__ = "mail_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_mail_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("notice_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("notice_subscriptions.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which sender claimed it (a random id), so two senders never send one message twice.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    message_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(200))
