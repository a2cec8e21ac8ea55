"""Forms of the staff login and of a staff member's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

# A browser's passkey answer (JSON, base64url inside): a few kilobytes at most without
# attestation certificates, which the portal does not ask for.
CREDENTIAL_MAX_LENGTH = 20_000


class LoginForm(FlaskForm):
    """Email and password: the first step."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class PasskeyForm(FlaskForm):
    """A passkey's answer, filled in by passkeys.js from the browser's WebAuthn call."""

    credential = HiddenField(validators=[DataRequired(), Length(max=CREDENTIAL_MAX_LENGTH)])


class ProofForm(FlaskForm):
    """What changing the second factor asks first: the password and a current code."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1000)])
    current_code = StringField(
        _l("A code from your current authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=40)],
    )


class ReplaceSecondFactorForm(ProofForm):
    """Replacing the authenticator app: the proof, then a code from the new app."""

    code = StringField(_l("Code from the new app"), validators=[DataRequired(), Length(max=40)])


class NewPasskeyForm(ProofForm):
    """Adding a passkey: its name, and the proof."""

    name = StringField(
        _l("Name of the passkey"),
        validators=[DataRequired(), Length(max=100)],
    )


class PasswordConfirmForm(FlaskForm):
    """An action that asks the password again (removing a passkey)."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1000)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordForm):
    """A password change needs the current password too."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1000)])
