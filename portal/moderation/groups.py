"""Campaign groups: near-identical comments a moderator confirms, splits, merges and decides once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CampaignGroup
from portal.moderation import bp
from portal.moderation.queue import (
    bulk_decide,
    comment_page_url,
    measure_codes,
    refuse_or_confirm,
    render_bulk_result,
    selected_ids,
)
from portal.moderation.queue_forms import (
    DecisionForm,
    GroupActionForm,
    MergeForm,
    state_choices,
)
from portal.services.moderation import campaigns, member_diff, personal_data
from portal.services.moderation.review_queue import excerpt, group_sizes
from portal.staff_access import client_address, current_staff

GROUPS_PAGE_SIZE = 50


def group_refusal_message(code: str) -> str:
    """Why a group action was refused, in the moderator's language."""
    return {
        "already": _("This group is already confirmed."),
        "none_selected": _("Select at least one member of this group."),
        "split_needs_two": _("A new group needs at least two comments: select two or more."),
        "not_mergeable": _("Only another group of the same measure can be merged."),
        "results_published": _(
            "The results of this measure are published: its groups are rows of the published "
            "table and can no longer change."
        ),
        "other_has_response": _(
            "The other group already has a city response. Merge it the other way round, "
            "or remove that response first."
        ),
    }[code]


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
        measures=list(measure_codes().values()),
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
            comment_link=comment_page_url,
            selected=set(selected),
            open_counts=personal_data.open_counts(members),
            diffs=_diffs(representative, members),
        ),
        status,
    )


def _diffs(representative, members) -> dict[int, dict]:
    """Each member's differences from the representative: folded pieces, and the counts."""
    if representative is None:
        return {}
    found = {}
    for member in members:
        if member.id == representative.id:
            continue
        result = member_diff.diff(representative.body, member.body)
        found[member.id] = {"result": result, "pieces": member_diff.collapsed(result)}
    return found


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
    return _render_group(db.get_or_404(CampaignGroup, group_id))


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
    group = db.get_or_404(CampaignGroup, group_id)
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
    group = db.get_or_404(CampaignGroup, group_id)
    if not GroupActionForm().validate():
        abort(400)
    selected = selected_ids()
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
    group = db.get_or_404(CampaignGroup, group_id)
    form = MergeForm()
    form.other.choices = [(g.id, str(g.id)) for g, _size in _other_groups(group)]
    if not form.validate():
        flash(_("Choose a group of the same measure to merge."), "error")
        return _render_group(group, status=422)
    other = db.get_or_404(CampaignGroup, form.other.data)
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


@bp.route("/groups/<int:group_id>/apply-suggestions", methods=["POST"])
def group_apply_suggestions(group_id: int):
    """Hide the likely personal data (the suggestions ticked in advance) in every member."""
    group = db.get_or_404(CampaignGroup, group_id)
    if not GroupActionForm().validate():
        abort(400)
    members = campaigns.members(group)
    changed, hidden = personal_data.apply_suggestions(
        members, actor=current_staff(), ip=client_address(), now=utcnow()
    )
    left = sum(1 for count in personal_data.open_counts(members).values() if count)
    message = _(
        "%(hidden)s spans hidden in %(changed)s comments. %(left)s comments still have "
        "suggestions to decide one by one.",
        hidden=hidden,
        changed=changed,
        left=left,
    )
    return _group_action_done(group.id, message)


@bp.route("/groups/<int:group_id>/decide", methods=["POST"])
def group_decide(group_id: int):
    """One decision for every member of the group."""
    group = db.get_or_404(CampaignGroup, group_id)
    form = DecisionForm()
    if not form.validate():
        return _render_group(group, decision_form=form, status=422)
    member_ids = [m.id for m in campaigns.members(group)]
    back = url_for("moderation.group", group_id=group.id)
    stop = refuse_or_confirm(form, member_ids, request.path, back)
    if stop is not None:
        return stop
    result = bulk_decide(form, member_ids)
    return render_bulk_result(result, back)
