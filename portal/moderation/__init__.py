"""Blueprint: the moderators' workspace (queue, search, decisions, redaction, translations,
responses, campaign groups, paper comments)."""

from flask import Blueprint

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("moderation", __name__, url_prefix="/staff/moderation", template_folder="templates")
protect(bp, Role.MODERATOR)

# Views and the `portal moderation regroup` command register themselves on bp.
from portal.moderation import (  # noqa: E402,F401
    commands,
    comment,
    decisions,
    groups,
    items,
    one_pass,
    paper,
    queue,
    redactions,
    responses,
    row_translations,
    rows,
    translations,
    wording,
)
