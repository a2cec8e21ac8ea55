"""Blueprint: the moderators' workspace (queue, decisions, redaction, translations, responses)."""

from flask import Blueprint

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("moderation", __name__, url_prefix="/staff/moderation", template_folder="templates")
protect(bp, Role.MODERATOR)

from portal.moderation import comment  # noqa: E402,F401  (registers the views on bp)
