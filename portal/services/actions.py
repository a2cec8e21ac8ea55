"""What a staff action shares, whichever area's service runs it: a refusal that names the rule
it breaks, and the audit record that names what it acted on.

In the audit log a comment is named by its receipt number and a measure by its code, never by a
resident's words; the record joins the caller's transaction (`audit.record`).
"""

from __future__ import annotations

from datetime import datetime

from portal.models import Comment
from portal.models.measures import Measure
from portal.models.staff import StaffUser
from portal.services import audit


class Refused(Exception):
    """The change breaks a rule; `code` says which (for a message in the staff's language)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def record(
    action: str,
    target: Comment | Measure,
    *,
    actor: StaffUser,
    ip: str | None,
    now: datetime,
    **details,
) -> None:
    """Write `action` on a comment or a measure to the audit log, with `details` (names of
    fields, codes and counts, never a resident's words)."""
    if isinstance(target, Comment):
        object_type, object_id = "comment", target.receipt_number
    else:
        object_type, object_id = "measure", target.code
    audit.record(
        action,
        actor=actor,
        ip=ip,
        object_type=object_type,
        object_id=object_id,
        details=details,
        now=now,
    )
