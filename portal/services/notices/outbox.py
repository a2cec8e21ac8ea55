"""The outbox: what is to be sent, sending it in batches under a per-minute cap, retrying, and
recording what went out (never the body).

A publication or a sign-up only adds rows and asks for sending *after its commit*
(`send_after_commit`): the mail server's speed or failure never reaches the transaction that
published the results. Sending runs where `PORTAL_MAIL_SENDING` says: "queue" (RQ, `portal
worker`; each batch schedules the next), "thread" (a thread of the web process, one per
process), "inline" (tests: at once). `portal mail send` (cron) announces newly opened
consultations and sends whatever is due, e.g. after a restart.

Each batch is its own transaction: rows are claimed (committed) before a message leaves, so two
senders never send the same row, and a sender that died leaves its claim to expire.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import event, func, insert, literal, select, update
from sqlalchemy.orm import Session

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.logs import describe_error
from portal.models import Comment, Measure
from portal.models.measures import PeriodState
from portal.models.notices import (
    AnnouncedOpening,
    DeliveryKind,
    DeliveryStatus,
    MailDelivery,
    NoticeEvent,
    NoticeKind,
    NoticeSubscription,
)
from portal.services import jobs
from portal.services.disclosure import results_are_public
from portal.services.notices import mailer, messages
from portal.services.results.published import published_results, row_numbers

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# After the 1st, 2nd, ... failure; the last one is final.
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# A claim older than this belongs to a sender that died: its rows are sent again.
STALE_CLAIM = timedelta(minutes=10)
# A thread waits at most this long for a retry that is not due yet; cron catches up later.
THREAD_PATIENCE = timedelta(minutes=10)
SEND_JOB = "portal.services.notices.outbox.send_due"
ANNOUNCE_RESULTS_JOB = "portal.services.notices.outbox.announce_results"
_AFTER_COMMIT = "portal_notices_after_commit"
_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def mail_enabled(app: Flask | None = None) -> bool:
    """True when a mail server is configured (no server: no notices are offered)."""
    return bool((app or current_app).config["PORTAL_SMTP_HOST"])


# --- what is to be sent -----------------------------------------------------------------------


def queue_message(kind: str, subscription: NoticeSubscription, now: datetime) -> MailDelivery:
    """One message to one subscriber, sent after the caller's commit."""
    delivery = MailDelivery(
        kind=kind,
        subscription_id=subscription.id,
        locale=subscription.locale,
        status=DeliveryStatus.PENDING,
        attempts=0,
        queued_at=now,
        next_attempt_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    send_after_commit()
    return delivery


def _queue_for(event_row: NoticeEvent, kind: str, subscribers, now: datetime) -> int:
    """A delivery per subscriber of `subscribers` (a select of subscription ids and locales),
    in one statement, however many there are."""
    rows = subscribers.add_columns(
        literal(kind),
        literal(event_row.id),
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    )
    result = db.session.execute(
        insert(MailDelivery).from_select(
            [
                "subscription_id",
                "locale",
                "kind",
                "event_id",
                "status",
                "attempts",
                "queued_at",
                "next_attempt_at",
            ],
            rows,
        )
    )
    return result.rowcount


def announce_results(measure_id: int) -> int:
    """Job: a message to everyone who asked to hear of this measure's results (once, however
    often it runs); then sending starts. Returns how many were queued."""
    now = utcnow()
    measure = db.session.get(Measure, measure_id)
    if measure is None or not results_are_public(measure, now):
        return 0
    events = db.session.scalars(
        select(NoticeEvent).where(NoticeEvent.kind == DeliveryKind.RESULTS)
    ).all()
    if any(e.measure_ids == [measure_id] for e in events):
        return 0
    event_row = NoticeEvent(kind=DeliveryKind.RESULTS, measure_ids=[measure_id], created_at=now)
    db.session.add(event_row)
    db.session.flush()
    subscribers = select(NoticeSubscription.id, NoticeSubscription.locale).where(
        NoticeSubscription.kind == NoticeKind.RESULTS,
        NoticeSubscription.measure_id == measure_id,
    )
    count = _queue_for(event_row, DeliveryKind.RESULTS, subscribers, now)
    log.info("results of %s: %s notices queued", measure.code, count)
    send_after_commit()
    return count


def announce_openings(now: datetime) -> int:
    """Newly opened consultations, in one message per confirmed subscriber who subscribed
    before they opened; each opening is announced once. Returns the messages queued."""
    announced = select(AnnouncedOpening.measure_id)
    opened = [
        m
        for m in db.session.scalars(
            select(Measure).where(Measure.opens_at <= now, Measure.id.not_in(announced))
        )
        if m.state(now) is PeriodState.OPEN
    ]
    if not opened:
        return 0
    event_row = NoticeEvent(
        kind=DeliveryKind.OPENED, measure_ids=sorted(m.id for m in opened), created_at=now
    )
    db.session.add(event_row)
    db.session.flush()
    db.session.add_all(AnnouncedOpening(measure_id=m.id, event_id=event_row.id) for m in opened)
    # Someone who subscribed after the last of these opened has seen them already.
    latest = max(m.opens_at for m in opened)
    subscribers = select(NoticeSubscription.id, NoticeSubscription.locale).where(
        NoticeSubscription.kind == NoticeKind.CONSULTATIONS,
        NoticeSubscription.confirmed_at.is_not(None),
        NoticeSubscription.confirmed_at < latest,
    )
    count = _queue_for(event_row, DeliveryKind.OPENED, subscribers, now)
    db.session.flush()
    log.info("%s consultations opened: %s notices queued", len(opened), count)
    return count


# --- after the commit -------------------------------------------------------------------------


def send_after_commit(job: str = SEND_JOB, *args) -> None:
    """Run `job(*args)` once the current transaction has committed (never if it rolls back)."""
    pending = db.session().info.setdefault(_AFTER_COMMIT, [])
    if (job, args) not in pending:
        pending.append((job, args))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, None)
    if not pending:
        return
    app = current_app._get_current_object()
    for job, args in pending:
        start(app, job, *args)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def start(app: Flask, job: str, *args) -> None:
    """Have `job(*args)` run where PORTAL_MAIL_SENDING says; a failure is logged, never raised
    (a publication or a comment is already committed)."""
    mode = app.config["PORTAL_MAIL_SENDING"]
    try:
        if mode == "queue":
            jobs.enqueue(job, *args)
        elif mode == "inline":
            jobs.perform(job, *args)
        else:
            _in_thread(app, job, *args)
    except Exception as error:  # noqa: BLE001 - nothing here may undo what was committed
        log.warning("mail job %s not started: %s", job, describe_error(error))


def _in_thread(app: Flask, job: str, *args) -> None:
    def run() -> None:
        try:
            with app.app_context():
                if job != SEND_JOB:
                    jobs.perform(job, *args)
                send_until_done(app, patience=THREAD_PATIENCE)
        except Exception as error:  # noqa: BLE001 - a background thread must not die loudly
            log.warning("mail sending stopped: %s", describe_error(error))
        finally:
            with _threads_lock:
                _threads.pop(id(app), None)

    with _threads_lock:
        running = _threads.get(id(app))
        if running is not None and running.is_alive() and job == SEND_JOB:
            return  # the sender already running will see the new rows
        thread = threading.Thread(target=run, name="mail-sender", daemon=True)
        _threads[id(app)] = thread
    thread.start()


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """What one batch did, and what is left."""

    sent: int
    failed: int
    due: int  # still due now
    wait: float  # seconds until the cap or a retry allows the next message (0: at once)


def _sent_in_last_minute(now: datetime) -> list[datetime]:
    return db.session.scalars(
        select(MailDelivery.sent_at)
        .where(MailDelivery.sent_at > now - timedelta(minutes=1))
        .order_by(MailDelivery.sent_at)
    ).all()


def _claim(limit: int, now: datetime) -> list[MailDelivery]:
    db.session.execute(
        update(MailDelivery)
        .where(
            MailDelivery.status == DeliveryStatus.SENDING,
            MailDelivery.claimed_at < now - STALE_CLAIM,
        )
        .values(status=DeliveryStatus.PENDING, claimed_by=None)
    )
    ids = db.session.scalars(
        select(MailDelivery.id)
        .where(MailDelivery.status == DeliveryStatus.PENDING, MailDelivery.next_attempt_at <= now)
        .order_by(MailDelivery.next_attempt_at, MailDelivery.id)
        .limit(limit)
    ).all()
    if not ids:
        db.session.commit()
        return []
    claim = secrets.token_hex(8)
    db.session.execute(
        update(MailDelivery)
        .where(MailDelivery.id.in_(ids), MailDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENDING, claimed_by=claim, claimed_at=now)
    )
    db.session.commit()
    return db.session.scalars(
        select(MailDelivery).where(MailDelivery.claimed_by == claim).order_by(MailDelivery.id)
    ).all()


class _Context:
    """What the messages of one batch need, read once per measure and event."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[int, int]] = {}
        self._events: dict[int, NoticeEvent] = {}

    def event(self, event_id: int) -> NoticeEvent:
        if event_id not in self._events:
            self._events[event_id] = db.session.get(NoticeEvent, event_id)
        return self._events[event_id]

    def row_of(self, measure: Measure, comment_id: int | None) -> int | None:
        if measure.id not in self._rows:
            self._rows[measure.id] = row_numbers(published_results(measure))
        return self._rows[measure.id].get(comment_id) if comment_id else None

    def values(self, delivery: MailDelivery, subscription: NoticeSubscription) -> dict:
        if delivery.kind == DeliveryKind.RESULTS:
            measure = db.session.get(Measure, self.event(delivery.event_id).measure_ids[0])
            comment = db.session.get(Comment, subscription.comment_id)
            return {
                "measure": measure,
                "comment": comment,
                "row": self.row_of(measure, subscription.comment_id),
            }
        if delivery.kind == DeliveryKind.OPENED:
            ids = self.event(delivery.event_id).measure_ids
            measures = db.session.scalars(
                select(Measure).where(Measure.id.in_(ids)).order_by(Measure.code)
            ).all()
            return {"measures": measures}
        return {}


def deliver_batch(app: Flask, now: datetime | None = None) -> Batch:
    """Send what is due, at most a batch and never past the per-minute cap (commits)."""
    now = now or utcnow()
    cap = app.config["PORTAL_MAIL_PER_MINUTE"]
    recent = _sent_in_last_minute(now)
    room = min(app.config["PORTAL_MAIL_BATCH"], cap - len(recent))
    if room <= 0:
        wait = (recent[-cap] + timedelta(minutes=1) - now).total_seconds() if recent else 1.0
        return Batch(0, 0, _due(now), max(wait, 0.05))
    claimed = _claim(room, now)
    sent = failed = 0
    if claimed:
        sent, failed = _send(app, claimed)
    after = utcnow()
    return Batch(sent, failed, _due(after), _wait(after))


def _due(now: datetime) -> int:
    return db.session.scalar(
        select(func.count()).where(
            MailDelivery.status == DeliveryStatus.PENDING, MailDelivery.next_attempt_at <= now
        )
    )


def _wait(now: datetime) -> float:
    """Seconds until the next pending message is due (0 when one is due now)."""
    upcoming = db.session.scalar(
        select(func.min(MailDelivery.next_attempt_at)).where(
            MailDelivery.status == DeliveryStatus.PENDING
        )
    )
    if upcoming is None:
        return float("inf")
    return max((upcoming - now).total_seconds(), 0.0)


def _send(app: Flask, claimed: list[MailDelivery]) -> tuple[int, int]:
    settings = mailer.SmtpSettings.from_config(app.config)
    context = _Context()
    sent = failed = 0
    outcome: dict[int, tuple[str, str | None, bool]] = {}  # id -> (status, error, permanent)
    try:
        with mailer.connection(settings) as smtp:
            for delivery in claimed:
                subscription = (
                    db.session.get(NoticeSubscription, delivery.subscription_id)
                    if delivery.subscription_id
                    else None
                )
                if subscription is None:  # the resident left before it went out
                    outcome[delivery.id] = (DeliveryStatus.DROPPED, None, True)
                    continue
                with messages.reader_context(app, delivery.locale):
                    message = messages.compose(
                        delivery.kind,
                        subscription,
                        settings.sender,
                        context.values(delivery, subscription),
                    )
                try:
                    mailer.send(smtp, message)
                except mailer.SendFailed as refusal:
                    outcome[delivery.id] = ("retry", refusal.reason, refusal.permanent)
                    continue
                delivery.message_id = message["Message-ID"]
                outcome[delivery.id] = (DeliveryStatus.SENT, None, False)
    except mailer.ServerUnavailable as error:
        log.warning("mail server unavailable: %s; %s messages wait", error, len(claimed))
        for delivery in claimed:
            outcome.setdefault(delivery.id, ("retry", f"server unavailable: {error}", False))
    now = utcnow()
    for delivery in claimed:
        status, error, permanent = outcome[delivery.id]
        delivery.claimed_by = None
        if status == DeliveryStatus.SENT:
            delivery.status, delivery.sent_at, delivery.error = status, now, None
            delivery.attempts += 1
            sent += 1
        elif status == DeliveryStatus.DROPPED:
            delivery.status = status
        else:
            delivery.attempts += 1
            delivery.error = (error or "")[:200]
            if permanent or delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                failed += 1
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.next_attempt_at = now + RETRY_AFTER[delivery.attempts - 1]
    db.session.commit()
    if sent or failed:
        log.info("mail batch: %s sent, %s failed for good", sent, failed)
    return sent, failed


def send_until_done(
    app: Flask, *, patience: timedelta = timedelta(0), sleep=time.sleep
) -> tuple[int, int]:
    """Send batch after batch, waiting for the per-minute cap, until nothing is due (or the
    next retry is further away than `patience`). Returns (sent, failed)."""
    if not mail_enabled(app):
        return 0, 0
    total_sent = total_failed = 0
    while True:
        batch = deliver_batch(app)
        total_sent += batch.sent
        total_failed += batch.failed
        if batch.due:
            if batch.sent == 0 and batch.wait == 0:
                sleep(0.05)  # everything due was claimed by another sender
            else:
                sleep(batch.wait)
            continue
        if batch.wait > patience.total_seconds():
            return total_sent, total_failed
        sleep(batch.wait)


def send_due() -> None:
    """Job: send one batch; on RQ, schedule the next one for when the cap allows."""
    app = current_app._get_current_object()
    if not mail_enabled(app):
        return
    if app.config["PORTAL_MAIL_SENDING"] != "queue":
        send_until_done(app)
        return
    batch = deliver_batch(app)
    if batch.due:
        # Held back by the cap: the next batch when it allows. Retries due later are picked
        # up by `portal mail send` (cron), so chains of scheduled jobs never multiply.
        jobs.enqueue_in(max(batch.wait, 1.0), SEND_JOB)
