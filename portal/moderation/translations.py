"""The Japanese translation of a comment: written by a moderator, or drafted by a machine and
reviewed by a person before it may be published."""

from __future__ import annotations

from flask import abort, current_app
from flask_babel import gettext as _

from portal.moderation import bp
from portal.moderation.comment import PageProblem, change_comment
from portal.moderation.forms import ActionForm, TranslationForm
from portal.services.moderation import translation


@bp.route("/comments/<receipt>/translation", methods=["POST"])
def comment_translation(receipt: str):
    """Save the moderator's Japanese translation (a human translation)."""

    def apply(comment, form, staff):
        translation.save_human(comment, form.text.data.strip(), **staff.audit)
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
        translation.review(row, comment, **staff.audit)
        return _("Translation reviewed: it can be published.")

    return change_comment(receipt, ActionForm(), apply, anchor="#translation")
