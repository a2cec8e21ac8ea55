"""Staff sessions kept on the server: one row per login and browser. The browser's cookie holds
a random token; only its hash is stored, and a session grants access only while its row is
live. Ending a row (logout, a password change, an admin's click...) ends that browser's
access at its next request, whatever copy of the cookie it holds. No HTTP here: the views pass
the address and user agent in and commit."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from portal.extensions import db
from portal.models.staff import StaffSession, StaffUser

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
# Between a right password and the second factor.
PENDING_LIMIT = timedelta(minutes=5)
# `last_seen_at` is written at most once a minute (one UPDATE per minute, not per page).
SEEN_PRECISION = timedelta(minutes=1)
# Ended and abandoned rows are dropped after this long (the audit log keeps the logins).
KEEP_ENDED = timedelta(days=30)
ABANDONED = timedelta(days=1)

PENDING = "password"
ACTIVE = "active"


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def summarize_user_agent(user_agent: str | None) -> str:
    """A short, recognisable name for a browser ("Firefox 128 / Windows"), not the full string."""
    text = user_agent or ""
    browser = "?"
    for name, pattern in (
        ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
        ("Opera", r"OPR/(\d+)"),
        ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
        ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
        ("Safari", r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/"),
    ):
        match = re.search(pattern, text)
        if match:
            browser = f"{name} {match[1]}"
            break
    system = next(
        (
            name
            for name, marker in (
                ("Android", "Android"),
                ("iOS", "iPhone"),
                ("iPadOS", "iPad"),
                ("Windows", "Windows"),
                ("macOS", "Mac OS X"),
                ("ChromeOS", "CrOS"),
                ("Linux", "Linux"),
            )
            if marker in text
        ),
        "?",
    )
    return f"{browser} / {system}"[:120]


def _new_row(user: StaffUser, stage: str, now: datetime, ip: str, user_agent: str | None):
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        ip_address=(ip or "")[:64],
        user_agent=summarize_user_agent(user_agent),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def _prune(now: datetime) -> None:
    """Drop rows nobody can use any more: ended, expired or idle for KEEP_ENDED, and logins
    that never got their second step (after a day)."""
    old = now - KEEP_ENDED
    db.session.execute(
        delete(StaffSession).where(
            or_(
                StaffSession.ended_at < old,
                StaffSession.last_seen_at < old,
                and_(StaffSession.stage == PENDING, StaffSession.created_at < now - ABANDONED),
            )
        )
    )


def begin(user: StaffUser, now: datetime, ip: str, user_agent: str | None):
    """A login whose password was right and whose second factor is awaited: (row, token)."""
    _prune(now)
    return _new_row(user, PENDING, now, ip, user_agent)


def start(
    user: StaffUser,
    now: datetime,
    ip: str,
    user_agent: str | None,
    second_factor: str | None = None,
):
    """A completed login (an account without a second factor, or this browser's new session
    after its password change): (row, token)."""
    _prune(now)
    row, token = _new_row(user, ACTIVE, now, ip, user_agent)
    row.second_factor = second_factor
    return row, token


def activate(row: StaffSession, second_factor: str, now: datetime) -> str:
    """Complete a pending login with its second factor. The token changes, so whatever the
    browser held before the login grants nothing afterwards. Returns the new token."""
    token = secrets.token_urlsafe(32)
    row.token_hash = token_hash(token)
    row.stage = ACTIVE
    row.second_factor = second_factor
    row.created_at = row.last_seen_at = now
    return token


def _live(row: StaffSession | None, stage: str) -> StaffSession | None:
    if row is None or row.ended_at is not None or row.stage != stage:
        return None
    if not row.user.is_enabled:
        return None
    return row


def find_active(token: str | None) -> StaffSession | None:
    """The completed, not ended session of `token` (its age is checked by `expired`)."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    )
    return _live(row, ACTIVE)


def find_pending(token: str | None, now: datetime) -> StaffSession | None:
    """The login of `token` waiting for its second factor, if it is still fresh."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    )
    row = _live(row, PENDING)
    if row is None or now - row.created_at > PENDING_LIMIT:
        return None
    return row


def expired(row: StaffSession, now: datetime) -> bool:
    """True once the session was idle for 30 minutes or began 12 hours ago."""
    return now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT


def touch(row: StaffSession, now: datetime) -> bool:
    """Note that the session is in use; True when the row changed (the caller commits)."""
    if now - row.last_seen_at < SEEN_PRECISION:
        return False
    row.last_seen_at = now
    return True


def end(row: StaffSession, reason: str, now: datetime) -> None:
    """End one session (the browser holding it is logged out at its next request)."""
    if row.ended_at is None:
        row.ended_at = now
        row.ended_reason = reason[:40]


def end_all(user: StaffUser, reason: str, now: datetime, keep: StaffSession | None = None) -> int:
    """End every session of the account (pending logins too), except `keep`; returns how many."""
    query = (
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason[:40])
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    return db.session.execute(query).rowcount


def active_sessions(user: StaffUser, now: datetime) -> list[StaffSession]:
    """The account's sessions that still grant access, the most recently used first."""
    rows = db.session.scalars(
        select(StaffSession)
        .where(
            StaffSession.user_id == user.id,
            StaffSession.stage == ACTIVE,
            StaffSession.ended_at.is_(None),
            StaffSession.last_seen_at > now - IDLE_LIMIT,
            StaffSession.created_at > now - ABSOLUTE_LIMIT,
        )
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id.desc())
    )
    return list(rows)


def find_session_of(user: StaffUser, session_id: int) -> StaffSession | None:
    """One session of the account by its number (as listed), or None."""
    row = db.session.get(StaffSession, session_id)
    return row if row is not None and row.user_id == user.id else None
