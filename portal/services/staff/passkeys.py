"""Passkeys (WebAuthn) as a second factor beside the authenticator app, verified with the
`webauthn` library (py_webauthn). No HTTP here: the views pass the relying party, the
session row and the browser's answer in, and commit.

Every ceremony uses a challenge made here, stored in `staff_webauthn_challenges` and bound to
one server-side session (a login waiting for its second step, or a logged-in session that has
just given its password and a code to add a passkey). Answering deletes the challenge, right
or wrong, so an answer is never accepted twice; a new challenge replaces the session's earlier
one of the same purpose."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.extensions import db
from portal.models.staff import Passkey, StaffSession, StaffUser, WebAuthnChallenge

CHALLENGE_VALIDITY = timedelta(minutes=5)
# What the browser is told to wait for the person (it may choose less).
CEREMONY_TIMEOUT_MS = 120_000
NAME_MAX_LENGTH = 100
RP_NAME = "Isesaki public comment"
LOGIN = "login"
REGISTER = "register"
_LOCALHOST_ORIGIN = re.compile(r"http://localhost:\d{1,5}")


class PasskeyRefused(Exception):
    """A passkey answer was refused; `reason` says why (for the audit log, not the page)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the site's domain (`id`), the name the browser shows, the
    origins the browser may report, and whether any http://localhost:PORT origin is accepted
    (a development machine, where `portal demo` may run on any port)."""

    id: str
    name: str
    origins: tuple[str, ...]
    any_localhost_port: bool = False

    def accepts_host(self, host: str) -> bool:
        """True when a page served under `host` (without port) may use these passkeys:
        browsers allow the relying party's own domain and its subdomains, never an IP."""
        host = (host or "").lower()
        return host == self.id or host.endswith("." + self.id)

    def expected_origins(self, reported: str) -> list[str]:
        """The origins a browser's answer may carry (for the library to compare)."""
        origins = list(self.origins)
        if self.any_localhost_port and self.id == "localhost":
            if _LOCALHOST_ORIGIN.fullmatch(reported or ""):
                origins.append(reported)
        return origins


def relying_party(config) -> RelyingParty:
    """The relying party from the settings (see README, "Passkeys")."""
    production = config["PORTAL_ENV"] == "production"
    hosts = config.get("TRUSTED_HOSTS") or []
    rp_id = config.get("PORTAL_WEBAUTHN_RP_ID") or (
        hosts[0] if production and hosts else "localhost"
    )
    configured = config.get("PORTAL_WEBAUTHN_ORIGINS") or ""
    origins = tuple(o.strip().rstrip("/") for o in configured.split(",") if o.strip())
    if not origins:
        origins = (f"https://{rp_id}",) if production else (f"http://{rp_id}:5000",)
    return RelyingParty(
        id=rp_id,
        name=RP_NAME,
        origins=origins,
        any_localhost_port=not production and not configured,
    )


# --- challenges ----------------------------------------------------------------------------


def _new_challenge(session_row: StaffSession, purpose: str, now: datetime) -> bytes:
    db.session.execute(
        delete(WebAuthnChallenge).where(
            or_(
                WebAuthnChallenge.created_at < now - CHALLENGE_VALIDITY,
                and_(
                    WebAuthnChallenge.session_id == session_row.id,
                    WebAuthnChallenge.purpose == purpose,
                ),
            )
        )
    )
    challenge = secrets.token_bytes(32)
    db.session.add(
        WebAuthnChallenge(
            session_id=session_row.id,
            purpose=purpose,
            challenge=bytes_to_base64url(challenge),
            created_at=now,
        )
    )
    db.session.flush()
    return challenge


def _take_challenge(
    session_row: StaffSession, purpose: str, client_data_json: bytes, now: datetime
) -> tuple[bytes, str]:
    """The challenge the browser answered, if this session asked for it: deleted now, so the
    same answer cannot come back. Returns (challenge, origin the browser reported)."""
    try:
        client_data = parse_client_data_json(client_data_json)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused("malformed") from error
    encoded = bytes_to_base64url(client_data.challenge)
    deleted = db.session.execute(
        delete(WebAuthnChallenge).where(
            WebAuthnChallenge.challenge == encoded,
            WebAuthnChallenge.session_id == session_row.id,
            WebAuthnChallenge.purpose == purpose,
            WebAuthnChallenge.created_at >= now - CHALLENGE_VALIDITY,
        )
    )
    if deleted.rowcount != 1:
        raise PasskeyRefused("unknown_challenge")
    return client_data.challenge, client_data.origin


# --- registration --------------------------------------------------------------------------


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in passkey.transports.split():
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue  # a transport this library version does not know
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def registration_options(
    user: StaffUser, session_row: StaffSession, rp: RelyingParty, now: datetime
) -> str:
    """The options (JSON) for `navigator.credentials.create()`: a fresh challenge for this
    session; the account's passkeys are excluded, so an authenticator is registered once."""
    if not user.passkey_user_handle:
        user.passkey_user_handle = bytes_to_base64url(secrets.token_bytes(32))
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_id=base64url_to_bytes(user.passkey_user_handle),
        user_display_name=user.display_name,
        challenge=_new_challenge(session_row, REGISTER, now),
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in user.passkeys],
    )
    return options_to_json(options)


def register(
    user: StaffUser,
    session_row: StaffSession,
    rp: RelyingParty,
    credential: str,
    name: str,
    now: datetime,
) -> Passkey:
    """Check the browser's answer to `registration_options` and keep the new passkey."""
    try:
        parsed = parse_registration_credential_json(credential)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused("malformed") from error
    challenge, origin = _take_challenge(
        session_row, REGISTER, parsed.response.client_data_json, now
    )
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.expected_origins(origin),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused(_reason(error)) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyRefused("already_registered")
    passkey = Passkey(
        name=(name or "").strip()[:NAME_MAX_LENGTH] or "passkey",
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=" ".join(t.value for t in parsed.response.transports or [])[:200],
        created_at=now,
    )
    user.passkeys.append(passkey)
    db.session.flush()
    return passkey


# --- authentication ------------------------------------------------------------------------


def authentication_options(
    user: StaffUser, session_row: StaffSession, rp: RelyingParty, now: datetime
) -> str | None:
    """The options (JSON) for `navigator.credentials.get()` at a login's second step, or None
    when the account has no passkey."""
    if not user.passkeys:
        return None
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=_new_challenge(session_row, LOGIN, now),
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in user.passkeys],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options)


def authenticate(
    user: StaffUser, session_row: StaffSession, rp: RelyingParty, credential: str, now: datetime
) -> Passkey:
    """Check the browser's answer to `authentication_options`: the challenge this login was
    given, one of the account's passkeys, the relying party, the origin and the signature."""
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused("malformed") from error
    challenge, origin = _take_challenge(session_row, LOGIN, parsed.response.client_data_json, now)
    passkey = next((p for p in user.passkeys if p.credential_id == parsed.id), None)
    if passkey is None:
        raise PasskeyRefused("unknown_credential")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.expected_origins(origin),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise PasskeyRefused(_reason(error)) from error
    # Compare-and-set: two answers racing with the same counter cannot both pass.
    moved = db.session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:
        raise PasskeyRefused("sign_count")
    return passkey


def _reason(error: Exception) -> str:
    """A short audit reason from the library's message (never the browser's data)."""
    text = str(error).lower()
    for marker, reason in (
        ("origin", "wrong_origin"),
        ("rp id", "wrong_relying_party"),
        ("challenge", "wrong_challenge"),
        ("sign count", "sign_count"),
        ("signature", "bad_signature"),
        ("user was not present", "user_not_present"),
    ):
        if marker in text:
            return reason
    return "invalid"


def find_passkey(user: StaffUser, passkey_id: int) -> Passkey | None:
    """One of the account's passkeys by its number, or None."""
    return next((p for p in user.passkeys if p.id == passkey_id), None)


def remove(user: StaffUser, passkey: Passkey) -> None:
    """Forget one passkey of the account."""
    user.passkeys.remove(passkey)


def describe(passkey: Passkey) -> dict:
    """What the audit log keeps of a passkey (its number and name, never the key)."""
    return {"passkey": passkey.id, "name": passkey.name}
