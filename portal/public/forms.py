"""The resident's forms: the comment form, the receipt lookup and withdrawal."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import StopValidation, ValidationError

from portal.i18n import LOCALES
from portal.models import Measure
from portal.models.comments import AgeBand, District, Position, RespondentType
from portal.services.resident import proposed_parts
from portal.services.resident.submission import CommentInput, ContactInput
from portal.services.sanitize import (
    clean_line,
    clean_text,
    has_visible_text,
    private_use_characters,
)

OTHER_LANGUAGE = "other"
EASY_JAPANESE = "ja-x-easy"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9０-９+()（）\-‐－ー \u3000]{6,30}$")


class _ChoiceMixin:
    """Our own, translated message for a value outside the offered choices.

    A required question passes `required_message`: nothing chosen then gives that one message
    and stops, instead of a second, generic "choose one of the options" for the same mistake.
    """

    def __init__(self, *args, required_message=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.required_message = required_message

    def pre_validate(self, form) -> None:
        if self.data is None:  # an optional field left out of the request entirely
            self.data = ""
        if not self.data and self.required_message:
            raise StopValidation(str(self.required_message))
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_("Please choose one of the options."))


class ChoiceField(_ChoiceMixin, SelectField):
    """A drop-down whose invalid choices get a translated error."""


class RadioChoiceField(_ChoiceMixin, RadioField):
    """Radio buttons whose invalid choices get a translated error."""


class OptionalChoiceField(ChoiceField):
    """A drop-down that may be left out of the request (a form rendered before it was offered):
    nothing sent means nothing chosen; anything else must be one of the choices."""

    def pre_validate(self, form) -> None:
        if not self.data:
            self.data = ""
            return
        super().pre_validate(form)


def language_choices() -> list[tuple[str, str]]:
    """The languages a comment can be declared in, each named in itself."""
    # Easy Japanese is a way of writing for readers, not a language of its own: comments are "ja".
    return [
        (locale.tag, locale.native_name) for locale in LOCALES if locale.tag != EASY_JAPANESE
    ] + [(OTHER_LANGUAGE, _("Another language"))]


def default_comment_language(page_tag: str) -> str:
    """The comment language pre-selected on a page in `page_tag`."""
    return "ja" if page_tag == EASY_JAPANESE else page_tag


def _limit(field, maximum: int) -> None:
    if len(clean_line(field.data)) > maximum:
        raise ValidationError(
            ngettext(
                "Please shorten this to %(num)s character.",
                "Please shorten this to %(num)s characters.",
                maximum,
            )
        )


def _readable_everywhere(text: str) -> None:
    """Refuse private-use characters: kept, they would show as empty boxes to city staff."""
    if private_use_characters(text):
        raise ValidationError(
            _(
                "This contains characters that only your own device can show (private-use "
                "characters, such as 外字). Please replace them, for example with their reading "
                "in kana."
            )
        )


def contact_input(form) -> ContactInput:
    """The contact details of a comment form (a resident's, or a paper comment's) as the
    submission service takes them; a field left empty is an empty string."""
    return ContactInput(
        name=form.name.data or "",
        address=form.address.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
    )


class CommentForm(FlaskForm):
    """A comment on one measure, with who is commenting and optional contact details."""

    body = TextAreaField(_l("Your comment"))
    # Offered only on a text of several paragraphs (see offer_parts); removed otherwise.
    proposed_part = OptionalChoiceField(_l("Which part is your comment about?"))
    language = ChoiceField(_l("Language of your comment"))
    respondent_type = RadioChoiceField(
        _l("Your connection to Isesaki City"),
        required_message=_l("Please choose how you are connected to the city."),
    )
    age_band = ChoiceField(_l("Age (optional)"))
    district = ChoiceField(_l("District (optional)"))
    position = RadioChoiceField(_l("Overall, on this measure you… (optional)"))
    name = StringField(_l("Name"))
    # Several lines, so `autocomplete="street-address"` is valid on it (not on an <input>).
    address = TextAreaField(_l("Address"))
    email = EmailField(_l("Email"))
    phone = TelField(_l("Phone"))
    consent = BooleanField(_l("I have read the privacy notice and agree to it."))
    # E-mail notices (offered only when the city's mail server is configured).
    notify_results = BooleanField(_l("E-mail me when the results of this measure are published"))
    notify_consultations = BooleanField(
        _l("E-mail me when the city opens a new consultation (you will be asked to confirm)")
    )
    # One per rendered form: sending the same form twice gives back the first receipt.
    submission_token = HiddenField()

    def __init__(self, *args, max_length: int, require_contact: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.require_contact = require_contact
        self.language.choices = language_choices()
        self.respondent_type.choices = [
            (RespondentType.LIVES, _("I live in the city")),
            (RespondentType.WORKS, _("I work in the city")),
            (RespondentType.STUDIES, _("I study in the city")),
            (RespondentType.BUSINESS, _("I run a business or group with an office in the city")),
            (RespondentType.INTERESTED, _("Other interested party")),
        ]
        self.age_band.choices = [
            ("", _("Prefer not to say")),
            (AgeBand.UNDER_20, _("Under 20")),
            (AgeBand.TWENTIES, _("20–29")),
            (AgeBand.THIRTIES, _("30–39")),
            (AgeBand.FORTIES, _("40–49")),
            (AgeBand.FIFTIES, _("50–59")),
            (AgeBand.SIXTIES, _("60–69")),
            (AgeBand.SEVENTY_PLUS, _("70 or over")),
        ]
        self.district.choices = [
            ("", _("Prefer not to say / outside the city")),
            (District.ISESAKI, _("Isesaki")),
            (District.AKABORI, _("Akabori")),
            (District.AZUMA, _("Azuma")),
            (District.SAKAI, _("Sakai")),
        ]
        self.position.choices = [
            ("", _("Prefer not to say")),
            (Position.AGREE, _("agree")),
            (Position.DISAGREE, _("disagree")),
            (Position.NEITHER, _("neither agree nor disagree")),
        ]

    def offer_parts(self, measure: Measure, locale: str) -> None:
        """Let the resident say which paragraph of `measure` the comment is about, in
        `locale`, when its text has several; otherwise the form does not ask."""
        if not proposed_parts.offers_parts(measure):
            del self.proposed_part
            return
        whole = _("The whole chapter") if measure.is_chapter else _("The whole measure")
        self.proposed_part.choices = proposed_parts.choices(
            measure,
            locale,
            whole,
            lambda number, start: _(
                "Paragraph %(number)s: %(paragraph)s", number=number, paragraph=start
            ),
        )

    def comment_input(self) -> CommentInput:
        """What the resident sent, as the submission service takes it."""
        return CommentInput(
            body=self.body.data,
            proposed_part=self.proposed_part.data if "proposed_part" in self else None,
            declared_language=self.language.data,
            respondent_type=self.respondent_type.data,
            age_band=self.age_band.data,
            district=self.district.data,
            position=self.position.data,
            contact=contact_input(self),
        )

    def validate_body(self, field) -> None:
        """Not empty once cleaned, and within the length limit."""
        text = clean_text(field.data)
        if not has_visible_text(text):  # empty, or only zero-width and other invisible marks
            raise ValidationError(_("Please write your comment."))
        _readable_everywhere(text)
        if len(text) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Your comment has %(num)s character; the limit is %(limit)s. "
                    "Please shorten it.",
                    "Your comment has %(num)s characters; the limit is %(limit)s. "
                    "Please shorten it.",
                    len(text),
                    limit=self.max_length,
                )
            )

    def validate_name(self, field) -> None:
        """Required when the city's rules ask for it."""
        if self.require_contact and not has_visible_text(clean_line(field.data)):
            raise ValidationError(_("Please enter your name. It will not be published."))
        _limit(field, 200)
        _readable_everywhere(clean_line(field.data))

    def validate_address(self, field) -> None:
        """Required when the city's rules ask for it."""
        if self.require_contact and not has_visible_text(clean_line(field.data)):
            raise ValidationError(_("Please enter your address. It will not be published."))
        _limit(field, 500)
        _readable_everywhere(clean_line(field.data))

    def validate_email(self, field) -> None:
        """Optional, but it must look like an address when given (and is needed for notices)."""
        value = clean_line(field.data)
        if not value and (self.notify_results.data or self.notify_consultations.data):
            raise ValidationError(_("Please enter your e-mail address to receive notices."))
        if value and (len(value) > 254 or not _EMAIL.match(value)):
            raise ValidationError(
                _("Please check the email address (for example: name@example.jp).")
            )

    def validate_phone(self, field) -> None:
        """Optional, digits and the usual separators only."""
        value = clean_line(field.data)
        if value and not _PHONE.match(value):
            raise ValidationError(
                _("Please check the phone number (digits, spaces, + and - only).")
            )

    def validate_consent(self, field) -> None:
        """Nothing is stored without the resident's agreement to the privacy notice."""
        if not field.data:
            raise ValidationError(_("Please agree to the privacy notice to send your comment."))


class ReceiptLookupForm(FlaskForm):
    """Receipt number and access key, as printed on the receipt."""

    receipt_number = StringField(_l("Receipt number"))
    access_key = StringField(_l("Access key"))

    def validate_receipt_number(self, field) -> None:
        """Both parts of the receipt are needed."""
        if not clean_line(field.data):
            raise ValidationError(_("Please enter the receipt number."))

    def validate_access_key(self, field) -> None:
        """Both parts of the receipt are needed."""
        if not clean_line(field.data):
            raise ValidationError(_("Please enter the access key."))


class WithdrawForm(FlaskForm):
    """Withdraws a comment; carries the receipt so the page needs no login."""

    receipt_number = HiddenField()
    access_key = HiddenField()
    confirm = BooleanField(_l("Yes, withdraw my comment. I understand this cannot be undone."))

    def validate_confirm(self, field) -> None:
        """A tap on the button alone is not enough: withdrawing cannot be undone."""
        if not field.data:
            raise ValidationError(_("Please tick the box to confirm that you want to withdraw."))


class ConsultationNoticeForm(FlaskForm):
    """An address to be told when a new consultation opens (no comment needed)."""

    email = EmailField(_l("Email"))

    def validate_email(self, field) -> None:
        """Required, and it must look like an address."""
        value = clean_line(field.data)
        if not value:
            raise ValidationError(_("Please enter your e-mail address to receive notices."))
        if len(value) > 254 or not _EMAIL.match(value):
            raise ValidationError(
                _("Please check the email address (for example: name@example.jp).")
            )


class ReceiptNoticeForm(ConsultationNoticeForm):
    """Notices asked for on the receipt page; carries the receipt like the withdrawal form."""

    receipt_number = HiddenField()
    access_key = HiddenField()
    notify_results = BooleanField(_l("E-mail me when the results of this measure are published"))
    notify_consultations = BooleanField(
        _l("E-mail me when the city opens a new consultation (you will be asked to confirm)")
    )

    def validate_notify_results(self, field) -> None:
        """At least one kind of notice."""
        if not (field.data or self.notify_consultations.data):
            raise ValidationError(_("Please choose at least one kind of e-mail."))
