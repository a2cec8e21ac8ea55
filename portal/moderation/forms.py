"""Forms of the comment page, the paper-comment entry and the wording templates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.i18n import LOCALES
from portal.models.comments import RespondentType
from portal.models.moderation import ResponseCategory
from portal.moderation.labels import channel_choices, reason_choices
from portal.services.moderation.responses import CATEGORY_LABELS_JA

EASY_JAPANESE = "ja-x-easy"


def language_choices():
    """Languages a comment may be written in (as on the residents' form)."""
    return [(loc.tag, loc.native_name) for loc in LOCALES if loc.tag != EASY_JAPANESE] + [
        ("other", _l("Another language"))
    ]


def respondent_choices():
    """Who may comment (citizen participation ordinance)."""
    return [
        (RespondentType.LIVES.value, _l("Lives in the city")),
        (RespondentType.WORKS.value, _l("Works in the city")),
        (RespondentType.STUDIES.value, _l("Studies in the city")),
        (RespondentType.BUSINESS.value, _l("Business or group in the city")),
        (RespondentType.INTERESTED.value, _l("Other interested party")),
    ]


class VersionedForm(FlaskForm):
    """A form that carries the comment's version as the moderator saw it."""

    version = HiddenField(validators=[InputRequired()])


class DecisionForm(VersionedForm):
    """Approve, hold, return to pending, confirm or cancel a proposed rejection."""

    decision = HiddenField(validators=[InputRequired()])
    # Only the hold form shows these: why the comment waits, in the staff's words or a template's.
    hold_template = SelectField(_l("Use a saved note"), choices=[], validate_choice=False)
    hold_note = TextAreaField(_l("Note for staff"), validators=[Optional(), Length(max=2000)])


class RejectForm(VersionedForm):
    """Reject with a reason category and a staff note (or a template's wording)."""

    reason = SelectField(_l("Reason"), choices=reason_choices, validate_choice=False)
    template = SelectField(_l("Use a saved note"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note for staff"), validators=[Optional(), Length(max=2000)])


class RedactionForm(FlaskForm):
    """Spans to hide: ticked suggestions, every occurrence of a text, or offsets."""

    field = HiddenField(default="body")
    exact_text = StringField(
        _l("Hide every occurrence of this exact text"), validators=[Optional(), Length(max=500)]
    )
    start = IntegerField(_l("From character"), validators=[Optional(), NumberRange(min=0)])
    end = IntegerField(_l("To character (exclusive)"), validators=[Optional(), NumberRange(min=1)])
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [
            ("name", _l("Name")),
            ("address", _l("Address")),
            ("phone", _l("Phone number")),
            ("email", _l("Email address")),
            ("affiliation", _l("School or workplace")),
            ("other", _l("Other")),
        ],
        default="name",
    )


class TranslationForm(FlaskForm):
    """The Japanese translation as a moderator writes or edits it."""

    text = TextAreaField(_l("Japanese translation"), validators=[DataRequired(), Length(max=20000)])


def category_choices():
    """The response categories (対応区分), none first."""
    return [("", "—")] + [(c.value, CATEGORY_LABELS_JA[c]) for c in ResponseCategory]


class ResponseForm(FlaskForm):
    """The city's response (市の考え方) with its category and the summary (意見の要旨).

    Neither the text nor the category is required in the browser: a saved response fills both
    when they are left empty (`responses.fill_from_saved`), and the server says what is missing.
    """

    category = SelectField(
        _l("Response category"),
        choices=category_choices,
        validators=[Optional()],
        validate_choice=False,
    )
    summary = TextAreaField(
        _l("Summary of the comment (意見の要旨)"), validators=[Optional(), Length(max=2000)]
    )
    text_ja = TextAreaField(
        _l("The city's response in Japanese (市の考え方)"),
        validators=[Optional(), Length(max=5000)],
    )
    translation = TextAreaField(
        _l("Translation of the response into the comment's language"),
        validators=[Optional(), Length(max=8000)],
    )
    # The comment page draws this form with the prefix "pass-" (PassForm), so its ids never
    # meet the page's section ids (#translation).
    template = SelectField(_l("Use a saved response"), choices=[], validate_choice=False)


class PassForm(ResponseForm, VersionedForm):
    """One pass over a comment: its translation, the decision and the response, in one submit.
    (The personal-data choices and the decision come as plain form values: one per
    suggestion, and the button pressed.)"""

    japanese = TextAreaField(
        _l("Japanese translation (write or edit)"), validators=[Optional(), Length(max=20000)]
    )
    translation_checked = BooleanField(_l("I have checked the translation: it can be published"))


class LinkForm(FlaskForm):
    """Another measure this comment also concerns."""

    measure = SelectField(_l("Also concerns measure"), choices=[], validators=[DataRequired()])


class PaperCommentForm(FlaskForm):
    """A comment that arrived by post, fax, email or at the counter."""

    measure = SelectField(_l("Measure"), choices=[], validators=[DataRequired()])
    channel = SelectField(_l("Received by"), choices=channel_choices, validators=[DataRequired()])
    received_on = DateField(_l("Date received"), validators=[InputRequired()])
    body = TextAreaField(_l("Text of the comment"), validators=[DataRequired(), Length(max=20000)])
    language = SelectField(_l("Language of the comment"), choices=language_choices, default="ja")
    respondent_type = SelectField(
        _l("Respondent"), choices=respondent_choices, validators=[DataRequired()]
    )
    name = StringField(_l("Name (if given)"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address (if given)"), validators=[Optional(), Length(max=300)])
    email = StringField(
        _l("Email (if given)"),
        validators=[
            Optional(),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an email address.")),
            Length(max=320),
        ],
    )
    phone = StringField(_l("Phone (if given)"), validators=[Optional(), Length(max=40)])
    scan = FileField(_l("Scan of the letter (PDF, JPEG or PNG, up to 10 MB)"))


class TemplateForm(FlaskForm):
    """Reusable wording for rejections, holds and responses."""

    kind = SelectField(
        _l("Used for"),
        choices=lambda: [
            ("rejection", _l("Rejection note")),
            ("hold", _l("Hold note")),
            ("response", _l("City response")),
        ],
        validators=[DataRequired()],
    )
    reason = SelectField(_l("Reason (rejections)"), choices=reason_choices, validators=[Optional()])
    category = SelectField(
        _l("Response category (saved responses)"),
        choices=category_choices,
        validators=[Optional()],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""
