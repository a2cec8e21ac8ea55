"""City staff accounts: roles, password and second factor. Residents never have accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Role(enum.StrEnum):
    """What a staff member may do. One person may hold several roles."""

    ADMIN = "admin"  # measures, periods, accounts, audit log
    MODERATOR = "moderator"  # reviews comments
    COMMITTEE = "committee"  # reads summaries and downloads


class StaffUser(db.Model):
    """A staff account. Its logins are `StaffSession` rows; its second factor is an
    authenticator app (TOTP) with recovery codes, and passkeys beside it."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The random WebAuthn user handle its passkeys carry (never the email or the id).
    passkey_user_handle: Mapped[str | None] = mapped_column(String(100))

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    passkeys: Mapped[list[Passkey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Passkey.id"
    )

    @property
    def role_set(self) -> frozenset[str]:
        """The roles held, as a set of `Role` values."""
        return frozenset(r for r in self.roles.split() if r in Role.__members__.values())

    def set_roles(self, roles) -> None:
        """Replace the roles held (unknown names are refused)."""
        chosen = sorted({Role(r).value for r in roles})
        self.roles = " ".join(chosen)

    def has_role(self, *roles: str) -> bool:
        """True when the account holds any of `roles`."""
        return bool(self.role_set & set(roles))

    @property
    def has_second_factor(self) -> bool:
        """True once TOTP enrolment is complete (passkeys come beside it, never alone)."""
        return self.totp_secret is not None

    # Flask-Login keeps `get_id()` in the cookie: for staff that is the id of the server-side
    # session (`StaffSession`) the request runs under, set by `portal.staff_access`, never the
    # account's own id; what grants access is that session's row being live.
    login_id = None  # str while a request runs under one of its sessions

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.is_enabled)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_id


class RecoveryCode(db.Model):
    """A one-time code that replaces the second factor once (lost phone)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class StaffSession(db.Model):
    """One login of a staff account in one browser, kept on the server. The browser's cookie
    holds only a random token whose hash is `token_hash`; the session grants access while the
    row is live (stage "active", not ended, not idle for 30 minutes nor older than 12 hours).
    Stage "password" is a login whose password was right and whose second factor is awaited."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(12))
    # How the login was completed: "totp", "recovery_code", "passkey", or None (password only).
    second_factor: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(120))  # a summary: browser and system
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    user: Mapped[StaffUser] = relationship()


class Passkey(db.Model):
    """A WebAuthn credential of a staff account, usable as the second step of a login."""

    __tablename__ = "staff_passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # base64url, as the browser sends it (at most 1,023 bytes: 1,364 characters)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[StaffUser] = relationship(back_populates="passkeys")


class WebAuthnChallenge(db.Model):
    """A challenge handed to the browser for one passkey ceremony of one session: deleted when
    it is answered (right or wrong), so it is never accepted twice."""

    __tablename__ = "staff_webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("staff_sessions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(12))  # "login" or "register"
    challenge: Mapped[str] = mapped_column(String(100), unique=True)  # base64url
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PasswordReset(db.Model):
    """A one-time link to set a password (new account or reset), valid for 24 hours."""

    __tablename__ = "staff_password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[StaffUser] = relationship(foreign_keys=[user_id])


class AuditRecord(db.Model):
    """One staff action. Append-only: triggers refuse UPDATE and DELETE, and a keyed hash chain
    links each record to the one before, so a change behind the application's back is found
    (services/audit_chain.py)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 under the key `key_id` names (a fingerprint of PORTAL_AUDIT_KEY, never the
    # key); records written before the chain was keyed have no key_id and a plain SHA-256.
    record_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))
