"""The audit log page: every record, newest first, filtered by who, action, object and time."""

from __future__ import annotations

import json

from flask import render_template, request
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import AuditFilterForm
from portal.converters import int_arg
from portal.services import audit, audit_words

AUDIT_PAGE_SIZE = 50


def _pretty(details: str) -> str:
    return json.dumps(json.loads(details), ensure_ascii=False, indent=1)


@bp.route("/audit")
def audit_log():
    """The audit log, newest first, filtered by who, action, object and time range."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All"))] + [
        (a, audit_words.action_name(a)) for a in audit.recorded_values("action")
    ]
    form.object_type.choices = [("", _("All"))] + [
        (t, t) for t in audit.recorded_values("object_type")
    ]
    valid = form.validate()
    filters = {}
    if valid:
        filters = {
            "actor_email": form.actor.data,
            "action": form.action.data,
            "object_type": form.object_type.data,
            "object_id": form.object_id.data,
            "since": form.since.data,
            "until": form.until.data,
        }
    records, more = audit.search(**filters, before=int_arg("before"), limit=AUDIT_PAGE_SIZE)
    next_args = {k: v for k, v in request.args.items() if k != "before"}
    if more:
        next_args["before"] = records[-1].id
    return (
        render_template(
            "admin/audit.html",
            form=form,
            records=records,
            more=more,
            next_args=next_args,
            pretty=_pretty,
        ),
        200 if valid or not request.args else 422,
    )


@bp.app_template_global()
def audit_entries(records) -> list[audit_words.Entry]:
    """Audit records as sentences, for the audit log and every page's history."""
    return audit_words.entries(list(records))
