"""A staff member's own account: the start page, their password (changed, or set through an
admin's one-time link), their authenticator app, and the language of staff screens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal.auth import bp
from portal.auth.forms import ChangePasswordForm, CodeForm, NewPasswordForm
from portal.auth.login import login_limit, start_session
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models.staff import Role, StaffUser
from portal.services.staff import accounts
from portal.staff_access import (
    MUST_ENROL,
    STAFF_LOCALE,
    STAFF_LOCALES,
    audit_account,
    current_staff,
    end_staff_session,
    form_page,
    needs_login,
    safe_next,
)

ENROL_SECRET = "staff_enrol_secret"  # noqa: S105 - a session key name


def password_refusals(password: str, user: StaffUser) -> list[str]:
    """Why the password rules refuse `password` for `user`, in the staff member's language."""
    texts = {
        "too_short": _(
            "Use at least %(n)s characters. A few unrelated words make a good password.",
            n=accounts.PASSWORD_MIN_LENGTH,
        ),
        "too_long": _("Use at most %(n)s characters.", n=accounts.PASSWORD_MAX_LENGTH),
        "too_common": _(
            "This password is too common or too easy to guess (it is on lists attackers try "
            "first, or contains your name or the city's). Choose another."
        ),
    }
    problems = accounts.password_problems(password, email=user.email, name=user.display_name)
    return [texts[p] for p in problems]


@bp.route("/")
@needs_login
def home():
    """The staff start page: what this account's roles open."""
    return render_template("auth/home.html", Role=Role)


@bp.route("/account/password", methods=["GET", "POST"])
@needs_login
def change_password():
    """Change one's own password; every other session of the account ends."""
    user = current_staff()
    form = ChangePasswordForm()
    if request.method == "POST" and form.validate():
        try:
            current_ok = accounts.HASHER.verify(user.password_hash or "", form.current.data)
        except Exception:  # noqa: BLE001 - any failure means "not the current password"
            current_ok = False
        refusals = password_refusals(form.password.data, user)
        if not current_ok:
            form.current.errors.append(_("This is not your current password."))
        elif refusals:
            form.password.errors.extend(refusals)
        else:
            now = utcnow()
            accounts.set_password(user, form.password.data, now)
            audit_account("password_changed", user)
            db.session.commit()
            # The version changed: log this browser in again under the new one.
            start_session(user, now)
            db.session.commit()
            flash(_("Your password has been changed. Your other sessions have ended."), "info")
            return redirect(url_for("auth.home"))
    return form_page("auth/change_password.html", form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@needs_login
def second_factor():
    """Enrol an authenticator app: scan the QR code, type a code, keep the recovery codes."""
    user = current_staff()
    secret = session.get(ENROL_SECRET)
    if not secret or request.method == "GET":
        secret = session[ENROL_SECRET] = accounts.new_totp_secret()
    form = CodeForm()
    if request.method == "POST" and form.validate():
        codes = accounts.enrol_second_factor(user, secret, form.code.data, utcnow())
        if codes is None:
            form.code.errors.append(
                _(
                    "This code does not match. Check the time on your phone and try the current code."
                )
            )
        else:
            session.pop(ENROL_SECRET, None)
            session.pop(MUST_ENROL, None)
            audit_account("second_factor_enrolled", user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    return form_page(
        "auth/second_factor.html",
        form,
        qr=accounts.qr_data_uri(accounts.totp_uri(secret, user.email)),
        secret=secret,
        required=bool(session.get(MUST_ENROL)),
    )


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def set_password(token: str):
    """Set a password through the one-time link an admin handed over (24 hours)."""
    now = utcnow()
    link = accounts.find_password_link(token, now)
    if link is None:
        return render_template("auth/link_invalid.html"), 404
    user = link.user
    form = NewPasswordForm()
    if request.method == "POST" and form.validate():
        refusals = password_refusals(form.password.data, user)
        if refusals:
            form.password.errors.extend(refusals)
        else:
            accounts.set_password(user, form.password.data, now)
            link.used_at = now
            audit_account("password_set_by_link", user)
            db.session.commit()
            end_staff_session()
            flash(_("Your password is set. Please log in."), "info")
            return redirect(url_for("auth.login"))
    return form_page("auth/set_password.html", form, user=user)


@bp.route("/language/<tag>")
def staff_language(tag: str):
    """Switch staff screens between Japanese and English."""
    if tag in STAFF_LOCALES:
        session[STAFF_LOCALE] = tag
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
