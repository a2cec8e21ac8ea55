"""The audit log's chain, keyed: what makes a record changed behind the application's back show.

Each record stores `record_hash` = HMAC-SHA256(chain key, hash of the record before + the
record's content), and `key_id`, a fingerprint of the key (never the key). The key comes from
`PORTAL_AUDIT_KEY`, which lives in the application's environment, not in the database: whoever
can only write the database can drop the triggers and edit a record, but cannot compute the
hashes that would make the edit fit.

Segments. Records written before the chain was keyed keep their plain SHA-256 (no key_id): they
are checked as an earlier, unkeyed segment. Whenever the key changes (the first keyed record
after an upgrade, a rotation), the application first appends a *seal* record under the new key;
it chains to the last record of the previous segment, so from then on that segment cannot be
rewritten without the new key either. A segment under a key that is not the current one must be
followed by a seal, and the newest records must be under the current key: a chain rewritten
with the unkeyed hash, or with a retired key, fails.

Heads. Deleting the newest records leaves a chain that verifies. `signed_head` gives the city a
line to keep outside the database (last id, its chain value, the count, the time, an HMAC);
`check_heads` finds, against such lines, records that were removed from the end or rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import func, select

from portal.config import DEMO_AUDIT_KEY
from portal.extensions import db
from portal.models.staff import AuditRecord

GENESIS_HASH = "0" * 64
SEAL_ACTION = "audit_chain_sealed"
HEAD_FORMAT = "portal-audit-head/1"
_EXTENSION = "portal_audit_keys"


@dataclass(frozen=True)
class ChainKey:
    """One audit key, as the chain uses it: separate derived keys for records and heads."""

    key_id: str
    record_key: bytes = field(repr=False)
    head_key: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> ChainKey:
        """Derive the keys from a PORTAL_AUDIT_KEY value."""
        secret = text.encode()

        def derive(purpose: bytes) -> bytes:
            return hmac.new(secret, purpose, hashlib.sha256).digest()

        return cls(
            key_id=derive(b"portal audit key id").hex()[:16],
            record_key=derive(b"portal audit records"),
            head_key=derive(b"portal audit head"),
        )


@dataclass(frozen=True)
class ChainKeys:
    """The current key (every new record) and earlier ones (to verify older records)."""

    current: ChainKey
    earlier: tuple[ChainKey, ...] = ()
    demo: bool = False

    def find(self, key_id: str | None) -> ChainKey | None:
        """The key with this fingerprint, if configured."""
        return next((k for k in (self.current, *self.earlier) if k.key_id == key_id), None)

    @classmethod
    def from_config(cls, config) -> ChainKeys:
        """The keys named by PORTAL_AUDIT_KEY and PORTAL_AUDIT_OLD_KEYS."""
        key = config["PORTAL_AUDIT_KEY"]
        earlier = tuple(ChainKey.from_text(k) for k in config.get("PORTAL_AUDIT_OLD_KEYS", ()))
        return cls(ChainKey.from_text(key), earlier, demo=key == DEMO_AUDIT_KEY)


def init_app(app: Flask) -> None:
    """Derive the audit keys once, at start."""
    app.extensions[_EXTENSION] = ChainKeys.from_config(app.config)


def current_keys() -> ChainKeys:
    """The running application's audit keys."""
    return current_app.extensions[_EXTENSION]


def canonical(record: AuditRecord) -> str:
    """The record's content as the chain hashes it."""
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


def plain_hash(prev_hash: str, record: AuditRecord) -> str:
    """The unkeyed SHA-256 of the earlier segment (records written before the key)."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(record)}".encode()).hexdigest()


def keyed_hash(key: ChainKey, prev_hash: str, record: AuditRecord) -> str:
    """HMAC-SHA256 of the previous hash and the record's content, under `key`."""
    message = f"{prev_hash}\n{canonical(record)}".encode()
    return hmac.new(key.record_key, message, hashlib.sha256).hexdigest()


@dataclass
class Segment:
    """Consecutive records written under one key (key_id None: the earlier unkeyed records)."""

    key_id: str | None
    first_id: int
    last_id: int
    count: int = 1


@dataclass
class ChainReport:
    """The outcome of `verify_chain`."""

    checked: int
    problems: list[str]
    head_hash: str
    segments: list[Segment] = field(default_factory=list)
    demo_key: bool = False

    @property
    def intact(self) -> bool:
        """True when every record matches its hash and follows its predecessor."""
        return not self.problems


def _seal_problem(entry: AuditRecord, previous: Segment) -> str | None:
    """Why `entry`, which opens a new segment, is not a valid seal of `previous` (or None)."""
    if entry.action != SEAL_ACTION:
        return (
            f"record {entry.id}: the key changes here without a seal record: records were "
            "inserted or rewritten"
        )
    try:
        details = json.loads(entry.details or "{}")
    except ValueError:
        details = {}
    if not isinstance(details, dict) or (
        details.get("previous_key_id"),
        details.get("previous_last_id"),
    ) != (
        previous.key_id,
        previous.last_id,
    ):
        return f"record {entry.id}: the seal does not name the records before it: altered"
    return None


def verify_chain(keys: ChainKeys | None = None) -> ChainReport:
    """Recompute every record's hash and link under the configured keys; report each record
    that does not match, segments under keys that are not configured, and a chain whose
    newest records are not under the current key."""
    keys = keys or current_keys()
    problems: list[str] = []
    segments: list[Segment] = []
    expected_prev = GENESIS_HASH
    checked = 0
    rows = db.session.execute(
        select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    ).scalars()
    for entry in rows:
        checked += 1
        if entry.prev_hash != expected_prev:
            where = f"after record {segments[-1].last_id}" if segments else "at the start"
            problems.append(
                f"record {entry.id}: does not follow the record before it ({where}): "
                "a record was removed or altered"
            )
        if segments and segments[-1].key_id == entry.key_id:
            segments[-1].last_id = entry.id
            segments[-1].count += 1
        else:
            if segments:
                seal_problem = _seal_problem(entry, segments[-1])
                if seal_problem and entry.key_id is not None:
                    problems.append(seal_problem)
            segments.append(Segment(entry.key_id, entry.id, entry.id))
        if entry.key_id is None:
            if len(segments) == 1 and plain_hash(entry.prev_hash, entry) != entry.record_hash:
                problems.append(f"record {entry.id}: content does not match its hash: altered")
        else:
            key = keys.find(entry.key_id)
            if key is not None and not hmac.compare_digest(
                keyed_hash(key, entry.prev_hash, entry), entry.record_hash
            ):
                problems.append(f"record {entry.id}: content does not match its hash: altered")
        expected_prev = entry.record_hash
    problems += _segment_problems(segments, keys)
    return ChainReport(checked, problems, expected_prev, segments, keys.demo)


def _segment_problems(segments: list[Segment], keys: ChainKeys) -> list[str]:
    problems = []
    for number, segment in enumerate(segments):
        span = f"records {segment.first_id}–{segment.last_id}"
        if segment.key_id is None and number > 0:
            problems.append(
                f"{span} carry the unkeyed hash after keyed records: rewritten without the key"
            )
        elif segment.key_id is not None and keys.find(segment.key_id) is None:
            problems.append(
                f"{span} were written under audit key {segment.key_id}, which is not "
                f"configured (the current key is {keys.current.key_id}): PORTAL_AUDIT_KEY is "
                "the wrong key, or a key used earlier is missing from PORTAL_AUDIT_OLD_KEYS"
            )
    newest = segments[-1] if segments else None
    # A newest segment under a key that is not configured was reported above (a wrong key):
    # sealing it would only chain the wrong key's records further.
    known = newest is not None and (newest.key_id is None or keys.find(newest.key_id) is not None)
    if known and newest.key_id != keys.current.key_id:
        problems.append(
            f"records {newest.first_id}–{newest.last_id}, the newest, are not under the current "
            "key: either nothing was recorded since the key was set or changed (run `portal "
            "audit seal`), or the newest records were rewritten without the current key"
        )
    return problems


def _head_mac(key: ChainKey, head: dict) -> str:
    fields = {name: value for name, value in head.items() if name != "hmac"}
    message = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key.head_key, message, hashlib.sha256).hexdigest()


def signed_head(keys: ChainKeys, now: datetime) -> dict:
    """The chain's head to keep outside the database: the last record's id and chain value,
    the number of records, the time, signed with the current key."""
    last = db.session.execute(
        select(AuditRecord.id, AuditRecord.record_hash).order_by(AuditRecord.id.desc()).limit(1)
    ).first()
    head = {
        "format": HEAD_FORMAT,
        "last_id": last.id if last else 0,
        "chain": last.record_hash if last else GENESIS_HASH,
        "count": db.session.scalar(select(func.count(AuditRecord.id))),
        "at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "key_id": keys.current.key_id,
    }
    head["hmac"] = _head_mac(keys.current, head)
    return head


def check_heads(lines: Iterable[str], keys: ChainKeys) -> tuple[int, list[str]]:
    """Check the database against heads saved earlier (one JSON line each); returns how many
    heads were read and the problems found (records removed from the end, or rewritten)."""
    problems: list[str] = []
    read = 0
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        read += 1
        try:
            head = json.loads(line)
            if head.get("format") != HEAD_FORMAT:
                raise ValueError
        except (ValueError, AttributeError):
            problems.append(f"head on line {number}: not a head written by `portal audit head`")
            continue
        problems += [f"head of {head.get('at')} (line {number}): {p}" for p in _check(head, keys)]
    return read, problems


def _check(head: dict, keys: ChainKeys) -> list[str]:
    key = keys.find(head.get("key_id"))
    if key is None:
        return [
            f"signed under audit key {head.get('key_id')}, which is not configured (the current "
            f"key is {keys.current.key_id}): wrong PORTAL_AUDIT_KEY, or an earlier key missing "
            "from PORTAL_AUDIT_OLD_KEYS"
        ]
    if not hmac.compare_digest(_head_mac(key, head), str(head.get("hmac"))):
        return ["its signature does not match: the saved head was altered"]
    last_id, count = int(head["last_id"]), int(head["count"])
    if last_id == 0:
        return []
    entry = db.session.get(AuditRecord, last_id)
    if entry is None:
        newest = db.session.scalar(select(func.max(AuditRecord.id)))
        if newest is None or newest < last_id:
            return [
                f"the newest records were removed: the head names record {last_id} ({count} "
                f"records), the log now ends at {f'record {newest}' if newest else 'nothing'}"
            ]
        return [f"record {last_id}, which the head names, was removed"]
    problems = []
    if not hmac.compare_digest(entry.record_hash, str(head["chain"])):
        problems.append(
            f"record {last_id} does not have the chain value the head saved: the log up to "
            "it was rewritten"
        )
    now_count = db.session.scalar(
        select(func.count(AuditRecord.id)).where(AuditRecord.id <= last_id)
    )
    if now_count != count:
        problems.append(
            f"{now_count} records up to record {last_id}, the head saved {count}: records "
            "were removed or inserted"
        )
    return problems
