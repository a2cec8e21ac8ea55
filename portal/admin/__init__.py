"""Blueprint: administration of measures, comment periods, published results, staff accounts
and the audit log.

One module per concern registers its views on `bp`: `measures` (texts and comment periods),
`results` (draft, publication, corrections), `accounts` and `audit_log`; `common` holds the
little they share.
"""

from flask import Blueprint, render_template

from portal.models.staff import Role
from portal.staff_access import protect

bp = Blueprint("admin", __name__, url_prefix="/staff/admin", template_folder="templates")
protect(bp, Role.ADMIN)


@bp.route("/")
def index():
    """Start page of the administration."""
    return render_template("admin/index.html")


# The view modules register on `bp`, so they are imported once it exists.
from portal.admin import accounts, audit_log, measures, results  # noqa: E402,F401
