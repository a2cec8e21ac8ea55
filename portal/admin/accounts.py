"""Administration of staff accounts: creation, roles, disabling and enabling, password links,
second-factor resets, and the account's active sessions (each can be ended). Every change is
audited on the account."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.admin import bp
from portal.admin.forms import ActionForm, NewAccountForm, RolesForm
from portal.database import utcnow
from portal.extensions import db
from portal.models import StaffUser
from portal.models.staff import Role
from portal.services import audit
from portal.services.staff import accounts, sessions
from portal.staff_access import audit_account, current_session, current_staff

# The buttons of an account's page that change it in place: the service call, the action the
# audit log records, and what the admin is told.
ACCOUNT_CHANGES = {
    "disable": (
        accounts.disable,
        "account_disabled",
        _l("The account is disabled and its sessions have ended."),
    ),
    "enable": (accounts.enable, "account_enabled", _l("The account is enabled.")),
    "reset_second_factor": (
        accounts.remove_second_factor,
        "second_factor_reset",
        _l(
            "The second factor is reset (authenticator app, recovery codes and passkeys) and "
            "the account's sessions have ended. It sets up a new one at its next login."
        ),
    ),
}


@bp.route("/accounts", methods=["GET", "POST"])
def accounts_list():
    """Every staff account, and a form for a new one."""
    form = NewAccountForm()
    if request.method == "POST" and form.validate():
        if accounts.find_user_by_email(form.email.data):
            form.email.errors.append(_("An account with this email already exists."))
        else:
            now = utcnow()
            user = accounts.create_account(
                form.email.data, form.display_name.data, form.roles.data, now
            )
            token = accounts.new_password_link(user, current_staff(), now)
            audit_account(
                "account_created",
                user,
                by=current_staff(),
                email=user.email,
                roles=sorted(user.role_set),
            )
            db.session.commit()
            return _show_link(user, token)
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    status = 422 if form.errors else 200
    return render_template("admin/accounts.html", users=users, form=form, now=utcnow()), status


def _show_link(user: StaffUser, token: str):
    link = url_for("auth.set_password", token=token, _external=True)
    return render_template("admin/password_link.html", user=user, link=link)


@bp.route("/accounts/<int:user_id>")
def account(user_id: int):
    """One account: roles, state, and its history."""
    user = db.get_or_404(StaffUser, user_id)
    return render_template(
        "admin/account.html",
        user=user,
        roles_form=RolesForm(formdata=None, roles=sorted(user.role_set)),
        action_form=ActionForm(formdata=None),
        active_sessions=sessions.active_sessions(user, utcnow()),
        this_session=current_session(),
        history=audit.history_of("staff_user", user.id),
    )


@bp.route("/accounts/<int:user_id>/sessions/<int:session_id>/end", methods=["POST"])
def account_end_session(user_id: int, session_id: int):
    """End one session of an account (that browser is logged out at its next request)."""
    user = db.get_or_404(StaffUser, user_id)
    if not ActionForm().validate():
        abort(400)
    row = sessions.find_session_of(user, session_id)
    if row is None:
        abort(404)
    sessions.end(row, "ended_by_admin", utcnow())
    audit_account("session_ended", user, by=current_staff(), session=row.id)
    db.session.commit()
    flash(_("The session has ended. That browser is logged out."), "info")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route("/accounts/<int:user_id>/roles", methods=["POST"])
def account_roles(user_id: int):
    """Change an account's roles (an admin cannot remove their own admin role)."""
    user = db.get_or_404(StaffUser, user_id)
    form = RolesForm()
    if form.validate():
        wanted = set(form.roles.data)
        if user.id == current_staff().id and Role.ADMIN not in wanted:
            flash(_("You cannot remove your own administrator role."), "error")
        else:
            changes = accounts.change_roles(user, wanted, utcnow())
            if changes is not None:
                audit_account("roles_changed", user, by=current_staff(), changes=changes)
                db.session.commit()
                flash(_("Roles saved. The account's sessions have ended."), "info")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route(
    "/accounts/<int:user_id>/<any(disable, enable, password_link, reset_second_factor):action>",
    methods=["POST"],
)
def account_action(user_id: int, action: str):
    """Disable or enable an account, hand out a password link, or reset its second factor."""
    user = db.get_or_404(StaffUser, user_id)
    if not ActionForm().validate():
        abort(400)
    actor = current_staff()
    if action == "password_link":
        token = accounts.new_password_link(user, actor, utcnow())
        audit_account("password_link_created", user, by=actor)
        db.session.commit()
        return _show_link(user, token)
    if action == "disable" and user.id == actor.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin.account", user_id=user.id))
    change, audited_as, message = ACCOUNT_CHANGES[action]
    change(user, utcnow())
    audit_account(audited_as, user, by=actor)
    flash(str(message), "info")
    db.session.commit()
    return redirect(url_for("admin.account", user_id=user.id))
