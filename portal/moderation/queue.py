"""The review queue with search, bulk decisions, and the campaign group pages."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CampaignGroup
from portal.moderation import bp
from portal.moderation.queue_forms import (
    DecisionForm,
    GroupActionForm,
    MergeForm,
    QueueFilterForm,
    state_choices,
)
from portal.public.forms import language_choices
from portal.services.moderation import campaigns
from portal.services.moderation.decisions import BulkResult, decide_many
from portal.services.moderation.review_queue import (
    QueueFilters,
    excerpt,
    group_sizes,
    queue_page,
)
from portal.staff_access import client_address, current_staff

log = logging.getLogger(__name__)
MAX_SELECTION = 1000
GROUPS_PAGE_SIZE = 50


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
    }.get(code, _("It could not be changed."))


def group_refusal_message(code: str) -> str:
    """Why a group action was refused, in the moderator's language."""
    return {
        "already": _("This group is already confirmed."),
        "none_selected": _("Select at least one member of this group."),
        "split_needs_two": _("A new group needs at least two comments: select two or more."),
        "not_mergeable": _("Only another group of the same measure can be merged."),
        "other_has_response": _(
            "The other group already has a city response. Merge it the other way round, "
            "or remove that response first."
        ),
    }[code]


def comment_link(receipt: str) -> str | None:
    """The single-comment page, where this installation has one."""
    if "moderation.comment" in current_app.view_functions:
        return url_for("moderation.comment", receipt=receipt)
    return None


def _measure_codes() -> dict[int, str]:
    # Plain (id, code) rows: Measure objects would load every locale's text as well.
    rows = db.session.execute(
        select(Measure.id, Measure.code).order_by(Measure.area_id, Measure.number)
    )
    return dict(rows.all())


def _filter_form() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.measure.choices = [("", _("Any measure"))] + [
        (code, code) for code in _measure_codes().values()
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
        oldest_first=form.order.data == "oldest",
    )


def _rejection_review() -> bool:
    return bool(current_app.config.get("PORTAL_REJECTION_REVIEW", False))


def _selected_ids() -> list[int]:
    ids = []
    for value in request.form.getlist("ids")[:MAX_SELECTION]:
        if value.isdigit() and len(value) < 12:
            ids.append(int(value))
    return ids


def _render_queue(decision_form: DecisionForm, selected: set[int], status: int = 200):
    form = _filter_form()
    valid = form.validate() if request.args else True
    filters = _filters_from(form, valid)
    page = queue_page(filters, after=request.args.get("after"))
    now = utcnow()
    next_args = {k: v for k, v in request.args.items() if k != "after"}
    rows = [
        {
            "comment": comment,
            "link": comment_link(comment.receipt_number),
            "excerpt": excerpt(comment.body, filters.query),
            "age": format_timedelta(now - comment.received_at, threshold=1.1),
            "group_size": page.group_sizes.get(comment.group_id),
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
            measure_codes=_measure_codes(),
            searching=bool(filters.query),
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
def queue():
    """Comments waiting for review, filtered and searched; a decision for a selection."""
    decision_form = DecisionForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _render_queue(decision_form, set())
    selected = _selected_ids()
    if not decision_form.validate():
        return _render_queue(decision_form, set(selected), 422)
    if not selected:
        decision_form.decision.errors.append(_("Select at least one comment."))
        return _render_queue(decision_form, set(), 422)
    result = _decide(decision_form, selected)
    return _render_result(result, url_for("moderation.queue", **request.args))


def _decide(form: DecisionForm, comment_ids: list[int]) -> BulkResult:
    result = decide_many(
        comment_ids,
        form.decision.data,
        actor=current_staff(),
        ip=client_address(),
        now=utcnow(),
        reason=form.reason.data or None,
        note=form.note.data,
        rejection_review=_rejection_review(),
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


def _render_result(result: BulkResult, back: str):
    unchanged = [(receipt, refusal_message(code)) for receipt, code in result.unchanged]
    return render_template(
        "moderation/bulk_result.html",
        changed=result.changed,
        unchanged=unchanged,
        back=back,
        comment_link=comment_link,
    )


# --- campaign groups ------------------------------------------------------------------------


def _group_or_404(group_id: int) -> CampaignGroup:
    group = db.session.get(CampaignGroup, group_id)
    if group is None:
        abort(404)
    return group


@bp.route("/groups")
def groups():
    """Campaign groups, largest first, with their representative text."""
    measure_code = request.args.get("measure", "")
    sizes = (
        select(Comment.group_id, func.count().label("size"))
        .where(Comment.group_id.is_not(None))
        .group_by(Comment.group_id)
        .subquery()
    )
    query = (
        select(CampaignGroup, sizes.c.size, Measure.code)
        .join(sizes, sizes.c.group_id == CampaignGroup.id)
        .join(Measure, Measure.id == CampaignGroup.measure_id)
    )
    if measure_code:
        query = query.where(Measure.code == measure_code)
    rows = db.session.execute(
        query.order_by(sizes.c.size.desc(), CampaignGroup.id).limit(GROUPS_PAGE_SIZE)
    ).all()
    representatives = dict(
        db.session.execute(
            select(Comment.id, Comment.body).where(
                Comment.id.in_([g.representative_comment_id for g, _s, _c in rows])
            )
        ).all()
    )
    return render_template(
        "moderation/groups.html",
        rows=[
            {
                "group": group,
                "size": size,
                "measure": code,
                "excerpt": excerpt(representatives.get(group.representative_comment_id, "")),
            }
            for group, size, code in rows
        ],
        measures=list(_measure_codes().values()),
        measure_code=measure_code,
    )


def _render_group(group: CampaignGroup, decision_form=None, status: int = 200, selected=()):
    members = campaigns.members(group)
    representative = next(
        (m for m in members if m.id == group.representative_comment_id),
        members[0] if members else None,
    )
    merge_form = MergeForm(formdata=None)
    others = [
        (g.id, _("Group %(number)s (%(count)s comments)", number=g.id, count=size))
        for g, size in _other_groups(group)
    ]
    merge_form.other.choices = others
    now = utcnow()
    return (
        render_template(
            "moderation/group.html",
            group=group,
            measure=db.session.get(Measure, group.measure_id),
            members=members,
            representative=representative,
            ages={m.id: format_timedelta(now - m.received_at, threshold=1.1) for m in members},
            action_form=GroupActionForm(formdata=None),
            decision_form=decision_form or DecisionForm(formdata=None),
            merge_form=merge_form if others else None,
            states=dict(state_choices()),
            comment_link=comment_link,
            selected=set(selected),
        ),
        status,
    )


def _other_groups(group: CampaignGroup):
    candidates = db.session.scalars(
        select(CampaignGroup)
        .where(CampaignGroup.measure_id == group.measure_id, CampaignGroup.id != group.id)
        .order_by(CampaignGroup.id)
        .limit(200)
    ).all()
    sizes = group_sizes({g.id for g in candidates})
    return [(g, sizes.get(g.id, 0)) for g in candidates]


@bp.route("/groups/<int:group_id>")
def group(group_id: int):
    """One group: count, representative text, members, and what can be done with them."""
    return _render_group(_group_or_404(group_id))


def _group_action_done(group_id: int, message: str):
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("moderation.group", group_id=group_id), code=303)


def _group_refused(group: CampaignGroup, refusal: campaigns.GroupRefused, selected=()):
    db.session.rollback()
    flash(group_refusal_message(refusal.code), "error")
    return _render_group(group, status=409 if refusal.code != "none_selected" else 422,
                         selected=selected)  # fmt: skip


@bp.route("/groups/<int:group_id>/confirm", methods=["POST"])
def group_confirm(group_id: int):
    """The moderator confirms these comments are copies of one campaign."""
    group = _group_or_404(group_id)
    if not GroupActionForm().validate():
        abort(400)
    try:
        campaigns.confirm(group, actor=current_staff(), ip=client_address(), now=utcnow())
    except campaigns.GroupRefused as refusal:
        return _group_refused(group, refusal)
    return _group_action_done(group.id, _("The group is confirmed."))


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
def group_members(group_id: int):
    """Take selected members out of the group, alone or as a new group (split)."""
    group = _group_or_404(group_id)
    if not GroupActionForm().validate():
        abort(400)
    selected = _selected_ids()
    split = request.form.get("action") == "split"
    try:
        new_group = campaigns.remove_members(
            group,
            selected,
            into_new_group=split,
            actor=current_staff(),
            ip=client_address(),
            now=utcnow(),
        )
    except campaigns.GroupRefused as refusal:
        return _group_refused(group, refusal, selected)
    if new_group is not None:
        message = _(
            "%(count)s comments now form group %(number)s.",
            count=len(selected),
            number=new_group.id,
        )
    else:
        message = _("%(count)s comments were taken out of the group.", count=len(selected))
    return _group_action_done(group.id, message)


@bp.route("/groups/<int:group_id>/merge", methods=["POST"])
def group_merge(group_id: int):
    """Merge another group of the same measure into this one."""
    group = _group_or_404(group_id)
    form = MergeForm()
    form.other.choices = [(g.id, str(g.id)) for g, _size in _other_groups(group)]
    if not form.validate():
        flash(_("Choose a group of the same measure to merge."), "error")
        return _render_group(group, status=422)
    other = _group_or_404(form.other.data)
    try:
        moved = campaigns.merge(
            group, other, actor=current_staff(), ip=client_address(), now=utcnow()
        )
    except campaigns.GroupRefused as refusal:
        return _group_refused(group, refusal)
    return _group_action_done(
        group.id,
        _("Group %(other)s was merged into this one (%(count)s comments).", other=other.id,
          count=moved),
    )  # fmt: skip


@bp.route("/groups/<int:group_id>/decide", methods=["POST"])
def group_decide(group_id: int):
    """One decision for every member of the group."""
    group = _group_or_404(group_id)
    form = DecisionForm()
    if not form.validate():
        return _render_group(group, decision_form=form, status=422)
    member_ids = [m.id for m in campaigns.members(group)]
    result = _decide(form, member_ids)
    return _render_result(result, url_for("moderation.group", group_id=group.id))
