"""What moderators read for the codes the comment page shows: states, channels, refusals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.services.staff_words import CHANNELS, COMMENT_STATES, REASONS

# One set of words for every screen and file (services.staff_words).
STATUS_LABELS = COMMENT_STATES
REASON_LABELS = REASONS
CHANNEL_LABELS = CHANNELS
# What the personal-data suggestions and hidden spans are, in words (never the code).
KIND_LABELS = {
    "name": _l("Name"),
    "address": _l("Address or place of residence"),
    "phone": _l("Phone number"),
    "email": _l("Email address"),
    "postal_code": _l("Postal code"),
    "my_number": _l("My Number"),
    "car_plate": _l("Car number plate"),
    "affiliation": _l("School or workplace"),
    "other": _l("Other"),
    "hidden_in_body": _l("Hidden in the comment"),
}


def kind_label(kind: str) -> str:
    """The name of a kind of personal data, in the staff member's language."""
    return str(KIND_LABELS.get(kind, KIND_LABELS["other"]))


REFUSAL_MESSAGES = {
    "withdrawn": _l("The resident has withdrawn this comment: it takes no decision."),
    "results_published": _l(
        "The results of this measure are published: this can no longer change. Only hiding "
        "personal data is still possible (it is published as a dated correction)."
    ),
    "no_proposal": _l("There is no proposed rejection to confirm or cancel."),
    "same_moderator": _l(
        "You proposed this rejection yourself: a second moderator must confirm it."
    ),
    "reason_required": _l("Choose a reason for the rejection."),
    "already": _l("The comment is already in this state."),
    "unresolved_personal_data": _l(
        "Personal-data suggestions are still open: hide each one, or confirm it is not personal "
        "data, before approving."
    ),
    "field": _l("Unknown text field."),
    "no_text": _l("There is no translation to redact yet."),
    "personal_data": _l(
        "The translation still shows personal data (listed under the translation): hide it, "
        "or confirm what is not personal data, then mark it reviewed."
    ),
    "bad_span": _l("The characters given are outside the text."),
    "not_found": _l("This hidden span no longer exists."),
    "not_approved": _l("Approve the comment before writing the city's response."),
    "category": _l("Choose a response category."),
    "same_measure": _l("This is the comment's own measure."),
    "already_linked": _l("The comment is already linked to this measure."),
    "not_linked": _l("The comment is not linked to this measure."),
    "linked_results_published": _l(
        "The results of that measure are published: the comments shown in them (再掲) can no "
        "longer change."
    ),
}


def refusal_text(code: str) -> str:
    """Why a change to a comment was refused, in the moderator's language."""
    return str(REFUSAL_MESSAGES.get(code, _l("This change is not allowed.")))


def reason_choices() -> list[tuple[str, str]]:
    """The rejection reasons residents see on their receipt page, for a select."""
    return [("", _l("Choose a reason"))] + [(r.value, label) for r, label in REASON_LABELS.items()]


def channel_choices(first: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """How comments reach the city, for a select (paper channels only when `first` is None)."""
    channels = [(c.value, label) for c, label in CHANNEL_LABELS.items()]
    return [first, *channels] if first else channels[1:]
