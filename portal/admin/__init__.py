"""Blueprint: administration of measures, comment periods, staff accounts and the audit log."""

from flask import Blueprint

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("admin", __name__, url_prefix="/staff/admin", template_folder="templates")
protect(bp, Role.ADMIN)

from portal.admin import routes  # noqa: E402,F401  (registers the views on bp)
