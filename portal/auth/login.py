"""Staff login (password, then the second factor) and logout."""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.auth import bp
from portal.auth.forms import CodeForm, LoginForm
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models.staff import StaffUser
from portal.services.staff import accounts
from portal.staff_access import (
    LOGIN_AT,
    MUST_ENROL,
    SEEN_AT,
    STAFF_LOCALE,
    _set_staff_locale,
    audit_account,
    current_staff,
    end_staff_session,
    form_page,
    safe_next,
    second_factor_required,
)

PENDING = "staff_pending"
PENDING_SECONDS = 5 * 60


def login_limit() -> str:
    """How many login posts one address may send (Flask-Limiter notation)."""
    return current_app.config["PORTAL_STAFF_LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["PORTAL_STAFF_ACCOUNT_LIMIT"]


def _account_key() -> str:
    """Throttle per account: the email typed, or the account waiting for its second factor."""
    pending = session.get(PENDING) or {}
    email = request.form.get("email") or str(pending.get("user_id", ""))
    return "staff-account:" + accounts.normalize_email(email)[:320]


def start_session(user: StaffUser, now) -> None:
    """A fresh session for the account (nothing carried over from before the login)."""
    locale = session.get(STAFF_LOCALE)
    resident_locale = session.get("locale")
    session.clear()
    if locale:
        session[STAFF_LOCALE] = locale
    if resident_locale:
        session["locale"] = resident_locale
    session["staff_session_id"] = secrets.token_urlsafe(16)
    login_user(user)
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    user.last_login_at = now
    if second_factor_required() and not user.has_second_factor:
        session[MUST_ENROL] = True


def _home_for(user: StaffUser) -> str:
    return url_for("auth.home")


def _audit_refusal(account: StaffUser | None, failure: dict, lock: dict | None) -> None:
    """Audit a refused login step and, when it locked the account, the lock; commit them with
    the failure count, whatever the page then says."""
    audit_account("login_failed", account, **failure)
    if lock is not None:
        audit_account("account_locked", account, **lock)
    db.session.commit()


def _logged_in(user: StaffUser, now, second_factor, next_page: str | None):
    """Start the account's session, audit the login, and go on: to the authenticator set-up
    when one is required, else to the page asked for."""
    start_session(user, now)
    audit_account("login", user, second_factor=second_factor)
    db.session.commit()
    if session.get(MUST_ENROL):
        return redirect(url_for("auth.second_factor"))
    return redirect(next_page or _home_for(user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"])
def login():
    """First step: email and password. The answer never tells which of the two was wrong."""
    form = LoginForm()
    next_page = safe_next(request.args.get("next"))
    if request.args.get("expired"):
        flash(_("Your session ended. Please log in again."), "info")
    if request.method == "POST" and form.validate():
        now = utcnow()
        attempt = accounts.check_password_login(form.email.data, form.password.data, now)
        if attempt.user is None:
            account = attempt.known_account
            minutes = int(accounts.LOCK_DURATION.total_seconds() // 60)
            _audit_refusal(
                account,
                {"known_account": account is not None, "step": "password"},
                {"minutes": minutes} if attempt.locked_now else None,
            )
            form.password.errors.append(
                _(
                    "The email or password is not right, or the account is locked for a while "
                    "after several failed attempts. Please try again."
                )
            )
            return render_template("auth/login.html", form=form), 401
        user = attempt.user
        if user.has_second_factor:
            db.session.commit()  # a rehashed password is kept even if the second step fails
            session[PENDING] = {
                "user_id": user.id,
                "version": user.session_version,
                "at": time.time(),
                "next": next_page,
            }
            return redirect(url_for("auth.login_code"))
        return _logged_in(user, now, False, next_page)
    return form_page("auth/login.html", form)


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, pending["user_id"])
    if user is None or not user.is_enabled or user.session_version != pending["version"]:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"])
def login_code():
    """Second step: a code from the authenticator app, or a one-time recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please start again with your email and password."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        code = form.code.data
        if accounts.is_locked(user, now):
            accepted, method = False, "locked"
        elif accounts.verify_totp(user, code, now):
            accepted, method = True, "totp"
        elif accounts.use_recovery_code(user, code, now):
            accepted, method = True, "recovery_code"
        else:
            accepted, method = False, "wrong_code"
        if not accepted:
            locked = method != "locked" and accounts.register_failure(user, now)
            _audit_refusal(user, {"step": "second_factor"}, {} if locked else None)
            form.code.errors.append(
                _("This code is not right or was already used. Please enter the current code.")
            )
            return render_template("auth/login_code.html", form=form), 401
        next_page = (session.get(PENDING) or {}).get("next")
        user.failed_logins = 0
        response = _logged_in(user, now, method, safe_next(next_page))
        if method == "recovery_code":
            # Only now: starting the session cleared the old one, messages included.
            flash(
                _(
                    "You used a recovery code. %(n)s remain.",
                    n=accounts.remaining_recovery_codes(user),
                ),
                "warning",
            )
        return response
    return form_page("auth/login_code.html", form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere: every session of the account ends, including copied cookies."""
    _set_staff_locale()
    if current_user.is_authenticated:
        user = current_staff()
        user.end_all_sessions()
        audit_account("logout", user)
        db.session.commit()
    end_staff_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
