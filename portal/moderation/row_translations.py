"""The rows of a measure's results in one residents' language, translated on one page.

Under moderation because the people who write the city's responses and translate comments
work here (the admin area only publishes); one form carries every row of the measure, so a
translator works down the table instead of opening a form per row.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import BY_TAG
from portal.models import Measure
from portal.moderation import bp
from portal.moderation.forms import ActionForm
from portal.moderation.labels import refusal_text
from portal.services import actions
from portal.services.content.parts import parts_for
from portal.services.moderation.translation import provider_from_config
from portal.services.results import row_translations as rows_service
from portal.staff_access import client_address, current_staff, form_page


def _measure_or_404(code: str) -> Measure:
    return db.first_or_404(select(Measure).where(Measure.code == code))


def _locale_or_404(value: str | None) -> str:
    locale = value or rows_service.TARGET_LOCALES[0]
    if locale not in rows_service.TARGET_LOCALES:
        abort(404)
    return locale


def _page(measure: Measure, locale: str, status: int = 200):
    labels = {part.key: part.label("ja") for part in parts_for(measure)}
    page, code = form_page(
        "moderation/row_translations.html",
        ActionForm(),
        measure=measure,
        locale=locale,
        locale_names={tag: BY_TAG[tag].native_name for tag in rows_service.TARGET_LOCALES},
        entries=rows_service.entries(measure, locale),
        part_labels=labels,
        machine_available=provider_from_config(current_app.config) is not None,
    )
    return page, status if status != 200 else code


def _back(measure: Measure, locale: str):
    return redirect(url_for("moderation.row_translations", code=measure.code, locale=locale))


@bp.route("/measures/<code>/row-translations", methods=["GET"])
def row_translations(code: str):
    """Every row of the measure's results with its translation into one locale."""
    measure = _measure_or_404(code)
    return _page(measure, _locale_or_404(request.args.get("locale")))


@bp.route("/measures/<code>/row-translations", methods=["POST"])
def row_translations_save(code: str):
    """Save the translations of every row on the page at once (a person's translation)."""
    measure = _measure_or_404(code)
    locale = _locale_or_404(request.form.get("locale"))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    texts = {}
    for entry in rows_service.entries(measure, locale):
        row_id = entry.row.id
        if f"summary-{row_id}" in request.form or f"response-{row_id}" in request.form:
            texts[row_id] = rows_service.RowText(
                summary=request.form.get(f"summary-{row_id}", ""),
                response=request.form.get(f"response-{row_id}", ""),
            )
    try:
        changed = rows_service.save_batch(
            measure, locale, texts, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except actions.Refused as refusal:
        db.session.rollback()
        flash(refusal_text(refusal.code), "error")
        return _page(measure, locale, 409)
    flash(
        ngettext(
            "Translations saved: %(num)s row changed.",
            "Translations saved: %(num)s rows changed.",
            changed,
        )
    )
    return _back(measure, locale)


@bp.route("/measures/<code>/row-translations/machine", methods=["POST"])
def row_translations_machine(code: str):
    """Ask the configured translation server for drafts of the rows not yet translated."""
    measure = _measure_or_404(code)
    locale = _locale_or_404(request.form.get("locale"))
    if not ActionForm().validate_on_submit():
        abort(400)
    provider = provider_from_config(current_app.config)
    if provider is None:
        abort(404)  # machine translation is off: there is nothing to ask
    try:
        drafted = rows_service.machine_drafts(
            measure, locale, provider, actor=current_staff(), ip=client_address(), now=utcnow()
        )
        db.session.commit()
    except actions.Refused as refusal:
        db.session.rollback()
        flash(refusal_text(refusal.code), "error")
        return _page(measure, locale, 409)
    except rows_service.TranslationUnavailable:
        db.session.rollback()
        flash(_("The machine translation server did not answer. Nothing was changed."), "error")
        return _page(measure, locale, 503)
    flash(
        ngettext(
            "Machine draft added for %(num)s row. It is not published until a person checks "
            "and saves it.",
            "Machine drafts added for %(num)s rows. They are not published until a person "
            "checks and saves them.",
            drafted,
        ),
        "warning",
    )
    return _back(measure, locale)
