"""Hiding spans of a comment or of its translation, and showing them again."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from portal.converters import parse_int
from portal.moderation import bp
from portal.moderation.comment import PageProblem, change_comment
from portal.moderation.forms import ActionForm, RedactionForm
from portal.services.moderation import personal_data, redaction


def _parse_spans(values: list[str]) -> list[tuple[int, int, str]] | None:
    spans = []
    for value in values:
        parts = value.split(":")
        start, end = (parse_int(part) for part in parts[:2]) if len(parts) == 3 else (None, None)
        if start is None or end is None:
            return None
        spans.append((start, end, parts[2][:20]))
    return spans


def _chosen_spans(comment, form: RedactionForm, field: str) -> list[tuple[int, int, str]]:
    """The ticked suggestions, every occurrence of a text, and a span given by offsets."""
    spans = _parse_spans(request.form.getlist("span"))
    if spans is None:
        abort(400)
    text = redaction.field_text(comment, field) or ""
    kind = form.kind.data or "other"
    if form.exact_text.data:
        found = redaction.occurrences(text, form.exact_text.data)
        if not found:
            form.exact_text.errors = [_("This text does not appear in the comment.")]
            raise PageProblem(422)
        spans += [(start, end, kind) for start, end in found]
    if form.start.data is not None or form.end.data is not None:
        if form.start.data is None or form.end.data is None or form.end.data <= form.start.data:
            form.end.errors = [_("Give both the first character and the one after the last.")]
            raise PageProblem(422)
        spans.append((form.start.data, form.end.data, kind))
    if not spans:
        raise PageProblem(422, _("Nothing was chosen to hide."))
    return spans


@bp.route("/comments/<receipt>/redactions", methods=["POST"])
def comment_redact(receipt: str):
    """Hide the ticked suggestions, every occurrence of a text, or a span given by offsets."""
    form = RedactionForm()
    field = form.field.data if form.field.data in redaction.FIELDS else "body"

    def apply(comment, form, staff):
        spans = _chosen_spans(comment, form, field)
        added = redaction.add(comment, field, spans, **staff.audit)
        return _("%(count)s span(s) hidden.", count=added)

    return change_comment(
        receipt,
        form,
        apply,
        form_key=f"{field}_redaction_form",
        anchor="#redaction-" + field,
        refusal_status=lambda code: 409 if code == "results_published" else 422,
    )


@bp.route("/comments/<receipt>/redactions/<int:redaction_id>/remove", methods=["POST"])
def comment_unredact(receipt: str, redaction_id: int):
    """Show a hidden span again (until the results are published)."""

    def apply(comment, form, staff):
        redaction.remove(comment, redaction_id, **staff.audit)
        return _("The span is shown again.")

    return change_comment(receipt, ActionForm(), apply)


@bp.route("/comments/<receipt>/suggestions/keep", methods=["POST"])
def comment_keep_suggestions(receipt: str):
    """Confirm ticked suggestions of the comment are not personal data (a place, a word)."""

    def apply(comment, form, staff):
        spans = _parse_spans(request.form.getlist("keep"))
        if spans is None:
            abort(400)
        if not spans:
            raise PageProblem(422, _("Tick what is not personal data."))
        if comment.measure.results_published_at is not None:
            raise PageProblem(409)
        kept = personal_data.keep(comment, spans, **staff.audit)
        return _("%(count)s suggestion(s) confirmed as not personal data.", count=kept)

    return change_comment(receipt, ActionForm(), apply, anchor="#redaction-body")
