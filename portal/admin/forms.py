"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.models.staff import Role


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes for choosing several values."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def role_choices():
    """The three staff roles, named for the admin."""
    return [
        SelectChoice(
            Role.ADMIN.value, _l("Administrator (measures, periods, accounts, audit log)")
        ),
        SelectChoice(Role.MODERATOR.value, _l("Moderator (reviews comments)")),
        SelectChoice(Role.COMMITTEE.value, _l("Committee member (summaries and downloads)")),
    ]


class NewAccountForm(FlaskForm):
    """A new staff account; its owner sets the password through a one-time link."""

    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(),
            Length(max=320),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an email address.")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices(), validators=[DataRequired()])


class RolesForm(FlaskForm):
    """The roles of an existing account."""

    roles = MultiCheckboxField(_l("Roles"), choices=role_choices())


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""


class MeasureTextForm(FlaskForm):
    """A measure's title, summary and full text in one locale."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5000)])
    body = TextAreaField(
        _l("Full text"),
        validators=[DataRequired(), Length(max=50000)],
        description=_l(
            "Paragraphs are separated by a blank line. [[key|term]] links a glossary term; "
            "{漢字|かんじ} adds furigana."
        ),
    )


class PeriodForm(FlaskForm):
    """A comment period in Japan time."""

    opens_at = DateTimeLocalField(
        _l("Opens (Japan time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (Japan time)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    short_reason = TextAreaField(
        _l("Reason for a period shorter than 30 days (shown to residents)"),
        validators=[Optional(), Length(max=2000)],
    )


class EndPeriodForm(FlaskForm):
    """Close a period now."""

    short_reason = TextAreaField(
        _l("Reason for ending early (shown to residents)"),
        validators=[Optional(), Length(max=2000)],
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (email)"), validators=[Optional(), Length(max=320)])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    object_id = StringField(_l("Object"), validators=[Optional(), Length(max=60)])
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()])


class SummaryForm(FlaskForm):
    """意見の要旨 of one row of a measure's results."""

    summary = TextAreaField(
        _l("Summary of the opinion (意見の要旨)"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Leave empty to publish the comment's redacted text."),
    )


class PublishResultsForm(FlaskForm):
    """The confirmation before results are published."""

    confirm = BooleanField(
        _l(
            "I have checked the table. Publish the results now: they cannot be taken back, "
            "only corrected with a dated note."
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class CorrectionForm(FlaskForm):
    """A dated correction to published results."""

    note = TextAreaField(
        _l("Correction (shown on the results page with today's date)"),
        validators=[DataRequired(), Length(max=4000)],
    )
