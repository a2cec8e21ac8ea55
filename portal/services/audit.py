"""The audit log: who did what to which object, when and from where, in a keyed hash chain.

Every staff action calls `record` in the same transaction as the change it describes, so a
change and its record are committed (or rolled back) together. Each record stores an HMAC of
its own content and of the record before it, under the key from `PORTAL_AUDIT_KEY`;
`audit_chain.verify_chain` recomputes them and names each record that was altered or
removed behind the application's back (see audit_chain.py for what the key protects).

Contact details and passwords never go into a record: callers pass the names of fields that
changed (`changed_fields`), not their values.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text

from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.models.staff import AuditRecord, StaffUser
from portal.services.audit_chain import (
    GENESIS_HASH,
    SEAL_ACTION,
    ChainKeys,
    current_keys,
    keyed_hash,
)
from portal.services.audit_chain import verify_chain as verify_chain

log = logging.getLogger(__name__)
# Any constant: it names the lock that serialises appends on PostgreSQL.
_CHAIN_LOCK = 727_274_001


def _append(keys: ChainKeys, prev_hash: str, **fields) -> AuditRecord:
    entry = AuditRecord(**fields, prev_hash=prev_hash, key_id=keys.current.key_id)
    entry.record_hash = keyed_hash(keys.current, prev_hash, entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def _newest():
    return db.session.execute(
        select(AuditRecord.id, AuditRecord.key_id, AuditRecord.record_hash)
        .order_by(AuditRecord.id.desc())
        .limit(1)
    ).first()


def _seal(keys: ChainKeys, last, now: datetime) -> AuditRecord | None:
    """When the newest record `last` is not under the current key (the first record after the
    chain was keyed, or after a rotation), append a seal under the current key naming it: the
    records before can no longer be rewritten without the current key either."""
    if last is None or last.key_id == keys.current.key_id:
        return None
    if last.key_id is not None and keys.find(last.key_id) is None:
        log.warning(
            "audit key changed from %s to %s, and %s is not in PORTAL_AUDIT_OLD_KEYS: "
            "is PORTAL_AUDIT_KEY the right key?",
            last.key_id,
            keys.current.key_id,
            last.key_id,
        )
    details = {
        "previous_key_id": last.key_id,
        "previous_last_id": last.id,
        "key_id": keys.current.key_id,
    }
    return _append(
        keys,
        last.record_hash,
        occurred_at=now.astimezone(UTC),
        action=SEAL_ACTION,
        object_type="audit_log",
        details=json.dumps(details, sort_keys=True),
    )


def _lock_chain() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # Two transactions appending at once would both chain to the same predecessor.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


class UnknownKey(Exception):
    """The newest records are under a key that is neither the current nor an earlier one."""

    def __init__(self, key_id: str) -> None:
        super().__init__(key_id)
        self.key_id = key_id


def seal(now: datetime | None = None) -> AuditRecord | None:
    """Append the seal record if the chain needs one (`portal audit seal`; `record` does it
    by itself before the first record under a new key). Refuses to seal records under a key
    that is not configured: more likely a wrong PORTAL_AUDIT_KEY than a rotation."""
    _lock_chain()
    keys, last = current_keys(), _newest()
    if last is not None and last.key_id is not None and keys.find(last.key_id) is None:
        raise UnknownKey(last.key_id)
    return _seal(keys, last, now or utcnow())


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
    _lock_chain()
    keys = current_keys()
    occurred_at = (now or utcnow()).astimezone(UTC)
    last = _newest()
    sealed = _seal(keys, last, occurred_at)
    if sealed is not None:
        prev_hash = sealed.record_hash
    else:
        prev_hash = last.record_hash if last is not None else GENESIS_HASH
    return _append(
        keys,
        prev_hash,
        occurred_at=occurred_at,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        ip_address=ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    )


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
