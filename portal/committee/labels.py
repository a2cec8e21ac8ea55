"""Names of the codes the committee's pages show, in the staff member's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DIMENSION_NAMES = {
    "language": _l("By language"),
    "respondent_type": _l("By respondent"),
    "age_band": _l("By age band"),
    "district": _l("By district"),
    "channel": _l("By channel"),
    "position": _l("Overall position (context, not a vote)"),
    "reason": _l("Not published, by reason"),
}
STATE_NAMES = {
    "received": _l("Received"),
    "published": _l("Approved"),
    "not_published": _l("Not published"),
    "pending": _l("Pending"),
    "withdrawn": _l("Withdrawn"),
    "live": _l("Not withdrawn"),
}
VALUE_NAMES = {
    "language": {
        "ja": _l("Japanese"),
        "ja-x-easy": _l("Easy Japanese"),
        "en": _l("English"),
        "pt-BR": _l("Portuguese"),
        "es": _l("Spanish"),
        "vi": _l("Vietnamese"),
        "zh-Hans": _l("Chinese (simplified)"),
        "tl": _l("Tagalog"),
        "ne": _l("Nepali"),
    },
    "channel": {
        "web": _l("Web"),
        "post": _l("Post"),
        "fax": _l("Fax"),
        "email": _l("Email"),
        "counter": _l("At the counter"),
    },
    "respondent_type": {
        "lives": _l("Lives in the city"),
        "works": _l("Works in the city"),
        "studies": _l("Studies in the city"),
        "business": _l("Business in the city"),
        "interested": _l("Has an interest"),
    },
    "age_band": {
        "under_20": _l("Under 20"),
        "20s": _l("20s"),
        "30s": _l("30s"),
        "40s": _l("40s"),
        "50s": _l("50s"),
        "60s": _l("60s"),
        "70_plus": _l("70 or over"),
    },
    "district": {
        "isesaki": _l("Isesaki"),
        "akabori": _l("Akabori"),
        "azuma": _l("Azuma"),
        "sakai": _l("Sakai"),
    },
    "position": {"agree": _l("Agrees"), "disagree": _l("Disagrees"), "neither": _l("Neither")},
    "reason": {
        "off_topic": _l("Off topic"),
        "personal_information": _l("Personal information"),
        "harms_others": _l("Harms others"),
        "commercial": _l("Commercial"),
        "duplicate": _l("Duplicate"),
        "other": _l("Other"),
    },
    "response_category": {
        "reflected": _l("Reflected in the plan"),
        "already_included": _l("Already included"),
        "for_reference": _l("For future reference"),
        "not_reflected": _l("Not reflected"),
        "out_of_scope": _l("Out of scope"),
    },
}
NOT_GIVEN = _l("Not given")


def value_name(dimension: str, value) -> str:
    """The name of a code in the staff member's language."""
    if value in (None, "", "none"):
        return str(NOT_GIVEN)
    known = VALUE_NAMES.get(dimension, {}).get(value)
    return str(known) if known is not None else str(value)
