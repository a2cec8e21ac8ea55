"""A staff member's own account: the start page, the account page (second factor, passkeys,
active sessions, each of which can be ended), their password (changed, or set through an
admin's one-time link), and the language of staff screens. The second factor's own pages are
in `second_factor`."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.auth import bp
from portal.auth.forms import ChangePasswordForm, NewPasswordForm
from portal.auth.login import (
    account_limit,
    audit_proof_refused,
    login_limit,
    own_account_key,
    start_session,
)
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models.staff import Role, StaffUser
from portal.services.staff import accounts, sessions
from portal.staff_access import (
    STAFF_LOCALE,
    STAFF_LOCALES,
    audit_account,
    current_session,
    current_staff,
    end_staff_session,
    form_page,
    needs_login,
    safe_next,
)


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


@bp.route("/account")
@needs_login
def account():
    """My account: the second factor, passkeys, and the sessions that are logged in now."""
    user = current_staff()
    return render_template(
        "auth/account.html",
        user=user,
        active_sessions=sessions.active_sessions(user, utcnow()),
        this_session=current_session(),
        action_form=FlaskForm(),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@needs_login
def end_session(session_id: int):
    """End one of my sessions (another browser, or this one, which logs it out)."""
    user = current_staff()
    if not FlaskForm().validate():
        abort(400)
    row = sessions.find_session_of(user, session_id)
    if row is None:
        abort(404)
    this_one = row.id == current_session().id
    sessions.end(row, "ended_by_owner", utcnow())
    audit_account("session_ended", user, session=row.id, this_browser=this_one)
    db.session.commit()
    if this_one:
        end_staff_session()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session has ended. That browser is logged out."), "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=own_account_key, methods=["POST"])
@needs_login
def change_password():
    """Change one's own password; every other session of the account ends. A wrong current
    password counts as a failed login (a stolen session cannot guess it)."""
    user = current_staff()
    form = ChangePasswordForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        proof = accounts.check_proof(user, form.current.data, None, now)
        refusals = password_refusals(form.password.data, user)
        if proof.method is None:
            audit_proof_refused(user, "password_change", proof)
            form.current.errors.append(_("This is not your current password."))
        elif refusals:
            form.password.errors.extend(refusals)
        else:
            second_factor = current_session().second_factor
            accounts.set_password(user, form.password.data, now)
            # Every session ended: this browser goes on under a new one.
            row = start_session(user, now, second_factor)
            audit_account("password_changed", user, session=row.id)
            db.session.commit()
            flash(_("Your password has been changed. Your other sessions have ended."), "info")
            return redirect(url_for("auth.home"))
    return form_page("auth/change_password.html", form)


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
