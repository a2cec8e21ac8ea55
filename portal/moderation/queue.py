"""The review queue: filters, search, and one decision for a selection of comments."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.converters import parse_int
from portal.database import utcnow
from portal.extensions import db
from portal.models import Measure
from portal.moderation import bp
from portal.moderation.labels import CHANNEL_LABELS
from portal.moderation.queue_forms import (
    DecisionForm,
    QueueFilterForm,
    queue_args,
    state_choices,
)
from portal.public.forms import language_choices
from portal.services.moderation import personal_data
from portal.services.moderation.decisions import BulkResult, decide_many, unresolved
from portal.services.moderation.review_queue import (
    QueueFilters,
    count_matching,
    excerpt,
    ids_matching,
    queue_page,
)
from portal.staff_access import client_address, current_staff

log = logging.getLogger(__name__)
MAX_SELECTION = 1000


def refusal_message(code: str) -> str:
    """Why a comment was left unchanged, in the moderator's language."""
    return {
        "withdrawn": _("The resident withdrew it."),
        "results_published": _("The results of its measure are published."),
        "no_proposal": _("No rejection was proposed for it."),
        "same_moderator": _("The rejection must be confirmed by a second moderator."),
        "reason_required": _("A rejection needs a reason."),
        "already": _("It was already in that state."),
        "conflict": _("Someone else changed it in the meantime."),
        "not_found": _("It no longer exists."),
        "unresolved_personal_data": _("Personal-data suggestions are still open."),
    }.get(code, _("It could not be changed."))


def comment_page_url(receipt: str, **filters: str) -> str | None:
    """The single-comment page (carrying the queue's `filters`), where this installation has
    one."""
    if "moderation.comment" in current_app.view_functions:
        return url_for("moderation.comment", receipt=receipt, **filters)
    return None


def measure_codes() -> dict[int, str]:
    # Plain (id, code) rows: Measure objects would load every locale's text as well.
    rows = db.session.execute(select(Measure.id, Measure.code).order_by(*Measure.outline_order()))
    return dict(rows.all())


def _filter_form(args) -> QueueFilterForm:
    form = QueueFilterForm(args)
    form.measure.choices = [("", _("Any measure"))] + [
        (code, code) for code in measure_codes().values()
    ]
    form.language.choices = [("", _("Any language"))] + language_choices()
    return form


def _filters_from(form: QueueFilterForm, valid: bool) -> QueueFilters:
    if not valid:
        return QueueFilters()
    measure_id = None
    if form.measure.data:
        measure_id = db.session.scalar(select(Measure.id).where(Measure.code == form.measure.data))
    return QueueFilters(
        query=(form.q.data or "").strip(),
        measure_id=measure_id,
        state=form.state.data or None,
        language=form.language.data or None,
        channel=form.channel.data or None,
        since=form.since.data,
        until=form.until.data,
        group_id=form.group.data,
        with_pii=bool(form.pii.data),
        missing_response=bool(form.missing.data),
        oldest_first=form.order.data == "oldest",
    )


def filters_of(args) -> tuple[QueueFilterForm, QueueFilters]:
    """The queue's filter form and filters from a query (`request.args`); no filter when the
    query does not validate (the form then carries the errors)."""
    form = _filter_form(args if isinstance(args, MultiDict) else MultiDict(args))
    valid = form.validate() if args else True
    return form, _filters_from(form, valid)


def _rejection_review() -> bool:
    return bool(current_app.config.get("PORTAL_REJECTION_REVIEW", False))


def selected_ids() -> list[int]:
    ids = []
    for value in request.form.getlist("ids")[:MAX_SELECTION]:
        if (number := parse_int(value)) is not None:
            ids.append(number)
    return ids


def _render_queue(decision_form: DecisionForm, selected: set[int], status: int = 200):
    form, filters = filters_of(request.args)
    page = queue_page(filters, after=request.args.get("after"))
    now = utcnow()
    next_args = {k: v for k, v in request.args.items() if k != "after"}
    carried = queue_args(request.args)
    rows = [
        {
            "comment": comment,
            "link": comment_page_url(comment.receipt_number, **carried),
            "excerpt": excerpt(comment.body, filters.query),
            "age": format_timedelta(now - comment.received_at, threshold=1.1),
            "group_size": page.group_sizes.get(comment.group_id),
            # only what a moderator may still resolve: a comment with none found costs nothing
            "open": len(personal_data.open_suggestions(comment)) if comment.pii_suggestions else 0,
        }
        for comment in page.comments
    ]
    return (
        render_template(
            "moderation/queue.html",
            form=form,
            decision_form=decision_form,
            rows=rows,
            selected=selected,
            next_args={**next_args, "after": page.next_key} if page.next_key else None,
            first_args=next_args if request.args.get("after") else None,
            states=dict(state_choices()),
            measure_codes=measure_codes(),
            channel_labels=CHANNEL_LABELS,
            searching=bool(filters.query),
            total=count_matching(filters) if rows else 0,
            all_matching=request.form.get("all_matching") == "1",
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
def queue():
    """Comments waiting for review, filtered and searched; a decision for a selection."""
    decision_form = DecisionForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _render_queue(decision_form, set())
    selected = selected_ids()
    if request.form.get("all_matching") == "1":
        # every comment of the filter, not only this page's; the approval gate below holds
        selected = ids_matching(filters_of(request.args)[1], MAX_SELECTION)
    if not decision_form.validate():
        return _render_queue(decision_form, set(selected), 422)
    if not selected:
        decision_form.decision.errors.append(_("Select at least one comment."))
        return _render_queue(decision_form, set(), 422)
    back = url_for("moderation.queue", **request.args)
    stop = refuse_or_confirm(decision_form, selected, request.full_path.rstrip("?"), back)
    if stop is not None:
        return stop
    result = bulk_decide(decision_form, selected)
    return render_bulk_result(result, back)


def refuse_or_confirm(form: DecisionForm, comment_ids: list[int], action: str, back: str):
    """Before approving many comments at once: refused, with the list, while any of them has
    unresolved personal data; else a confirmation page that states the counts, unless this is
    the confirmed post. None when the decision may go ahead."""
    if form.decision.data != "approve":
        return None
    blocked = unresolved(comment_ids)
    if blocked:
        return render_template(
            "moderation/bulk_refused.html",
            blocked=blocked,
            total=len(comment_ids),
            back=back,
            comment_link=comment_page_url,
        ), 409
    if request.form.get("confirmed") == "1":
        return None
    return render_template(
        "moderation/bulk_confirm.html",
        form=form,
        ids=comment_ids,
        action=action,
        back=back,
        open_count=0,
    )


def bulk_decide(form: DecisionForm, comment_ids: list[int]) -> BulkResult:
    result = decide_many(
        comment_ids,
        form.decision.data,
        actor=current_staff(),
        ip=client_address(),
        now=utcnow(),
        reason=form.reason.data or None,
        note=form.note.data,
        rejection_review=_rejection_review(),
        require_resolved=True,
    )
    db.session.commit()
    log.info(
        "bulk %s by staff %s: %d changed, %d unchanged",
        form.decision.data,
        current_staff().id,
        len(result.changed),
        len(result.unchanged),
    )
    return result


def render_bulk_result(result: BulkResult, back: str):
    unchanged = [(receipt, refusal_message(code)) for receipt, code in result.unchanged]
    return render_template(
        "moderation/bulk_result.html",
        changed=result.changed,
        unchanged=unchanged,
        back=back,
        comment_link=comment_page_url,
    )
