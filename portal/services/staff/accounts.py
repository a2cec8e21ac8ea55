"""Staff accounts: passwords, login with throttling, the second factor, recovery codes and
one-time password links. No HTTP here: views and the CLI pass values in and commit.

Failed logins are counted on the account, whichever step failed (the password, a code, a
passkey, or the proof asked before the second factor changes), and only a complete login
clears the count: a right password alone does not. After LOCK_AFTER failures in all the
account locks for LOCK_DURATION."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from portal.extensions import db
from portal.models.staff import PasswordReset, RecoveryCode, StaffUser
from portal.services.staff import sessions

# argon2id with the library's RFC 9106 "low memory" profile; a change here makes every
# account's hash be redone at its next login (`check_needs_rehash`).
HASHER = PasswordHasher()
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
# Words an attacker tries first against this portal (NIST SP 800-63B: context-specific words).
CONTEXT_WORDS = ["isesaki", "伊勢崎", "iseaski", "portal", "public comment", "gunma", "city"]

# Failures before an account slows down, and before it locks for a while.
SLOWDOWN_AFTER = 3
LOCK_AFTER = 10
LOCK_DURATION = timedelta(minutes=15)
RESET_LINK_VALIDITY = timedelta(hours=24)
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Isesaki public comment"

# Verifying against this hash when the email is unknown costs the same time as a real check.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return HASHER.hash(password)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why `password` is refused (codes), following NIST SP 800-63B: a minimum length and a
    check against common and guessable passwords, no composition rules."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return ["too_short"]
    if len(password) > PASSWORD_MAX_LENGTH:
        return ["too_long"]
    local_part = normalize_email(email).split("@")[0]
    user_inputs = [w for w in (local_part, normalize_email(email), name, *CONTEXT_WORDS) if w]
    if zxcvbn(password, user_inputs=user_inputs)["score"] < 3:
        return ["too_common"]
    # A context word dressed up with digits and symbols ("Isesaki2026!!") is still guessable.
    rest = password.lower()
    for word in (local_part, *CONTEXT_WORDS):
        if word and len(word) >= 3:
            rest = rest.replace(word, "")
    if len(re.sub(r"[\W\d_]", "", rest)) < 6:
        return ["too_common"]
    return []


def set_password(user: StaffUser, password: str, now: datetime) -> None:
    """Store a new password (already checked) and end every session of the account."""
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    sessions.end_all(user, "password_changed", now)


def verify_password(user: StaffUser, password: str) -> bool:
    """True when `password` is the account's password."""
    try:
        return HASHER.verify(user.password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> StaffUser | None:
    """The account with this email, whatever its case."""
    return db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == normalize_email(email))
    )


@dataclass(frozen=True)
class LoginAttempt:
    """The result of checking an email and password. `user` is set only on success."""

    user: StaffUser | None
    known_account: StaffUser | None  # for the audit log and throttling, never for the message
    locked_now: bool = False


def is_locked(user: StaffUser, now: datetime) -> bool:
    """True while the account refuses logins after repeated failures."""
    return user.locked_until is not None and user.locked_until > now


def check_password_login(email: str, password: str, now: datetime) -> LoginAttempt:
    """Check a login. Unknown email, wrong password, disabled or locked account: the same
    answer and the same work (an argon2 verification), so nothing tells them apart."""
    user = find_user_by_email(email)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        password_ok = HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        password_ok = False
    if user is None:
        return LoginAttempt(user=None, known_account=None)
    if password_ok and user.is_enabled and not is_locked(user, now):
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        # The failure count stays: only a complete login (`login_succeeded`) clears it, so a
        # known password cannot reset the count between guesses at the second factor.
        return LoginAttempt(user=user, known_account=user)
    # Attempts during a lock count too: a script that keeps trying only lengthens the lock.
    return LoginAttempt(user=None, known_account=user, locked_now=register_failure(user, now))


def login_succeeded(user: StaffUser, now: datetime) -> None:
    """A complete login (password, and the second factor where the account has one): the
    failure count and any lock are cleared."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now


def register_failure(user: StaffUser, now: datetime) -> bool:
    """Count a failed login. After a few, each failure makes the account wait longer; after
    LOCK_AFTER it locks for LOCK_DURATION. Returns True when this failure locked it."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins == LOCK_AFTER:
        user.locked_until = now + LOCK_DURATION
        return True
    if user.failed_logins > LOCK_AFTER:
        user.locked_until = max(user.locked_until or now, now + LOCK_DURATION)
    elif user.failed_logins > SLOWDOWN_AFTER:
        user.locked_until = now + timedelta(seconds=2 ** (user.failed_logins - SLOWDOWN_AFTER))
    return False


# --- second factor -------------------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def qr_data_uri(data: str) -> str:
    """A QR code as an SVG data: URI, drawn here (no external service sees the secret)."""
    return segno.make(data, error="m").svg_data_uri(scale=5, border=4)


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", code or "") if ch.isalnum()).upper()


def matching_totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code is `code` (one step of clock drift allowed), or None."""
    code = _normalize_code(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(user: StaffUser, code: str, now: datetime) -> bool:
    """Check a code from the account's authenticator; a code is accepted only once."""
    if not user.totp_secret:
        return False
    step = matching_totp_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalize_code(code).encode()).hexdigest()


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Replace the account's recovery codes with new ones, returned once for the user to keep."""
    user.recovery_codes.clear()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5).upper()
        codes.append(f"{raw[:5]}-{raw[5:]}")
        user.recovery_codes.append(RecoveryCode(code_hash=_code_hash(raw)))
    return codes


def use_recovery_code(user: StaffUser, code: str, now: datetime) -> bool:
    """Accept one unused recovery code of the account, and use it up."""
    wanted = _code_hash(code)
    for recovery in user.recovery_codes:
        if recovery.used_at is None and hmac.compare_digest(recovery.code_hash, wanted):
            recovery.used_at = now
            return True
    return False


def remaining_recovery_codes(user: StaffUser) -> int:
    """How many recovery codes are still unused."""
    return sum(1 for code in user.recovery_codes if code.used_at is None)


@dataclass(frozen=True)
class SecondStep:
    """The result of a second-factor check: `method` ("totp", "recovery_code", "passkey") when
    accepted, else None with `reason`; `locked_now` when this failure locked the account."""

    method: str | None
    reason: str = ""
    locked_now: bool = False


def refuse_second_step(user: StaffUser, reason: str, now: datetime) -> SecondStep:
    """Count a refused second step (a wrong code or passkey, or any try while locked)."""
    return SecondStep(None, reason, register_failure(user, now))


def check_code(user: StaffUser, code: str, now: datetime) -> SecondStep:
    """The second step with a code: the authenticator's, or a recovery code. Every refusal
    counts on the account, tries during a lock too (a script only lengthens the lock)."""
    if is_locked(user, now):
        return refuse_second_step(user, "locked", now)
    if verify_totp(user, code, now):
        return SecondStep("totp")
    if use_recovery_code(user, code, now):
        return SecondStep("recovery_code")
    return refuse_second_step(user, "wrong_code", now)


def check_proof(user: StaffUser, password: str, code: str | None, now: datetime) -> SecondStep:
    """Proof asked before the second factor changes: the password and, unless `code` is None,
    a current code (or a recovery code). A refusal counts as a failed login, so a stolen
    session cannot guess either; method is "password" when only the password was asked."""
    if is_locked(user, now):
        return refuse_second_step(user, "locked", now)
    if not verify_password(user, password):
        return refuse_second_step(user, "wrong_password", now)
    if code is None:
        return SecondStep("password")
    return check_code(user, code, now)


def enrol_second_factor(user: StaffUser, secret: str, code: str, now: datetime) -> list[str] | None:
    """Complete TOTP enrolment when `code` matches `secret`; returns the new recovery codes."""
    step = matching_totp_step(secret, code, now)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    return new_recovery_codes(user)


def remove_second_factor(user: StaffUser, now: datetime) -> None:
    """Forget the account's authenticator, recovery codes and passkeys (an admin's reset), and
    end its sessions."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes.clear()
    user.passkeys.clear()
    sessions.end_all(user, "second_factor_reset", now)


# --- accounts and one-time password links --------------------------------------------------


def create_account(email: str, display_name: str, roles, now: datetime) -> StaffUser:
    """A new account without a password: its owner sets one through a one-time link."""
    user = StaffUser(
        email=normalize_email(email),
        display_name=display_name.strip() or normalize_email(email),
        created_at=now,
        failed_logins=0,
        is_enabled=True,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user


def disable(user: StaffUser, now: datetime) -> None:
    """Refuse the account's logins and end its sessions."""
    user.is_enabled = False
    sessions.end_all(user, "account_disabled", now)


def enable(user: StaffUser, now: datetime) -> None:
    """Let the account log in again, with its failure count and lock cleared (as of `now`)."""
    user.is_enabled = True
    user.failed_logins = 0
    user.locked_until = None


def change_roles(user: StaffUser, roles, now: datetime) -> dict | None:
    """Give the account exactly `roles`; its sessions end, as the new roles apply from the next
    login. Returns the change for the audit log, or None when the roles stay the same."""
    before = sorted(user.role_set)
    user.set_roles(roles)
    after = sorted(user.role_set)
    if before == after:
        return None
    sessions.end_all(user, "roles_changed", now)
    return {"roles": {"before": before, "after": after}}


def new_password_link(user: StaffUser, created_by: StaffUser | None, now: datetime) -> str:
    """A one-time token to set the account's password, valid for 24 hours. Earlier unused
    links of the account stop working."""
    for earlier in db.session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + RESET_LINK_VALIDITY,
        )
    )
    db.session.flush()
    return token


def find_password_link(token: str, now: datetime) -> PasswordReset | None:
    """The unused, unexpired link for `token`, or None."""
    link = db.session.scalar(
        select(PasswordReset).where(
            PasswordReset.token_hash == hashlib.sha256((token or "").encode()).hexdigest()
        )
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link
