"""The city's response to a comment (市の考え方) and its links to other measures (再掲)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Measure
from portal.moderation import bp
from portal.moderation.comment import change_comment, chosen_wording
from portal.moderation.forms import ActionForm, LinkForm, ResponseForm
from portal.services.moderation import responses, translation


@bp.route("/comments/<receipt>/response", methods=["POST"])
def comment_response(receipt: str):
    """Write the city's response (for the whole group when the comment is in one)."""
    form = ResponseForm()
    form.template.choices = [("", "—")]
    template = chosen_wording(form.template.data)
    if template is not None and not (form.text_ja.data or "").strip():
        form.text_ja.data = template.text

    def apply(comment, form, staff):
        data = responses.ResponseInput(
            category=form.category.data,
            text_ja=form.text_ja.data,
            summary=form.summary.data or "",
            translation=form.translation.data or "",
            translation_language=translation.source_language(comment),
        )
        responses.save_response(comment, data, **staff.audit)
        return _("The city's response is saved.")

    return change_comment(receipt, form, apply, form_key="response_form", anchor="#response")


@bp.route("/comments/<receipt>/links", methods=["POST"])
def comment_link(receipt: str):
    """Link the comment to another measure as well (再掲)."""
    form = LinkForm()
    form.measure.choices = [(m.code, m.code) for m in db.session.scalars(select(Measure))]

    def apply(comment, form, staff):
        measure = db.session.scalar(select(Measure).where(Measure.code == form.measure.data))
        responses.link_measure(comment, measure, **staff.audit)
        return _("Linked to %(code)s.", code=measure.code)

    return change_comment(receipt, form, apply, form_key="link_form", anchor="#links")


@bp.route("/comments/<receipt>/links/<int:measure_id>/remove", methods=["POST"])
def comment_unlink(receipt: str, measure_id: int):
    """Remove a link to another measure."""

    def apply(comment, form, staff):
        measure = db.get_or_404(Measure, measure_id)
        responses.unlink_measure(comment, measure, **staff.audit)
        return _("Link to %(code)s removed.", code=measure.code)

    return change_comment(receipt, ActionForm(), apply, anchor="#links")
