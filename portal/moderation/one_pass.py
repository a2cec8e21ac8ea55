"""One pass over a comment in one submit: its personal data, its translation, the decision and
the city's response, then the next comment of the queue's filter.

Each part goes through its own service (which audits it), in the order a moderator would do
them by hand; all of it is one transaction, so a refusal anywhere changes nothing and the page
comes back with everything that was typed and chosen.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal.converters import parse_int
from portal.models.comments import CommentStatus
from portal.moderation import bp
from portal.moderation.comment import Staff, back, change_comment, render_comment
from portal.moderation.decisions import changed_meanwhile, take_decision
from portal.moderation.forms import PassForm
from portal.moderation.queue import filters_of
from portal.moderation.queue_forms import queue_args
from portal.moderation.responses import check_response, response_input
from portal.services.moderation import personal_data, redaction, responses, translation
from portal.services.moderation.review_queue import next_in_queue

# One value per open suggestion of the body: pd:<start>:<end>:<kind> = hide | keep | (later)
CHOICE_PREFIX = "pd:"
TRANSLATION_KEEP = "keep_translation"
MAX_CHOICES = 200
# The buttons: approve or not, then the next comment of the filter or this one again.
ACTS = {"approve_next", "approve", "save_next", "save"}


def _span(value: str) -> tuple[int, int, str]:
    """(start, end, kind) of "start:end:kind"; a bad request for anything else."""
    parts = value.split(":")
    start, end = (parse_int(p) for p in parts[:2]) if len(parts) == 3 else (None, None)
    if start is None or end is None or end <= start:
        abort(400)
    return start, end, parts[2][:20]


def posted_choices() -> dict[str, str]:
    """What the moderator chose for each suggestion, as posted (to show again on a refusal)."""
    chosen = {}
    for name, value in list(request.form.items())[: MAX_CHOICES * 2]:
        if name.startswith(CHOICE_PREFIX) and value in {"hide", "keep"}:
            chosen[name[len(CHOICE_PREFIX) :]] = value
    return chosen


def _personal_data(comment, staff: Staff, chosen: dict[str, str]) -> list[str]:
    hide = [_span(key) for key, value in chosen.items() if value == "hide"]
    keep = [_span(key) for key, value in chosen.items() if value == "keep"]
    done = []
    if hide:
        added = redaction.add(comment, "body", hide, **staff.audit)
        done.append(_("%(count)s span(s) hidden.", count=added))
    if keep:
        kept = personal_data.keep(comment, keep, **staff.audit)
        done.append(_("%(count)s suggestion(s) confirmed as not personal data.", count=kept))
    return done


def _translation(comment, form: PassForm, staff: Staff) -> list[str]:
    if not translation.needs_translation(comment):
        return []
    row = translation.japanese_translation(comment)
    text = (form.japanese.data or "").strip()
    if text and (row is None or text != row.text):
        row = translation.save_human(comment, text, **staff.audit)
        if not row.publishable:
            raise StillInView
        return [_("Translation saved.")]
    if form.translation_checked.data and row is not None and row.reviewed_at is None:
        kept = [_span(value) for value in request.form.getlist(TRANSLATION_KEEP)[:MAX_CHOICES]]
        translation.review(row, comment, kept=kept, **staff.audit)
        return [_("Translation reviewed: it can be published.")]
    return []


class StillInView(Exception):
    """The translation was saved but still shows personal data: the pass stops there."""


def _next_page(comment):
    """The next comment of the filter the moderator came from; the queue after the last one."""
    carried = queue_args(request.args)
    following = next_in_queue(filters_of(carried)[1], comment)
    if following is None:
        flash(_("That was the last comment in this filter."), "info")
        return redirect(url_for("moderation.queue", **carried), 303)
    return redirect(url_for("moderation.comment", receipt=following.receipt_number, **carried), 303)


@bp.route("/comments/<receipt>/pass", methods=["POST"])
def comment_pass(receipt: str):
    """Save the moderator's pass over the comment; "and next" opens the next one."""
    form = PassForm(prefix="pass")
    form.template.choices = [("", "—")]
    act = request.form.get("act", "save")
    quick = parse_int(request.form.get("quick"))
    if quick is not None:
        # a saved response's own button: that response, the approval, then the next comment
        form.template.data = str(quick)
        act = "approve_next"
    if act not in ACTS:
        abort(400)
    approve = act.startswith("approve")
    chosen = posted_choices()

    def apply(comment, form, staff):
        if parse_int(form.version.data) != comment.version:
            raise changed_meanwhile(comment.status, comment.version)
        # the response is checked first: a refusal there must not cost the rest
        data = response_input(comment, form)
        wants_response = not responses.unchanged(comment, data)
        if wants_response:
            check_response(form, data)
        done = _personal_data(comment, staff, chosen)
        try:
            done += _translation(comment, form, staff)
        except StillInView:
            # saved (a person's own words are kept) but neither approved nor answered yet
            stopped.append(True)
            return _(
                "Translation saved, but it still shows personal data (listed under the "
                "translation): hide it, or confirm what is not personal data, then mark the "
                "translation reviewed."
            ), "warning"
        if approve and comment.status not in {CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN}:
            form.version.data = str(comment.version)  # this pass's own changes came first
            done.append(str(take_decision(comment, form, staff, "approve", note=None)))
        if wants_response:
            responses.save_response(comment, data, **staff.audit)
            done.append(_("The city's response is saved."))
        if not done:
            return _("Nothing to save."), "info"
        return " ".join(done)

    def shown_again(comment, status=422, **kwargs):
        return render_comment(comment, status, choices=chosen, **kwargs)

    stopped: list[bool] = []
    then_next = act.endswith("next")
    return change_comment(
        receipt,
        form,
        apply,
        form_key="pass_form",
        after=lambda comment: (
            _next_page(comment)
            if then_next and not stopped
            else back(comment, "#translation" if stopped else "")
        ),
        render=shown_again,
    )
