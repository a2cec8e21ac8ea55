"""Staff login (password, then the second factor: a code or a passkey) and logout.

A right password starts a server-side login waiting for its second step (`StaffSession` in
stage "password"); the code and passkey steps act on that row's account only, whatever the
form says, and count their failures on it. Only a complete login clears the account's
failure count.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.auth import bp
from portal.auth.forms import CodeForm, LoginForm, PasskeyForm
from portal.database import utcnow
from portal.extensions import db, limiter
from portal.models.staff import StaffSession, StaffUser
from portal.services.staff import accounts, passkeys, sessions
from portal.staff_access import (
    PENDING,
    PENDING_NEXT,
    STAFF_LOCALE,
    _set_staff_locale,
    audit_account,
    client_address,
    current_staff,
    end_staff_session,
    form_page,
    must_enrol,
    safe_next,
    user_agent,
)


def login_limit() -> str:
    """How many login posts one address may send (Flask-Limiter notation)."""
    return current_app.config["PORTAL_STAFF_LOGIN_LIMIT"]


def account_limit() -> str:
    """How many posts one account's login step may receive (Flask-Limiter notation)."""
    return current_app.config["PORTAL_STAFF_ACCOUNT_LIMIT"]


def _password_key() -> str:
    """Throttle the password step per account: the email typed (nothing else is known yet)."""
    return "staff-account:" + accounts.normalize_email(request.form.get("email", ""))[:320]


def _second_step_key() -> str:
    """Throttle the second step per account: the account of the server-side login waiting
    for it, never a field the browser sends."""
    pending = _pending_login()
    return f"staff-second-step:{pending.user_id if pending is not None else '-'}"


def own_account_key() -> str:
    """Throttle the proof a logged-in account gives before changing its password or second
    factor: per account, so a stolen session cannot guess at its own pace."""
    user_id = current_user.id if current_user.is_authenticated else "-"
    return f"staff-proof:{user_id}"


def relying_party() -> passkeys.RelyingParty:
    """The passkeys' relying party from the settings."""
    return passkeys.relying_party(current_app.config)


def passkeys_work_here() -> bool:
    """Whether this page's address can use passkeys (browsers refuse them on a bare IP
    address or on another domain than the relying party's)."""
    return relying_party().accepts_host(request.host.rsplit(":", 1)[0])


def _start_browser_session(user: StaffUser, token: str) -> None:
    """Log this browser in under `token`, with nothing carried over from before the login."""
    locale = session.get(STAFF_LOCALE)
    resident_locale = session.get("locale")
    session.clear()
    if locale:
        session[STAFF_LOCALE] = locale
    if resident_locale:
        session["locale"] = resident_locale
    user.login_id = token
    login_user(user)


def start_session(user: StaffUser, now, second_factor: str | None = None) -> StaffSession:
    """A new server-side session for this browser (after a password change, whose old
    sessions have all ended)."""
    row, token = sessions.start(user, now, client_address(), user_agent(), second_factor)
    _start_browser_session(user, token)
    g.staff_session = row
    return row


def _audit_refusal(account: StaffUser | None, failure: dict, locked_now: bool) -> None:
    """Audit a refused login step and, when it locked the account, the lock; commit them with
    the failure count, whatever the page then says."""
    audit_account("login_failed", account, **failure)
    if locked_now:
        minutes = int(accounts.LOCK_DURATION.total_seconds() // 60)
        audit_account("account_locked", account, minutes=minutes)
    db.session.commit()


def audit_proof_refused(user: StaffUser, what: str, step: accounts.SecondStep) -> None:
    """Audit (and commit) a refused proof before a change of `what`, and the lock it caused."""
    audit_account("account_change_refused", user, change=what, reason=step.reason)
    if step.locked_now:
        minutes = int(accounts.LOCK_DURATION.total_seconds() // 60)
        audit_account("account_locked", user, minutes=minutes)
    db.session.commit()


def _logged_in(
    user: StaffUser,
    now,
    second_factor: str | None,
    next_page: str | None,
    pending: StaffSession | None = None,
):
    """Complete the login: clear the failure count, make the session live (the pending one,
    under a new token), audit it, and go on: to the second factor's set-up when one is
    required, else to the page asked for."""
    accounts.login_succeeded(user, now)
    if pending is not None:
        row, token = pending, sessions.activate(pending, second_factor, now)
    else:
        row, token = sessions.start(user, now, client_address(), user_agent())
    _start_browser_session(user, token)
    audit_account("login", user, second_factor=second_factor or False, session=row.id)
    db.session.commit()
    if must_enrol(user):
        return redirect(url_for("auth.second_factor"))
    return redirect(next_page or url_for("auth.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=_password_key, methods=["POST"])
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
            _audit_refusal(
                account,
                {"known_account": account is not None, "step": "password"},
                attempt.locked_now,
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
            earlier = sessions.find_pending(session.get(PENDING), now)
            if earlier is not None:  # this browser starts again: its earlier login ends
                sessions.end(earlier, "restarted", now)
            row, token = sessions.begin(user, now, client_address(), user_agent())
            audit_account("login_password_accepted", user, session=row.id, awaiting="second_factor")
            db.session.commit()  # a rehashed password is kept even if the second step fails
            session[PENDING] = token
            session[PENDING_NEXT] = next_page
            return redirect(url_for("auth.login_code"))
        return _logged_in(user, now, None, next_page)
    return form_page("auth/login.html", form)


def _pending_login() -> StaffSession | None:
    """The server-side login of this browser waiting for its second step (once per request)."""
    if "staff_pending_login" not in g:
        g.staff_pending_login = sessions.find_pending(session.get(PENDING), utcnow())
    return g.staff_pending_login


def _second_step_page(pending: StaffSession, form, passkey_error: str | None = None, status=200):
    """The second step's page: the code form and, where the account has passkeys, the button
    that uses one (with a fresh challenge for this login)."""
    options = None
    if passkeys_work_here():
        options = passkeys.authentication_options(pending.user, pending, relying_party(), utcnow())
        db.session.commit()
    if form.errors and status == 200:
        status = 422
    return (
        render_template(
            "auth/login_code.html",
            form=form,
            passkey_form=PasskeyForm(formdata=None),
            passkey_options=options,
            passkey_error=passkey_error,
        ),
        status,
    )


def _start_again():
    session.pop(PENDING, None)
    flash(_("Please start again with your email and password."), "info")
    return redirect(url_for("auth.login"))


def _second_step_refused(pending: StaffSession, step: accounts.SecondStep, method: str):
    """Audit and commit a refused second step (its failure is counted on the account)."""
    _audit_refusal(
        pending.user,
        {"step": "second_factor", "method": method, "reason": step.reason, "session": pending.id},
        step.locked_now,
    )


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(account_limit, key_func=_second_step_key, methods=["POST"])
def login_code():
    """Second step: a code from the authenticator app, or a one-time recovery code."""
    pending = _pending_login()
    if pending is None:
        return _start_again()
    form = CodeForm()
    if request.method == "POST" and form.validate():
        now = utcnow()
        user = pending.user
        step = accounts.check_code(user, form.code.data, now)
        if step.method is None:
            _second_step_refused(pending, step, "code")
            form.code.errors.append(
                _("This code is not right or was already used. Please enter the current code.")
            )
            return _second_step_page(pending, form, status=401)
        response = _logged_in(user, now, step.method, session.get(PENDING_NEXT), pending)
        if step.method == "recovery_code":
            # Only now: starting the session cleared the old one, messages included.
            flash(
                _(
                    "You used a recovery code. %(n)s remain.",
                    n=accounts.remaining_recovery_codes(user),
                ),
                "warning",
            )
        return response
    return _second_step_page(pending, form)


@bp.route("/login/passkey", methods=["POST"])
@limiter.limit(login_limit)
@limiter.limit(account_limit, key_func=_second_step_key)
def login_passkey():
    """Second step with a passkey: the browser's answer to this login's challenge."""
    pending = _pending_login()
    if pending is None:
        return _start_again()
    form = PasskeyForm()
    if not form.validate():
        return _second_step_page(pending, CodeForm(formdata=None), _passkey_failed(), 422)
    now = utcnow()
    user = pending.user
    next_page = session.get(PENDING_NEXT)
    if accounts.is_locked(user, now):
        step = accounts.refuse_second_step(user, "locked", now)
    else:
        try:
            passkey = passkeys.authenticate(
                user, pending, relying_party(), form.credential.data, now
            )
        except passkeys.PasskeyRefused as refused:
            step = accounts.refuse_second_step(user, refused.reason, now)
        else:
            response = _logged_in(user, now, "passkey", next_page, pending)
            flash(_("Logged in with the passkey “%(name)s”.", name=passkey.name), "info")
            return response
    _second_step_refused(pending, step, "passkey")
    return _second_step_page(pending, CodeForm(formdata=None), _passkey_failed(), 401)


def _passkey_failed() -> str:
    return _(
        "The passkey was not accepted. Try again, or enter a code from your authenticator app."
    )


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere: every session of the account ends, including copied cookies."""
    _set_staff_locale()
    if current_user.is_authenticated:
        user = current_staff()
        ended = sessions.end_all(user, "logout", utcnow())
        audit_account("logout", user, sessions_ended=ended)
        db.session.commit()
    end_staff_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
