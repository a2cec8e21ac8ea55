"""The audit log read as sentences: "山田さんが PC-2026-000012 を掲載しました".

Every action the portal records has a sentence here (a test reads the action names from the
code and checks), with the staff member's name and the object's name in it; the details a
record keeps (field names, codes, counts) are given in words where a reader needs them, and
never as raw JSON on a screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditRecord, StaffUser
from portal.services.staff_words import word

# %(who)s: the staff member; %(object)s: what the action was done to.
SENTENCES = {
    # A moderator's decisions on a comment.
    "comment_approve": _l("%(who)s approved %(object)s for publication."),
    "comment_reject": _l("%(who)s rejected %(object)s."),
    "comment_hold": _l("%(who)s put %(object)s on hold."),
    "comment_pending": _l("%(who)s returned %(object)s to pending."),
    "comment_confirm_rejection": _l("%(who)s confirmed the rejection of %(object)s."),
    "comment_cancel_rejection": _l("%(who)s cancelled the proposed rejection of %(object)s."),
    "rejection_proposed": _l("%(who)s proposed to reject %(object)s."),
    # Personal data, translations, responses.
    "redaction_added": _l("%(who)s hid personal data in %(object)s."),
    "redaction_removed": _l("%(who)s showed again a part hidden in %(object)s."),
    "body_suggestions_kept": _l(
        "%(who)s confirmed that suggestions in %(object)s are not personal data."
    ),
    "translation_suggestions_kept": _l(
        "%(who)s confirmed that suggestions in the translation of %(object)s are not personal data."
    ),
    "translation_machine": _l("%(who)s had %(object)s machine-translated."),
    "translation_saved": _l("%(who)s saved a translation of %(object)s."),
    "translation_reviewed": _l("%(who)s marked the translation of %(object)s as reviewed."),
    "translation_review_withdrawn": _l(
        "%(who)s withdrew the review of the translation of %(object)s."
    ),
    "response_written": _l("%(who)s wrote the city's response to %(object)s."),
    "measure_link_added": _l("%(who)s linked %(object)s to another measure."),
    "measure_link_removed": _l("%(who)s removed a link of %(object)s to another measure."),
    "contact_viewed": _l("%(who)s looked at the contact details of %(object)s."),
    "paper_comment_entered": _l("%(who)s entered %(object)s from paper."),
    "attachment_uploaded": _l("%(who)s attached a scan to %(object)s."),
    "attachment_downloaded": _l("%(who)s opened the scan of %(object)s."),
    # Campaign groups.
    "group_confirmed": _l("%(who)s confirmed %(object)s."),
    "group_merged": _l("%(who)s merged another group into %(object)s."),
    "group_split": _l("%(who)s took comments out of %(object)s into a new group."),
    "group_created_by_split": _l("%(who)s made %(object)s from comments of another group."),
    "group_members_removed": _l("%(who)s took comments out of %(object)s."),
    "groups_regrouped": _l("%(who)s grouped the comments again."),
    # Results and the outline.
    "items_split": _l("%(who)s split %(object)s into points."),
    "items_resplit": _l("%(who)s split %(object)s into points again."),
    "item_edited": _l("%(who)s edited a point of %(object)s."),
    "items_removed": _l("%(who)s made %(object)s one point again."),
    "row_created": _l("%(who)s made a row of the results of %(object)s."),
    "row_items_added": _l("%(who)s added points to a row of the results of %(object)s."),
    "row_items_removed": _l("%(who)s took points out of a row of the results of %(object)s."),
    "row_split": _l("%(who)s split a row of the results of %(object)s."),
    "rows_merged": _l("%(who)s merged rows of the results of %(object)s."),
    "row_moved": _l("%(who)s moved a row of the results of %(object)s."),
    "row_answered": _l("%(who)s wrote the summary and response of a row of %(object)s."),
    "item_reposted": _l("%(who)s listed a point again (再掲) in a row of %(object)s."),
    "row_deleted": _l("%(who)s deleted a row of the results of %(object)s."),
    "results_published": _l("%(who)s published the results of %(object)s."),
    "results_corrected": _l("%(who)s published a correction of the results of %(object)s."),
    "results_redacted": _l("%(who)s hid personal data in the published results of %(object)s."),
    "results_summary_edited": _l("%(who)s edited a summary in the results of %(object)s."),
    "measure_text_edited": _l("%(who)s edited the text of %(object)s."),
    "period_changed": _l("%(who)s changed the comment period of %(object)s."),
    "outline_seeded": _l("%(who)s loaded the outline."),
    "outline_text_seeded": _l("%(who)s loaded the outline's texts."),
    # The committee.
    "committee_export": _l("%(who)s downloaded the committee's file of %(object)s."),
    # Saved texts.
    "template_created": _l("%(who)s saved a reusable text."),
    "template_deleted": _l("%(who)s deleted a reusable text."),
    # Accounts and logins.
    "account_created": _l("%(who)s created the account %(object)s."),
    "account_disabled": _l("%(who)s disabled the account %(object)s."),
    "account_enabled": _l("%(who)s enabled the account %(object)s."),
    "account_locked": _l("The account %(object)s was locked after failed logins."),
    "account_change_refused": _l("%(who)s was refused a change to the account %(object)s."),
    "roles_changed": _l("%(who)s changed the roles of %(object)s."),
    "login": _l("%(who)s logged in."),
    "login_failed": _l("A login as %(object)s failed."),
    "login_password_accepted": _l("%(who)s entered the right password (second step pending)."),
    "logout": _l("%(who)s logged out."),
    "session_ended": _l("A session of %(object)s was ended."),
    "password_changed": _l("%(who)s changed the password of %(object)s."),
    "password_link_created": _l("%(who)s made a password link for %(object)s."),
    "password_set_by_link": _l("%(who)s set a password through a link."),
    "second_factor_enrolled": _l("%(who)s set up the second login step."),
    "second_factor_replaced": _l("%(who)s replaced the second login step."),
    "second_factor_reset": _l("%(who)s reset the second login step of %(object)s."),
    "passkey_added": _l("%(who)s added a passkey."),
    "passkey_removed": _l("%(who)s removed a passkey."),
    "passkey_refused": _l("A passkey of %(object)s was refused."),
    # Operations.
    "contacts_purged": _l("Contact details past their keeping period were deleted."),
}
OBJECTS = {
    "comment": _l("comment %(id)s"),
    "measure": _l("measure %(id)s"),
    "campaign_group": _l("campaign group %(id)s"),
    "export": _l("%(id)s"),
    "moderation_template": _l("reusable text %(id)s"),
}
# Details worth a reader's eye, in words (the rest: field names and counts for auditors).
DETAIL_NAMES = {
    "reason": _l("Reason"),
    "format": _l("File"),
    "encoding": _l("Encoding"),
    "measure": _l("Measure"),
    "category": _l("Response category"),
    "members": _l("Comments"),
    "minutes": _l("Minutes"),
}


@dataclass(frozen=True)
class Entry:
    """One audit record as a reader sees it."""

    record: AuditRecord
    sentence: str
    facts: list[tuple[str, str]]


def _scope_name(key: str) -> str:
    if key == "all":
        return _("all measures")
    kind, _sep, rest = key.partition("-")
    if kind == "area":
        return _("priority area %(n)s", n=rest)
    return _("measure %(code)s", code=rest)


def _object(record: AuditRecord, names: dict[int, str]) -> str:
    object_id = record.object_id or ""
    if record.object_type == "staff_user":
        try:
            return names.get(int(object_id), object_id)
        except ValueError:
            return object_id
    if record.object_type == "export":
        return _scope_name(object_id)
    template = OBJECTS.get(record.object_type or "")
    return str(template) % {"id": object_id} if template is not None else object_id


def _facts(details: dict) -> list[tuple[str, str]]:
    facts = []
    for key, name in DETAIL_NAMES.items():
        value = details.get(key)
        if value in (None, "", [], False):
            continue
        if key == "reason":
            value = word("reason", value)
        elif key == "category":
            value = word("response_category", value)
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value)
        facts.append((str(name), str(value)))
    return facts


def sentence(record: AuditRecord, names: dict[int, str]) -> str:
    """One record as a sentence in the staff member's language."""
    name = names.get(record.actor_id) if record.actor_id else None
    name = name or record.actor_email
    who = _("%(name)s (a staff member)", name=name) if name else _("The system")
    template = SENTENCES.get(record.action)
    if template is None:
        return _("%(who)s: a recorded action.", who=who)
    return str(template) % {"who": who, "object": _object(record, names)}


def action_name(action: str) -> str:
    """An action in words, for the audit log's filter ("(staff) approved (comment) …")."""
    template = SENTENCES.get(action)
    if template is None:
        return action
    return str(template) % {"who": _("(staff)"), "object": _("(object)")}


def entries(records: list[AuditRecord]) -> list[Entry]:
    """The records as sentences with their facts in words, names looked up once."""
    ids = {r.actor_id for r in records if r.actor_id}
    ids |= {
        int(r.object_id)
        for r in records
        if r.object_type == "staff_user" and (r.object_id or "").isdigit()
    }
    names = (
        dict(
            db.session.execute(
                select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    found = []
    for record in records:
        try:
            details = json.loads(record.details or "{}")
        except ValueError:
            details = {}
        found.append(Entry(record, sentence(record, names), _facts(details)))
    return found
