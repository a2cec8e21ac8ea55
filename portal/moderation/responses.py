"""The city's response to a comment (市の考え方) and its links to other measures (再掲)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Measure
from portal.moderation import bp
from portal.moderation.comment import PageProblem, change_comment, chosen_wording
from portal.moderation.forms import ActionForm, LinkForm, ResponseForm
from portal.services.moderation import responses, translation


def response_input(comment, form: ResponseForm) -> responses.ResponseInput:
    """The response as the form gives it, a chosen saved response filling the text and the
    category left empty."""
    typed = responses.ResponseInput(
        category=form.category.data or "",
        text_ja=form.text_ja.data or "",
        summary=form.summary.data or "",
        translation=form.translation.data or "",
        translation_language=translation.source_language(comment),
    )
    return responses.with_saved(typed, chosen_wording(form.template.data))


def check_response(form: ResponseForm, data: responses.ResponseInput) -> None:
    """Refuse, next to the field, a response without its text or its category."""
    missing = False
    if not data.text_ja.strip():
        form.text_ja.errors = [
            _("Write the city's response (市の考え方) or choose a saved response.")
        ]
        missing = True
    if not data.category:
        form.category.errors = [_("Choose a response category (対応区分) or a saved response.")]
        missing = True
    if missing:
        raise PageProblem(422)


@bp.route("/comments/<receipt>/response", methods=["POST"])
def comment_response(receipt: str):
    """Write the city's response (for the whole group when the comment is in one)."""
    form = ResponseForm()
    form.template.choices = [("", "—")]

    def apply(comment, form, staff):
        data = response_input(comment, form)
        check_response(form, data)
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
