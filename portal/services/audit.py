"""The audit log: who did what to which object, when and from where, chained by hashes.

Every staff action calls `record` in the same transaction as the change it describes, so a
change and its record are committed (or rolled back) together. Each record stores the hash of
its own content and of the record before it; `verify_chain` recomputes them and names the first
record that was altered or removed behind the application's back.

Contact details and passwords never go into a record: callers pass the names of fields that
changed (`changed_fields`), not their values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models.staff import AuditRecord, StaffUser

GENESIS_HASH = "0" * 64
# Any constant: it names the lock that serialises appends on PostgreSQL.
_CHAIN_LOCK = 727_274_001


def _canonical(record: AuditRecord) -> str:
    return json.dumps(
        {
            "occurred_at": record.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": record.actor_id,
            "actor_email": record.actor_email,
            "ip_address": record.ip_address,
            "action": record.action,
            "object_type": record.object_type,
            "object_id": record.object_id,
            "details": record.details,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _hash(prev_hash: str, record: AuditRecord) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical(record)}".encode()).hexdigest()


def record(
    action: str,
    *,
    actor: StaffUser | None = None,
    ip: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> AuditRecord:
    """Append one record to the log (the caller commits, together with the change itself)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions appending at once would both chain to the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    prev_hash = session.scalar(
        select(AuditRecord.record_hash).order_by(AuditRecord.id.desc()).limit(1)
    )
    entry = AuditRecord(
        occurred_at=(now or utcnow()).astimezone(UTC),
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        ip_address=ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev_hash or GENESIS_HASH,
    )
    entry.record_hash = _hash(entry.prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


def changes(before: dict, after: dict) -> dict:
    """The fields whose values differ, as {field: {"before": …, "after": …}}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def history_of(object_type: str, object_id: str | int, limit: int = 50) -> list[AuditRecord]:
    """The newest `limit` records about one object, newest first."""
    return db.session.scalars(
        select(AuditRecord)
        .where(AuditRecord.object_type == object_type, AuditRecord.object_id == str(object_id))
        .order_by(AuditRecord.id.desc())
        .limit(limit)
    ).all()


def recorded_values(field: str) -> list[str]:
    """Every value of `field` ("action" or "object_type") found in the log, sorted."""
    column = {"action": AuditRecord.action, "object_type": AuditRecord.object_type}[field]
    return [v for v in db.session.scalars(select(column).distinct().order_by(column)) if v]


def search(
    *,
    actor_email: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditRecord], bool]:
    """One page of the records matching every filter given, newest first, and whether older
    ones follow. `since` and `until` are days in Japan time, both included; `before` is the id
    of the last record of the previous page."""
    query = select(AuditRecord)
    if actor_email:
        query = query.where(func.lower(AuditRecord.actor_email) == actor_email.strip().lower())
    if action:
        query = query.where(AuditRecord.action == action)
    if object_type:
        query = query.where(AuditRecord.object_type == object_type)
    if object_id:
        query = query.where(AuditRecord.object_id == object_id.strip())
    if since:
        query = query.where(AuditRecord.occurred_at >= datetime.combine(since, time(), JAPAN))
    if until:
        end = datetime.combine(until, time(), JAPAN) + timedelta(days=1)
        query = query.where(AuditRecord.occurred_at < end)
    if before:
        query = query.where(AuditRecord.id < before)
    records = db.session.scalars(query.order_by(AuditRecord.id.desc()).limit(limit + 1)).all()
    return list(records[:limit]), len(records) > limit


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`."""

    checked: int
    problems: list[str]
    head_hash: str

    @property
    def intact(self) -> bool:
        """True when every record matches its hash and follows its predecessor."""
        return not self.problems


def verify_chain() -> ChainReport:
    """Recompute every record's hash and link; report each record that does not match."""
    problems: list[str] = []
    expected_prev = GENESIS_HASH
    previous_id = None
    checked = 0
    rows = db.session.execute(
        select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    ).scalars()
    for entry in rows:
        checked += 1
        if entry.prev_hash != expected_prev:
            where = f"after record {previous_id}" if previous_id else "at the start"
            problems.append(
                f"record {entry.id}: does not follow the record before it ({where}): "
                "a record was removed or altered"
            )
        if _hash(entry.prev_hash, entry) != entry.record_hash:
            problems.append(f"record {entry.id}: content does not match its hash: altered")
        expected_prev = entry.record_hash
        previous_id = entry.id
    return ChainReport(checked=checked, problems=problems, head_hash=expected_prev)
