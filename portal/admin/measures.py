"""Administration of measures: their texts in each locale and their comment periods."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import bp
from portal.admin.common import attempt, measure_or_404
from portal.admin.forms import EndPeriodForm, MeasureTextForm, PeriodForm
from portal.database import JAPAN, utcnow
from portal.extensions import db
from portal.i18n import BY_TAG, LOCALES
from portal.models import Measure
from portal.models.measures import SOURCE_LOCALE, PeriodRuleError
from portal.services import audit
from portal.services.content import measure_admin
from portal.staff_access import client_address, current_staff


@bp.route("/measures")
def measures():
    """Every general chapter and measure with its period and the translations that need
    review."""
    measures = db.session.scalars(select(Measure).order_by(*Measure.outline_order())).all()
    return render_template("admin/measures.html", measures=measures, now=utcnow())


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
            history=audit.history_of("measure", measure.code),
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
    measure = measure_or_404(code)
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
    measure = measure_or_404(code)
    form = PeriodForm()
    if form.validate():
        with attempt(PeriodRuleError) as change:
            measure_admin.set_period(
                measure,
                _as_utc(form.opens_at.data),
                _as_utc(form.closes_at.data),
                form.short_reason.data,
                actor=current_staff(),
                ip=client_address(),
                now=utcnow(),
            )
        if change.refusal is None:
            flash(_("The comment period has been saved. Residents see it now."), "info")
            return redirect(url_for("admin.measure", code=measure.code))
        rule = change.refusal.code
        target = form.short_reason if rule == "short_without_reason" else form.closes_at
        target.errors = [*target.errors, period_error_message(rule)]
    text_form = MeasureTextForm(formdata=None, obj=measure.text(SOURCE_LOCALE))
    return _render_measure(measure, SOURCE_LOCALE, text_form, period_form=form, status=422)


@bp.route("/measures/<code>/period/end", methods=["POST"])
def end_period(code: str):
    """Close an open period now."""
    measure = measure_or_404(code)
    form = EndPeriodForm()
    now = utcnow().replace(second=0, microsecond=0)
    if form.validate() and measure.opens_at and measure.opens_at < now < measure.closes_at:
        with attempt(PeriodRuleError) as change:
            measure_admin.set_period(
                measure,
                measure.opens_at,
                now,
                form.short_reason.data,
                actor=current_staff(),
                ip=client_address(),
                now=now,
            )
        if change.refusal is None:
            flash(_("The comment period has ended."), "info")
        else:
            flash(period_error_message(change.refusal.code), "error")
    else:
        flash(_("Only an open period can be ended."), "error")
    return redirect(url_for("admin.measure", code=measure.code))
