"""A staff member's second factor: setting up the authenticator app, replacing it, and the
passkeys beside it.

Setting up the first authenticator needs the live session only. Anything that changes an
existing second factor (a new authenticator app, a new passkey) first asks for the password
and a current code or a recovery code, and removing a passkey asks for the password: a stolen
session alone cannot change how the account logs in. A refused proof counts as a failed login.
Replacing the authenticator ends the account's other sessions.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal.auth import bp
from portal.auth.forms import (
    CodeForm,
    NewPasskeyForm,
    PasskeyForm,
    PasswordConfirmForm,
    ReplaceSecondFactorForm,
)
from portal.auth.login import (
    account_limit,
    audit_proof_refused,
    login_limit,
    own_account_key,
    passkeys_work_here,
    relying_party,
)
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.services.staff import accounts, passkeys, sessions
from portal.staff_access import (
    ENROL_SECRET,
    audit_account,
    current_session,
    current_staff,
    form_page,
    must_enrol,
    needs_login,
)


def _proof_refused_message(with_code: bool = True) -> str:
    if not with_code:
        return _(
            "The password is not right, or the account is locked for a while after several "
            "failed attempts."
        )
    return _(
        "The password or the code is not right, or the account is locked for a while after "
        "several failed attempts."
    )


@bp.route("/account/second-factor", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=own_account_key, methods=["POST"])
@needs_login
def second_factor():
    """Set up an authenticator app (scan the QR code, type a code, keep the recovery codes),
    or replace the one in use: then the password and a current code come first."""
    user = current_staff()
    replacing = user.has_second_factor
    secret = session.get(ENROL_SECRET)
    if not secret or request.method == "GET":
        secret = session[ENROL_SECRET] = accounts.new_totp_secret()
    form = ReplaceSecondFactorForm() if replacing else CodeForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        new_code_ok = accounts.matching_totp_step(secret, form.code.data, now) is not None
        proof = None
        if new_code_ok and replacing:
            proof = accounts.check_proof(user, form.password.data, form.current_code.data, now)
        if not new_code_ok:
            form.code.errors.append(
                _(
                    "This code does not match. Check the time on your phone and try the current code."
                )
            )
        elif proof is not None and proof.method is None:
            audit_proof_refused(user, "second_factor", proof)
            form.current_code.errors.append(_proof_refused_message())
        else:
            codes = accounts.enrol_second_factor(user, secret, form.code.data, now)
            session.pop(ENROL_SECRET, None)
            if replacing:
                ended = sessions.end_all(
                    user, "second_factor_replaced", now, keep=current_session()
                )
                audit_account(
                    "second_factor_replaced", user, proof=proof.method, sessions_ended=ended
                )
            else:
                audit_account("second_factor_enrolled", user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, replaced=replacing)
    return form_page(
        "auth/second_factor.html",
        form,
        qr=accounts.qr_data_uri(accounts.totp_uri(secret, user.email)),
        secret=secret,
        replacing=replacing,
        required=must_enrol(user),
    )


# --- passkeys ------------------------------------------------------------------------------


@bp.route("/account/passkeys", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=own_account_key, methods=["POST"])
@needs_login
def passkeys_page():
    """The account's passkeys, and the first step of adding one: its name, the password and
    a current code. Once they are right, the browser is asked to make the passkey."""
    user = current_staff()
    if not user.has_second_factor:
        flash(_("Set up your authenticator app first; passkeys come beside it."), "info")
        return redirect(url_for("auth.second_factor"))
    form = NewPasskeyForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        proof = accounts.check_proof(user, form.password.data, form.current_code.data, now)
        if proof.method is None:
            audit_proof_refused(user, "passkey_add", proof)
            form.current_code.errors.append(_proof_refused_message())
        else:
            # The challenge is the proof's result: only this session, for five minutes, once.
            options = passkeys.registration_options(user, current_session(), relying_party(), now)
            db.session.commit()
            return render_template(
                "auth/passkey_register.html",
                form=PasskeyForm(formdata=None),
                name=form.name.data.strip(),
                options=options,
            )
    return form_page("auth/passkeys.html", form, user=user, usable_here=passkeys_work_here())


@bp.route("/account/passkeys/register", methods=["POST"])
@limiter.limit(login_limit)
@limiter.limit(account_limit, key_func=own_account_key)
@needs_login
def passkey_register():
    """The second step of adding a passkey: the browser's answer to the challenge."""
    user = current_staff()
    form = PasskeyForm()
    if not form.validate():
        abort(400)
    name = request.form.get("name", "")[: passkeys.NAME_MAX_LENGTH]
    now = utcnow()
    try:
        passkey = passkeys.register(
            user, current_session(), relying_party(), form.credential.data, name, now
        )
    except passkeys.PasskeyRefused as refused:
        audit_account("passkey_refused", user, reason=refused.reason)
        db.session.commit()
        flash(
            _(
                "The passkey was not added. Please start again: the password, a code, then "
                "your device."
            ),
            "error",
        )
        return redirect(url_for("auth.passkeys_page"))
    audit_account("passkey_added", user, **passkeys.describe(passkey))
    db.session.commit()
    flash(_("The passkey “%(name)s” is added.", name=passkey.name), "info")
    return redirect(url_for("auth.passkeys_page"))


@bp.route("/account/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=own_account_key, methods=["POST"])
@needs_login
def passkey_remove(passkey_id: int):
    """Remove a passkey, after the password."""
    user = current_staff()
    passkey = passkeys.find_passkey(user, passkey_id)
    if passkey is None:
        abort(404)
    form = PasswordConfirmForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        proof = accounts.check_proof(user, form.password.data, None, now)
        if proof.method is None:
            audit_proof_refused(user, "passkey_remove", proof)
            form.password.errors.append(_proof_refused_message(with_code=False))
        else:
            described = passkeys.describe(passkey)
            passkeys.remove(user, passkey)
            audit_account("passkey_removed", user, **described)
            db.session.commit()
            flash(_("The passkey “%(name)s” is removed.", name=described["name"]), "info")
            return redirect(url_for("auth.passkeys_page"))
    return form_page("auth/passkey_remove.html", form, passkey=passkey)
