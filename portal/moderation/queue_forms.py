"""Forms of the queue, the bulk decision and the campaign group pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.moderation.labels import channel_choices, reason_choices
from portal.services.staff_words import COMMENT_STATES


def state_choices():
    """The review states, named for moderators."""
    return [("", _l("Any state"))] + [(s.value, word) for s, word in COMMENT_STATES.items()]


class QueueFilterForm(FlaskForm):
    """The queue's filters and search (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Words in the text"), validators=[Optional(), Length(max=200)])
    measure = SelectField(_l("Measure"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    language = SelectField(_l("Language (declared or detected)"), validators=[Optional()])
    channel = SelectField(_l("Channel"), validators=[Optional()])
    since = DateField(_l("Received from (date)"), validators=[Optional()])
    until = DateField(_l("Received until (date)"), validators=[Optional()])
    group = IntegerField(
        _l("Campaign group number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    pii = BooleanField(_l("Only comments with personal-data suggestions"))
    missing = BooleanField(_l("Response missing: approved comments without the city's response"))
    order = SelectField(_l("Order"), default="newest", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices set after binding: WTForms 3.3 deprecates tuples passed to the constructor.
        self.state.choices = state_choices()
        self.channel.choices = channel_choices(("", _l("Any channel")))
        self.order.choices = [("newest", _l("Newest first")), ("oldest", _l("Oldest first"))]

    def validate_until(self, field):
        """A date range that ends before it starts is a typing mistake, not an empty result."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


# The queue's filters as URL arguments: carried to a comment's page and back, so "save and next"
# follows the same filter and the queue comes back as the moderator left it.
QUEUE_ARGS = ("q", "measure", "state", "language", "channel", "since", "until", "group", "pii",
              "missing", "order")  # fmt: skip


def queue_args(args) -> dict[str, str]:
    """The queue filters among `args` (a request's query), non-empty ones only."""
    return {name: args[name][:200] for name in QUEUE_ARGS if args.get(name)}


class DecisionForm(FlaskForm):
    """One decision for every selected comment (or every member of a group)."""

    decision = SelectField(
        _l("Decision"), validators=[InputRequired(message=_l("Choose a decision."))]
    )
    reason = SelectField(_l("Reason (for a rejection)"), default="")
    note = TextAreaField(_l("Note for staff (optional)"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("", _l("Choose a decision")),
            ("approve", _l("Approve for publication")),
            ("reject", _l("Reject (with a reason)")),
            ("hold", _l("Hold for later")),
            ("pending", _l("Return to waiting")),
        ]
        self.reason.choices = reason_choices()

    def validate_decision(self, field):
        """An empty choice is no decision."""
        if not field.data:
            raise ValidationError(_l("Choose a decision."))

    def validate_reason(self, field):
        """A rejection always names the reason the resident will see."""
        if self.decision.data == "reject" and not field.data:
            raise ValidationError(_l("A rejection needs a reason."))


class GroupActionForm(FlaskForm):
    """A button on a group page (confirm, remove members, split): CSRF only."""


class MergeForm(FlaskForm):
    """Merge another group of the same measure into this one."""

    other = SelectField(_l("Group to merge into this one"), coerce=int, choices=[])
