"""Staff login (password, then the second factor), logout and the account's own settings."""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.auth import bp
from portal.auth.forms import ChangePasswordForm, CodeForm, LoginForm, NewPasswordForm
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models.staff import Role, StaffUser
from portal.services import audit
from portal.services.staff import accounts
from portal.staff_access import (
    LOGIN_AT,
    MUST_ENROL,
    SEEN_AT,
    STAFF_LOCALE,
    STAFF_LOCALES,
    _set_staff_locale,
    client_address,
    current_staff,
    end_staff_session,
    require_login,
    safe_next,
    second_factor_required,
)

PENDING = "staff_pending"
PENDING_SECONDS = 5 * 60
ENROL_SECRET = "staff_enrol_secret"  # noqa: S105 - a session key name


@bp.before_request
def staff_locale():
    """Login pages are staff pages too: Japanese, or English when chosen."""
    _set_staff_locale()


def _login_limit() -> str:
    return current_app.config["PORTAL_STAFF_LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["PORTAL_STAFF_ACCOUNT_LIMIT"]


def _account_key() -> str:
    """Throttle per account: the email typed, or the account waiting for its second factor."""
    pending = session.get(PENDING) or {}
    email = request.form.get("email") or str(pending.get("user_id", ""))
    return "staff-account:" + accounts.normalize_email(email)[:320]


def password_messages(problems: list[str]) -> list[str]:
    """The password rules' refusals in the staff member's language."""
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
    return [texts[p] for p in problems]


def _start_session(user: StaffUser, now) -> None:
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
            audit.record(
                "login_failed",
                actor=account,
                ip=client_address(),
                object_type="staff_user" if account else None,
                object_id=account.id if account else None,
                details={"known_account": account is not None, "step": "password"},
            )
            if attempt.locked_now:
                audit.record(
                    "account_locked",
                    actor=account,
                    ip=client_address(),
                    object_type="staff_user",
                    object_id=account.id,
                    details={"minutes": int(accounts.LOCK_DURATION.total_seconds() // 60)},
                )
            db.session.commit()
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
        _start_session(user, now)
        audit.record(
            "login",
            actor=user,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
            details={"second_factor": False},
        )
        db.session.commit()
        if session.get(MUST_ENROL):
            return redirect(url_for("auth.second_factor"))
        return redirect(next_page or _home_for(user))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, pending["user_id"])
    if user is None or not user.is_enabled or user.session_version != pending["version"]:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
            audit.record(
                "login_failed",
                actor=user,
                ip=client_address(),
                object_type="staff_user",
                object_id=user.id,
                details={"step": "second_factor"},
            )
            if locked:
                audit.record(
                    "account_locked",
                    actor=user,
                    ip=client_address(),
                    object_type="staff_user",
                    object_id=user.id,
                )
            db.session.commit()
            form.code.errors.append(
                _("This code is not right or was already used. Please enter the current code.")
            )
            return render_template("auth/login_code.html", form=form), 401
        next_page = (session.get(PENDING) or {}).get("next")
        user.failed_logins = 0
        _start_session(user, now)
        audit.record(
            "login",
            actor=user,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
            details={"second_factor": method},
        )
        if method == "recovery_code":
            flash(
                _(
                    "You used a recovery code. %(n)s remain.",
                    n=accounts.remaining_recovery_codes(user),
                ),
                "warning",
            )
        db.session.commit()
        return redirect(safe_next(next_page) or _home_for(user))
    status = 422 if form.errors else 200
    return render_template("auth/login_code.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere: every session of the account ends, including copied cookies."""
    _set_staff_locale()
    if current_user.is_authenticated:
        user = current_staff()
        user.end_all_sessions()
        audit.record(
            "logout", actor=user, ip=client_address(), object_type="staff_user", object_id=user.id
        )
        db.session.commit()
    end_staff_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    """The staff start page: what this account's roles open."""
    refused = require_login()
    if refused is not None:
        return refused
    return render_template("auth/home.html", Role=Role)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; every other session of the account ends."""
    refused = require_login()
    if refused is not None:
        return refused
    user = current_staff()
    form = ChangePasswordForm()
    if request.method == "POST" and form.validate():
        try:
            current_ok = accounts.HASHER.verify(user.password_hash or "", form.current.data)
        except Exception:  # noqa: BLE001 - any failure means "not the current password"
            current_ok = False
        problems = accounts.password_problems(
            form.password.data, email=user.email, name=user.display_name
        )
        if not current_ok:
            form.current.errors.append(_("This is not your current password."))
        elif problems:
            form.password.errors.extend(password_messages(problems))
        else:
            now = utcnow()
            accounts.set_password(user, form.password.data, now)
            audit.record(
                "password_changed",
                actor=user,
                ip=client_address(),
                object_type="staff_user",
                object_id=user.id,
            )
            db.session.commit()
            # The version changed: log this browser in again under the new one.
            _start_session(user, now)
            db.session.commit()
            flash(_("Your password has been changed. Your other sessions have ended."), "info")
            return redirect(url_for("auth.home"))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/second-factor", methods=["GET", "POST"])
def second_factor():
    """Enrol an authenticator app: scan the QR code, type a code, keep the recovery codes."""
    refused = require_login()
    if refused is not None:
        return refused
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
            audit.record(
                "second_factor_enrolled",
                actor=user,
                ip=client_address(),
                object_type="staff_user",
                object_id=user.id,
            )
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = accounts.totp_uri(secret, user.email)
    status = 422 if form.errors else 200
    return (
        render_template(
            "auth/second_factor.html",
            form=form,
            qr=accounts.qr_data_uri(uri),
            secret=secret,
            required=bool(session.get(MUST_ENROL)),
        ),
        status,
    )


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    """Set a password through the one-time link an admin handed over (24 hours)."""
    now = utcnow()
    link = accounts.find_password_link(token, now)
    if link is None:
        return render_template("auth/link_invalid.html"), 404
    user = link.user
    form = NewPasswordForm()
    if request.method == "POST" and form.validate():
        problems = accounts.password_problems(
            form.password.data, email=user.email, name=user.display_name
        )
        if problems:
            form.password.errors.extend(password_messages(problems))
        else:
            accounts.set_password(user, form.password.data, now)
            link.used_at = now
            audit.record(
                "password_set_by_link",
                actor=user,
                ip=client_address(),
                object_type="staff_user",
                object_id=user.id,
            )
            db.session.commit()
            end_staff_session()
            flash(_("Your password is set. Please log in."), "info")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/set_password.html", form=form, user=user), status


@bp.route("/language/<tag>")
def staff_language(tag: str):
    """Switch staff screens between Japanese and English."""
    if tag in STAFF_LOCALES:
        session[STAFF_LOCALE] = tag
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
