"""Administration: measures and their texts, comment periods, staff accounts, the audit log."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.admin import bp
from portal.admin.forms import (
    ActionForm,
    AuditFilterForm,
    CorrectionForm,
    EndPeriodForm,
    MeasureTextForm,
    NewAccountForm,
    PeriodForm,
    PublishResultsForm,
    RolesForm,
    SummaryForm,
)
from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.i18n import BY_TAG, LOCALES
from portal.models import AuditRecord, Measure, PriorityArea, StaffUser
from portal.models.measures import SOURCE_LOCALE, PeriodRuleError
from portal.models.moderation import CityResponse
from portal.models.staff import Role
from portal.services import audit
from portal.services.content import measure_admin
from portal.services.results import publication
from portal.services.staff import accounts
from portal.staff_access import client_address, current_staff

AUDIT_PAGE_SIZE = 50


def _measure_or_404(code: str) -> Measure:
    measure = db.session.scalar(select(Measure).where(Measure.code == code[:10]))
    if measure is None:
        abort(404)
    return measure


def _history(object_type: str, object_id: str, limit: int = 50) -> list[AuditRecord]:
    return db.session.scalars(
        select(AuditRecord)
        .where(AuditRecord.object_type == object_type, AuditRecord.object_id == str(object_id))
        .order_by(AuditRecord.id.desc())
        .limit(limit)
    ).all()


@bp.route("/")
def index():
    """Start page of the administration."""
    return render_template("admin/index.html")


# --- measures and periods -----------------------------------------------------------------


@bp.route("/measures")
def measures():
    """Every measure with its period and the translations that need review."""
    areas = db.session.scalars(select(PriorityArea).order_by(PriorityArea.number)).all()
    return render_template("admin/measures.html", areas=areas, now=utcnow())


def _period_form_for(measure: Measure) -> PeriodForm:
    form = PeriodForm()
    if request.method == "GET" and measure.opens_at:
        form.opens_at.data = measure.opens_at.astimezone(JAPAN).replace(tzinfo=None)
        form.closes_at.data = measure.closes_at.astimezone(JAPAN).replace(tzinfo=None)
        form.short_reason.data = measure.short_period_reason
    return form


def _render_measure(
    measure: Measure,
    locale_tag: str,
    text_form=None,
    period_form=None,
    preview=None,
    status: int = 200,
):
    return (
        render_template(
            "admin/measure.html",
            measure=measure,
            locale_tag=locale_tag,
            locales=LOCALES,
            text=next((t for t in measure.texts if t.locale == locale_tag), None),
            text_form=text_form,
            period_form=period_form or _period_form_for(measure),
            end_form=EndPeriodForm(formdata=None),
            preview=preview,
            history=_history("measure", measure.code),
            now=utcnow(),
            source_locale=SOURCE_LOCALE,
        ),
        status,
    )


def _locale_tag() -> str:
    tag = request.args.get("locale", SOURCE_LOCALE)
    return tag if tag in BY_TAG else SOURCE_LOCALE


@bp.route("/measures/<code>", methods=["GET", "POST"])
def measure(code: str):
    """Edit a measure's text in one locale, with a preview as residents will see it."""
    measure = _measure_or_404(code)
    locale_tag = _locale_tag()
    existing = next((t for t in measure.texts if t.locale == locale_tag), None)
    form = MeasureTextForm(obj=existing if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        values = {"title": form.title.data, "summary": form.summary.data, "body": form.body.data}
        if request.form.get("action") == "preview":
            preview = {
                **values,
                "paragraphs": [p for p in values["body"].replace("\r\n", "\n").split("\n\n") if p],
            }
            return _render_measure(measure, locale_tag, form, preview=preview)
        changed = measure_admin.edit_text(
            measure, locale_tag, values, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "info")
        return redirect(url_for("admin.measure", code=measure.code, locale=locale_tag))
    return _render_measure(measure, locale_tag, form, status=422 if form.errors else 200)


def period_error_message(code: str) -> str:
    """The public comment rules' refusals, in the admin's language."""
    return {
        "results_published": _(
            "The results of this measure are published: its period cannot change."
        ),
        "closes_before_opening": _("The period must close after it opens."),
        "short_without_reason": _(
            "A period shorter than 30 days needs a stated reason (Administrative Procedure Act, "
            "Art. 40). It is shown to residents on the measure's page."
        ),
    }[code]


def _as_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=JAPAN)


@bp.route("/measures/<code>/period", methods=["POST"])
def measure_period(code: str):
    """Set, extend or shorten the comment period (Japan time)."""
    measure = _measure_or_404(code)
    form = PeriodForm()
    if form.validate():
        try:
            measure_admin.set_period(
                measure,
                _as_utc(form.opens_at.data),
                _as_utc(form.closes_at.data),
                form.short_reason.data,
                actor=current_staff(),
                ip=client_address(),
                now=utcnow(),
            )
        except PeriodRuleError as refusal:
            db.session.rollback()
            target = form.short_reason if refusal.code == "short_without_reason" else form.closes_at
            target.errors = [*target.errors, period_error_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("The comment period has been saved. Residents see it now."), "info")
            return redirect(url_for("admin.measure", code=measure.code))
    text_form = MeasureTextForm(formdata=None, obj=measure.text(SOURCE_LOCALE))
    return _render_measure(measure, SOURCE_LOCALE, text_form, period_form=form, status=422)


@bp.route("/measures/<code>/period/end", methods=["POST"])
def end_period(code: str):
    """Close an open period now."""
    measure = _measure_or_404(code)
    form = EndPeriodForm()
    now = utcnow().replace(second=0, microsecond=0)
    if form.validate() and measure.opens_at and measure.opens_at < now < measure.closes_at:
        try:
            measure_admin.set_period(
                measure,
                measure.opens_at,
                now,
                form.short_reason.data,
                actor=current_staff(),
                ip=client_address(),
                now=now,
            )
        except PeriodRuleError as refusal:
            db.session.rollback()
            flash(period_error_message(refusal.code), "error")
        else:
            db.session.commit()
            flash(_("The comment period has ended."), "info")
    else:
        flash(_("Only an open period can be ended."), "error")
    return redirect(url_for("admin.measure", code=measure.code))


# --- published results --------------------------------------------------------------------


def results_refusal_message(refusal: publication.ResultsRefused) -> str:
    """Why results cannot be published or changed, in the admin's language."""
    return {
        "already_published": _(
            "The results are already published. Add a dated correction instead of changing them."
        ),
        "period_not_closed": _(
            "The results can be published only after the comment period has closed."
        ),
        "undecided": _(
            "%(num)s comments are not decided yet. Decide on every comment before publishing.",
            num=refusal.count,
        ),
        "rows_without_response": _(
            "%(num)s rows have no response from the city yet. Every row needs one before publishing.",
            num=refusal.count,
        ),
        "not_published": _("The results are not published yet: there is nothing to correct."),
        "empty": _("Write the correction."),
        "too_long": _("The text is too long."),
    }[refusal.code]


def _render_results(measure: Measure, correction_form=None, status: int = 200):
    now = utcnow()
    state = publication.readiness(measure, now)
    summary_forms = {}
    for row in state.results.rows:
        if (
            row.response_id is not None
            and row.reposted_from is None
            and row.response_id not in summary_forms
        ):
            response = db.session.get(CityResponse, row.response_id)
            summary_forms[row.response_id] = SummaryForm(
                formdata=None, prefix=f"r{row.response_id}", summary=response.summary
            )
    return (
        render_template(
            "admin/results.html",
            measure=measure,
            state=state,
            summary_forms=summary_forms,
            correction_form=correction_form or CorrectionForm(formdata=None),
            corrections=publication.corrections_of(measure),
            now=now,
        ),
        status,
    )


@bp.route("/measures/<code>/results")
def results_draft(code: str):
    """The results table as it will be (or is) published, with the summary of each row."""
    return _render_results(_measure_or_404(code))


@bp.route("/measures/<code>/results/summary/<int:response_id>", methods=["POST"])
def results_summary(code: str, response_id: int):
    """Write or clear the 意見の要旨 of one row before publication."""
    measure = _measure_or_404(code)
    response = db.session.get(CityResponse, response_id)
    rows = publication.readiness(measure, utcnow()).results.rows
    if response is None or not any(
        row.response_id == response_id and row.reposted_from is None for row in rows
    ):
        abort(404)
    form = SummaryForm(prefix=f"r{response_id}")
    if not form.validate():
        flash(_("The summary was not saved: it is too long (at most 4,000 characters)."), "error")
        return redirect(url_for("admin.results_draft", code=measure.code))
    try:
        changed = publication.set_summary(
            measure,
            response,
            form.summary.data or "",
            actor=current_staff(),
            ip=client_address(),
            now=utcnow(),
        )
    except publication.ResultsRefused as refusal:
        db.session.rollback()
        flash(results_refusal_message(refusal), "error")
    else:
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "info")
    return redirect(url_for("admin.results_draft", code=measure.code, _anchor=f"row-{response_id}"))


@bp.route("/measures/<code>/results/publish", methods=["GET", "POST"])
def publish_results(code: str):
    """Confirm, then publish a measure's results (once, after the period has closed)."""
    measure = _measure_or_404(code)
    form = PublishResultsForm()
    now = utcnow()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                publication.publish(measure, actor=current_staff(), ip=client_address(), now=now)
            except publication.ResultsRefused as refusal:
                db.session.rollback()
                flash(results_refusal_message(refusal), "error")
                status = 409
            else:
                db.session.commit()
                flash(_("The results are published. Residents can read them now."), "info")
                return redirect(url_for("admin.results_draft", code=measure.code))
        else:
            status = 422
    return (
        render_template(
            "admin/publish_results.html",
            measure=measure,
            form=form,
            state=publication.readiness(measure, now),
        ),
        status,
    )


@bp.route("/measures/<code>/results/corrections", methods=["POST"])
def results_correction(code: str):
    """Add a dated correction to published results."""
    measure = _measure_or_404(code)
    form = CorrectionForm()
    if form.validate():
        try:
            publication.add_correction(
                measure, form.note.data, actor=current_staff(), ip=client_address(), now=utcnow()
            )
        except publication.ResultsRefused as refusal:
            db.session.rollback()
            form.note.errors.append(results_refusal_message(refusal))
        else:
            db.session.commit()
            flash(_("The correction is published with today's date."), "info")
            return redirect(url_for("admin.results_draft", code=measure.code))
    return _render_results(measure, correction_form=form, status=422)


# --- accounts -----------------------------------------------------------------------------


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
            audit.record(
                "account_created",
                actor=current_staff(),
                ip=client_address(),
                object_type="staff_user",
                object_id=user.id,
                details={"email": user.email, "roles": sorted(user.role_set)},
            )
            db.session.commit()
            return _show_link(user, token)
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    status = 422 if form.errors else 200
    return render_template("admin/accounts.html", users=users, form=form, now=utcnow()), status


def _show_link(user: StaffUser, token: str):
    link = url_for("auth.set_password", token=token, _external=True)
    return render_template("admin/password_link.html", user=user, link=link)


def _account_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/accounts/<int:user_id>")
def account(user_id: int):
    """One account: roles, state, and its history."""
    user = _account_or_404(user_id)
    return render_template(
        "admin/account.html",
        user=user,
        roles_form=RolesForm(formdata=None, roles=sorted(user.role_set)),
        action_form=ActionForm(formdata=None),
        history=_history("staff_user", user.id),
    )


@bp.route("/accounts/<int:user_id>/roles", methods=["POST"])
def account_roles(user_id: int):
    """Change an account's roles (an admin cannot remove their own admin role)."""
    user = _account_or_404(user_id)
    form = RolesForm()
    if form.validate():
        wanted = set(form.roles.data)
        if user.id == current_staff().id and Role.ADMIN not in wanted:
            flash(_("You cannot remove your own administrator role."), "error")
        else:
            before = sorted(user.role_set)
            user.set_roles(wanted)
            if before != sorted(user.role_set):
                user.end_all_sessions()  # the new roles apply from the next login
                audit.record(
                    "roles_changed",
                    actor=current_staff(),
                    ip=client_address(),
                    object_type="staff_user",
                    object_id=user.id,
                    details={
                        "changes": {"roles": {"before": before, "after": sorted(user.role_set)}}
                    },
                )
                db.session.commit()
                flash(_("Roles saved. The account's sessions have ended."), "info")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.route(
    "/accounts/<int:user_id>/<any(disable, enable, password_link, reset_second_factor):action>",
    methods=["POST"],
)
def account_action(user_id: int, action: str):
    """Disable or enable an account, hand out a password link, or reset its second factor."""
    user = _account_or_404(user_id)
    if not ActionForm().validate():
        abort(400)
    actor, now = current_staff(), utcnow()
    if action == "disable":
        if user.id == actor.id:
            flash(_("You cannot disable your own account."), "error")
            return redirect(url_for("admin.account", user_id=user.id))
        user.is_enabled = False
        user.end_all_sessions()
        audit.record(
            "account_disabled",
            actor=actor,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
        )
        flash(_("The account is disabled and its sessions have ended."), "info")
    elif action == "enable":
        user.is_enabled = True
        user.failed_logins = 0
        user.locked_until = None
        audit.record(
            "account_enabled",
            actor=actor,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
        )
        flash(_("The account is enabled."), "info")
    elif action == "reset_second_factor":
        accounts.remove_second_factor(user)
        audit.record(
            "second_factor_reset",
            actor=actor,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
        )
        flash(
            _("The second factor is reset. The account sets up a new one at its next login."),
            "info",
        )
    else:
        token = accounts.new_password_link(user, actor, now)
        audit.record(
            "password_link_created",
            actor=actor,
            ip=client_address(),
            object_type="staff_user",
            object_id=user.id,
        )
        db.session.commit()
        return _show_link(user, token)
    db.session.commit()
    return redirect(url_for("admin.account", user_id=user.id))


# --- audit log ----------------------------------------------------------------------------


def _distinct(column) -> list[str]:
    return [v for v in db.session.scalars(select(column).distinct().order_by(column)) if v]


@bp.route("/audit")
def audit_log():
    """The audit log, newest first, filtered by who, action, object and time range."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All"))] + [(a, a) for a in _distinct(AuditRecord.action)]
    form.object_type.choices = [("", _("All"))] + [
        (t, t) for t in _distinct(AuditRecord.object_type)
    ]
    query = select(AuditRecord)
    valid = form.validate()
    if valid:
        if form.actor.data:
            query = query.where(
                func.lower(AuditRecord.actor_email) == form.actor.data.strip().lower()
            )
        if form.action.data:
            query = query.where(AuditRecord.action == form.action.data)
        if form.object_type.data:
            query = query.where(AuditRecord.object_type == form.object_type.data)
        if form.object_id.data:
            query = query.where(AuditRecord.object_id == form.object_id.data.strip())
        if form.since.data:
            query = query.where(
                AuditRecord.occurred_at >= datetime.combine(form.since.data, time(), JAPAN)
            )
        if form.until.data:
            end = datetime.combine(form.until.data, time(), JAPAN) + timedelta(days=1)
            query = query.where(AuditRecord.occurred_at < end)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditRecord.id < before)
    records = db.session.scalars(
        query.order_by(AuditRecord.id.desc()).limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    more = len(records) > AUDIT_PAGE_SIZE
    records = records[:AUDIT_PAGE_SIZE]
    next_args = {k: v for k, v in request.args.items() if k != "before"}
    if more:
        next_args["before"] = records[-1].id
    return (
        render_template(
            "admin/audit.html",
            form=form,
            records=records,
            more=more,
            next_args=next_args,
            pretty=lambda details: json.dumps(json.loads(details), ensure_ascii=False, indent=1),
        ),
        200 if valid or not request.args else 422,
    )
