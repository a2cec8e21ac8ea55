"""Blueprint: the moderation workspace (review queue, search, decisions, campaign groups)."""

from flask import Blueprint

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("moderation", __name__, url_prefix="/staff/moderation", template_folder="templates")
protect(bp, Role.MODERATOR)

from portal.moderation import (
    commands,  # noqa: E402,F401  (`portal moderation regroup`)
    queue,  # noqa: E402,F401  (registers the queue and group views)
)
