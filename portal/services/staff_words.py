"""The words staff read for every code: states, reasons, channels, languages and the rest.

One module, so that a state is called the same on a staff screen, in the committee's PDF and
in its spreadsheet: screens translate these messages into the staff member's language (the
staff catalog), files take their Japanese (`japanese`), from the same catalog entry. The mark
that replaces hidden personal data, [非公開], is never a state's name: a comment that is not
published is 不掲載.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.i18n import staff_translations
from portal.models.comments import CommentStatus, RejectionReason
from portal.models.moderation import Channel
from portal.services.disclosure.rules import PLACEHOLDER_JA
from portal.services.moderation.responses import CATEGORY_LABELS_JA

REDACTION_MARK = PLACEHOLDER_JA

# A comment's state as stored.
COMMENT_STATES = {
    CommentStatus.RECEIVED: _l("Pending"),
    CommentStatus.UNDER_REVIEW: _l("On hold"),
    CommentStatus.PUBLISHED: _l("Approved for publication"),
    CommentStatus.NOT_PUBLISHED: _l("Rejected"),
    CommentStatus.WITHDRAWN: _l("Withdrawn by the resident"),
}
# The committee's counts: the stored states, received ones and held ones counted together.
SUMMARY_STATES = {
    "received": _l("All received comments"),
    "published": COMMENT_STATES[CommentStatus.PUBLISHED],
    "not_published": COMMENT_STATES[CommentStatus.NOT_PUBLISHED],
    "pending": _l("Pending or on hold"),
    "withdrawn": COMMENT_STATES[CommentStatus.WITHDRAWN],
    "live": _l("Not withdrawn"),
}
REASONS = {
    RejectionReason.OFF_TOPIC: _l("Off-topic (not about this measure)"),
    RejectionReason.PERSONAL_INFORMATION: _l("Personal information that cannot be redacted"),
    RejectionReason.HARMS_OTHERS: _l("Harms others"),
    RejectionReason.COMMERCIAL: _l("Commercial or advertising"),
    RejectionReason.DUPLICATE: _l("Duplicate of the same person's comment"),
    RejectionReason.OTHER: _l("Other"),
}
CHANNELS = {
    Channel.WEB: _l("Web form"),
    Channel.POST: _l("Post"),
    Channel.FAX: _l("Fax"),
    Channel.EMAIL: _l("Email (channel)"),
    Channel.COUNTER: _l("At the counter"),
}
LANGUAGES = {
    "ja": _l("Japanese"),
    "ja-x-easy": _l("Easy Japanese"),
    "en": _l("English"),
    "pt-BR": _l("Portuguese"),
    "es": _l("Spanish"),
    "vi": _l("Vietnamese"),
    "zh-Hans": _l("Chinese (simplified)"),
    "tl": _l("Tagalog"),
    "ne": _l("Nepali"),
}
RESPONDENT_TYPES = {
    "lives": _l("Lives in the city"),
    "works": _l("Works in the city"),
    "studies": _l("Studies in the city"),
    "business": _l("Business in the city"),
    "interested": _l("Has an interest"),
}
AGE_BANDS = {
    "under_20": _l("Under 20"),
    "20s": _l("20s"),
    "30s": _l("30s"),
    "40s": _l("40s"),
    "50s": _l("50s"),
    "60s": _l("60s"),
    "70_plus": _l("70 or over"),
}
DISTRICTS = {
    "isesaki": _l("Isesaki"),
    "akabori": _l("Akabori"),
    "azuma": _l("Azuma"),
    "sakai": _l("Sakai"),
}
POSITIONS = {"agree": _l("Agrees"), "disagree": _l("Disagrees"), "neither": _l("Neither")}
# 対応区分: the official words of Japanese results, the same in every language.
RESPONSE_CATEGORIES = dict(CATEGORY_LABELS_JA)
VALUES = {
    "status": COMMENT_STATES,  # a comment's stored state
    "state": SUMMARY_STATES,  # a committee count (received, pending = received + on hold)
    "reason": REASONS,
    "channel": CHANNELS,
    "language": LANGUAGES,
    "respondent_type": RESPONDENT_TYPES,
    "age_band": AGE_BANDS,
    "district": DISTRICTS,
    "position": POSITIONS,
    "response_category": RESPONSE_CATEGORIES,
}
# The committee's breakdowns, named.
DIMENSIONS = {
    "state": _l("Comments by state"),
    "language": _l("By language"),
    "respondent_type": _l("By respondent"),
    "age_band": _l("By age band"),
    "district": _l("By district"),
    "channel": _l("By channel"),
    "position": _l("Overall position (context, not a vote)"),
    "reason": _l("Rejected, by reason"),
    "response_category": _l("By response category"),
    "part": _l("By part of the draft"),
}
NOT_GIVEN = _l("Not given")


def japanese(text) -> str:
    """A staff message in Japanese, whatever the page's language (for the committee's files)."""
    if isinstance(text, LazyString):
        msgid = text._args[0]
        return staff_translations("ja").gettext(msgid)
    return str(text)


def word(dimension: str, value, in_japanese: bool = False) -> str:
    """The word for a code: in the staff member's language, or in Japanese for a file."""
    if value in (None, "", "none"):
        found = NOT_GIVEN
    else:
        found = VALUES.get(dimension, {}).get(value)
        if found is None:
            # A code no list names (a language outside the nine): shown as given, never blank.
            return str(value)
    return japanese(found) if in_japanese else str(found)


def state_word(status: str, in_japanese: bool = False) -> str:
    """A comment's stored state in words."""
    return word("status", status, in_japanese)
