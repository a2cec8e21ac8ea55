"""Saved wording moderators reuse: rejection notes, hold notes and responses."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models.moderation import ModerationTemplate
from portal.moderation import bp
from portal.moderation.forms import ActionForm, TemplateForm
from portal.services.moderation.responses import CATEGORY_LABELS_JA
from portal.staff_access import audit_here, current_staff


def _audit(action: str, template: ModerationTemplate, **details) -> None:
    audit_here(action, "moderation_template", str(template.id), kind=template.kind, **details)


@bp.route("/templates", methods=["GET", "POST"])
def templates():
    """Saved rejection notes, hold notes and responses."""
    form = TemplateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            template = ModerationTemplate(
                kind=form.kind.data,
                reason=(form.reason.data or None) if form.kind.data == "rejection" else None,
                category=(form.category.data or None) if form.kind.data == "response" else None,
                title=form.title.data.strip(),
                text=form.text.data.strip(),
                created_by_id=current_staff().id,
                created_at=utcnow(),
            )
            db.session.add(template)
            db.session.flush()
            _audit("template_created", template, reason=template.reason, category=template.category)
            db.session.commit()
            flash(_("Template saved."))
            return redirect(url_for("moderation.templates"), 303)
        if form.csrf_token.errors:
            abort(400)
        status = 422
    items = db.session.scalars(
        select(ModerationTemplate).order_by(ModerationTemplate.kind, ModerationTemplate.title)
    ).all()
    return (
        render_template(
            "moderation/templates.html",
            form=form,
            items=items,
            action_form=ActionForm(formdata=None),
            category_labels=CATEGORY_LABELS_JA,
        ),
        status,
    )


@bp.route("/templates/<int:template_id>/delete", methods=["POST"])
def template_delete(template_id: int):
    """Delete a saved wording (decisions already taken keep their notes)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    template = db.get_or_404(ModerationTemplate, template_id)
    _audit("template_deleted", template)
    db.session.delete(template)
    db.session.commit()
    flash(_("Template deleted."))
    return redirect(url_for("moderation.templates"), 303)
