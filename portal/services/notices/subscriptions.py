"""Residents asking to be told, confirming, and leaving.

- Results notices are asked for with a comment (the form's e-mail address) or later on the
  receipt page: one message when the measure's results are published, linking to the row.
- Consultation notices need no comment and are double opt-in: nothing but the confirmation
  message goes to an address until its owner followed the link in it.

Every message carries the subscription's token: one click on its link (or the mail client's
RFC 8058 one-click button) deletes the subscription. The caller commits.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import Comment
from portal.models.notices import (
    DeliveryKind,
    MailDelivery,
    NoticeKind,
    NoticeSubscription,
)
from portal.services.notices import outbox
from portal.services.sanitize import clean_line

# An address is asked to confirm at most once a day: the form cannot be used to flood a mailbox.
CONFIRMATION_INTERVAL = timedelta(hours=24)
# Confirmation links older than this are void; the unconfirmed subscription is deleted.
CONFIRMATION_LIFETIME = timedelta(days=7)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class InvalidAddress(ValueError):
    """Not an e-mail address."""


def normalise_address(email: str) -> str:
    """The address as one clean line; InvalidAddress when it cannot be one."""
    value = clean_line(email or "")
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidAddress(value)
    return value


def _same_address(email: str):
    return func.lower(NoticeSubscription.email) == email.lower()


def subscribe_to_results(comment: Comment, email: str, locale: str, now: datetime) -> bool:
    """Tell `email` when the results of `comment`'s measure are published; False if it was
    already asked for."""
    email = normalise_address(email)
    exists = db.session.scalar(
        select(NoticeSubscription.id).where(
            NoticeSubscription.kind == NoticeKind.RESULTS,
            NoticeSubscription.comment_id == comment.id,
            _same_address(email),
        )
    )
    if exists:
        return False
    db.session.add(
        NoticeSubscription(
            kind=NoticeKind.RESULTS,
            email=email,
            locale=locale,
            comment_id=comment.id,
            measure_id=comment.measure_id,
            token=secrets.token_urlsafe(24),
            confirmed_at=now,
            created_at=now,
        )
    )
    db.session.flush()
    return True


def request_consultation_notices(email: str, locale: str, now: datetime) -> None:
    """Ask `email`'s owner to confirm that they want to hear of new consultations.

    The answer is the same whether the address is new, waiting or already subscribed, so the
    form reveals nobody's subscriptions; a confirmation goes out at most once a day.
    """
    email = normalise_address(email)
    existing = db.session.scalars(
        select(NoticeSubscription).where(
            NoticeSubscription.kind == NoticeKind.CONSULTATIONS, _same_address(email)
        )
    ).all()
    if any(s.confirmed_at is not None for s in existing):
        return
    if any(s.created_at > now - CONFIRMATION_INTERVAL for s in existing):
        return
    for stale in existing:
        _delete(stale)
    subscription = NoticeSubscription(
        kind=NoticeKind.CONSULTATIONS,
        email=email,
        locale=locale,
        token=secrets.token_urlsafe(24),
        created_at=now,
    )
    db.session.add(subscription)
    db.session.flush()
    outbox.queue_message(DeliveryKind.CONFIRMATION, subscription, now)


def subscribe_with_comment(
    comment: Comment,
    email: str,
    locale: str,
    *,
    results: bool,
    consultations: bool,
    now: datetime,
) -> None:
    """What the comment form's notice boxes asked for, stored with the comment (same
    transaction: no comment, no subscription)."""
    if not email or not (results or consultations):
        return
    if results:
        subscribe_to_results(comment, email, locale, now)
    if consultations:
        request_consultation_notices(email, locale, now)


def _valid_token(token: str) -> bool:
    return bool(token) and bool(_TOKEN.match(token))


def subscription_for(token: str) -> NoticeSubscription | None:
    """The subscription whose links carry `token`, or None."""
    if not _valid_token(token):
        return None
    return db.session.scalar(select(NoticeSubscription).where(NoticeSubscription.token == token))


def confirm(token: str, now: datetime) -> NoticeSubscription | None:
    """Confirm a consultation subscription from the link in its confirmation message."""
    subscription = subscription_for(token)
    if subscription is None or subscription.kind != NoticeKind.CONSULTATIONS:
        return None
    if subscription.confirmed_at is None:
        if subscription.created_at < now - CONFIRMATION_LIFETIME:
            _delete(subscription)
            return None
        subscription.confirmed_at = now
        db.session.flush()
    return subscription


def _delete(subscription: NoticeSubscription) -> None:
    # The record of what was sent stays, without anything pointing at the person.
    db.session.execute(
        update(MailDelivery)
        .where(MailDelivery.subscription_id == subscription.id)
        .values(subscription_id=None)
    )
    db.session.delete(subscription)


def unsubscribe(token: str) -> str | None:
    """Delete the subscription whose links carry `token`; returns its kind, or None if there
    was none (already left: the same page answers)."""
    subscription = subscription_for(token)
    if subscription is None:
        return None
    kind = subscription.kind
    _delete(subscription)
    db.session.flush()
    return kind


def purge_for_comments(comment_ids: list[int]) -> int:
    """Delete the results subscriptions of these comments (retention); returns how many."""
    ids = db.session.scalars(
        select(NoticeSubscription.id).where(NoticeSubscription.comment_id.in_(comment_ids))
    ).all()
    return _delete_ids(ids)


def purge_unconfirmed(now: datetime) -> int:
    """Delete consultation subscriptions nobody confirmed in time; returns how many."""
    ids = db.session.scalars(
        select(NoticeSubscription.id).where(
            NoticeSubscription.confirmed_at.is_(None),
            NoticeSubscription.created_at < now - CONFIRMATION_LIFETIME,
        )
    ).all()
    return _delete_ids(ids)


def _delete_ids(ids: list[int]) -> int:
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        db.session.execute(
            update(MailDelivery)
            .where(MailDelivery.subscription_id.in_(chunk))
            .values(subscription_id=None)
        )
        db.session.execute(delete(NoticeSubscription).where(NoticeSubscription.id.in_(chunk)))
    return len(ids)
