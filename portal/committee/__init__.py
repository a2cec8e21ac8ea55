"""Blueprint: the committee's figures, frequent terms, approved comments and downloads."""

from flask import Blueprint

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("committee", __name__, url_prefix="/staff/committee", template_folder="templates")
protect(bp, Role.COMMITTEE, Role.MODERATOR, Role.ADMIN)

from portal.committee import routes  # noqa: E402,F401  (registers the views on bp)
