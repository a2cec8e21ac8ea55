"""Administration of a measure's results: the draft table with its summaries, publication
(once, after the period has closed), then the published version with its dated corrections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import bp
from portal.admin.common import attempt, measure_or_404
from portal.admin.forms import CorrectionForm, PublishResultsForm, SummaryForm
from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CityResponse
from portal.services.disclosure import PLACEHOLDER_JA
from portal.services.results import publication, snapshots
from portal.staff_access import client_address, current_staff


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
        "items_missing": _(
            "%(num)s points (opinion items) are not in a row with the city's answer yet. "
            "Every point needs one before publishing.",
            num=refusal.count,
        ),
        "rows_without_response": _(
            "%(num)s rows have no response from the city yet. Every row needs one before publishing.",
            num=refusal.count,
        ),
        "translations_showing_personal_data": _(
            "The Japanese translation of %(num)s comments still shows personal data. Hide it "
            "(or confirm what is not personal data) in moderation before publishing.",
            num=refusal.count,
        ),
        "not_published": _("The results are not published yet: there is nothing to correct."),
        "empty": _("Write the correction."),
        "too_long": _("The text is too long."),
    }[refusal.code]


def _receipts(rows) -> dict[int, str]:
    """Comment id → receipt number for the draft's rows: each row links to its comments."""
    ids = sorted({member for row in rows for member in row.member_ids})
    found = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        found.update(
            db.session.execute(
                select(Comment.id, Comment.receipt_number).where(Comment.id.in_(chunk))
            ).all()
        )
    return found


def _render_results(measure: Measure, correction_form=None, status: int = 200):
    now = utcnow()
    published = snapshots.published(measure, now)
    db.session.commit()  # results published before versions were stored get their version 1
    # once published, the page shows what was published, not the moderation tables
    state = None if published else publication.readiness(measure, now)
    results = published.results(PLACEHOLDER_JA) if published else state.results
    summary_forms = {}
    for row in [] if published else results.rows:
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
            receipts=_receipts(results.rows) if state is not None else {},
            results=results,
            published=published,
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
    return _render_results(measure_or_404(code))


@bp.route("/measures/<code>/results/summary/<int:response_id>", methods=["POST"])
def results_summary(code: str, response_id: int):
    """Write or clear the 意見の要旨 of one row before publication."""
    measure = measure_or_404(code)
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
    with attempt(publication.ResultsRefused) as change:
        changed = publication.set_summary(
            measure,
            response,
            form.summary.data or "",
            actor=current_staff(),
            ip=client_address(),
            now=utcnow(),
        )
    if change.refusal is None:
        flash(_("Saved.") if changed else _("Nothing changed."), "info")
    else:
        flash(results_refusal_message(change.refusal), "error")
    return redirect(url_for("admin.results_draft", code=measure.code, _anchor=f"row-{response_id}"))


@bp.route("/measures/<code>/results/publish", methods=["GET", "POST"])
def publish_results(code: str):
    """Confirm, then publish a measure's results (once, after the period has closed)."""
    measure = measure_or_404(code)
    form = PublishResultsForm()
    now = utcnow()
    status = 200
    if request.method == "POST" and not form.validate():
        status = 422
    elif request.method == "POST":
        with attempt(publication.ResultsRefused) as change:
            publication.publish(measure, actor=current_staff(), ip=client_address(), now=now)
        if change.refusal is None:
            flash(_("The results are published. Residents can read them now."), "info")
            return redirect(url_for("admin.results_draft", code=measure.code))
        flash(results_refusal_message(change.refusal), "error")
        status = 409
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
    measure = measure_or_404(code)
    form = CorrectionForm()
    if form.validate():
        with attempt(publication.ResultsRefused) as change:
            publication.add_correction(
                measure, form.note.data, actor=current_staff(), ip=client_address(), now=utcnow()
            )
        if change.refusal is None:
            flash(_("The correction is published with today's date."), "info")
            return redirect(url_for("admin.results_draft", code=measure.code))
        form.note.errors.append(results_refusal_message(change.refusal))
    return _render_results(measure, correction_form=form, status=422)
