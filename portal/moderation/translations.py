"""The Japanese translation of a comment: written by a moderator, or drafted by a machine and
reviewed by a person before it may be published."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import gettext as _

from portal.converters import parse_int
from portal.moderation import bp
from portal.moderation.comment import PageProblem, change_comment
from portal.moderation.forms import ActionForm, TranslationForm
from portal.services.moderation import translation


def _kept(values: list[str]) -> list[tuple[int, int, str]]:
    """The suggestions ticked as not personal data ("start:end:kind")."""
    kept = []
    for value in values:
        parts = value.split(":")
        start, end = (parse_int(p) for p in parts[:2]) if len(parts) == 3 else (None, None)
        if start is None or end is None:
            abort(400)
        kept.append((start, end, parts[2][:20]))
    return kept


@bp.route("/comments/<receipt>/translation", methods=["POST"])
def comment_translation(receipt: str):
    """Save the moderator's Japanese translation (a human translation)."""

    def apply(comment, form, staff):
        row = translation.save_human(comment, form.text.data.strip(), **staff.audit)
        if not row.publishable:
            return _(
                "Translation saved, but it still shows personal data (listed under the "
                "translation): hide it, or confirm what is not personal data, then mark the "
                "translation reviewed."
            ), "warning"
        return _("Translation saved.")

    return change_comment(
        receipt, TranslationForm(), apply, form_key="translation_form", anchor="#translation"
    )


@bp.route("/comments/<receipt>/translation/machine", methods=["POST"])
def comment_machine_translation(receipt: str):
    """Ask the configured machine-translation server for a draft (to be reviewed)."""

    def apply(comment, form, staff):
        provider = translation.provider_from_config(current_app.config)
        if provider is None:
            abort(404)  # machine translation is off: there is nothing to ask
        try:
            translation.machine_translate(comment, provider, **staff.audit)
        except translation.TranslationUnavailable as failure:
            raise PageProblem(
                503, _("The machine translation server did not answer. Nothing was changed.")
            ) from failure
        return _("Machine translation added. Review it before it can be published."), "warning"

    return change_comment(receipt, ActionForm(), apply, anchor="#translation")


@bp.route("/comments/<receipt>/translation/review", methods=["POST"])
def comment_translation_review(receipt: str):
    """Confirm a machine translation as it stands."""

    def apply(comment, form, staff):
        row = translation.japanese_translation(comment)
        if row is None:
            abort(404)
        kept = _kept(request.form.getlist("keep"))
        translation.review(row, comment, kept=kept, **staff.audit)
        return _("Translation reviewed: it can be published.")

    return change_comment(receipt, ActionForm(), apply, anchor="#translation")
