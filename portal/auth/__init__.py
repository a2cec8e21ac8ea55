"""Blueprint: staff login with a second factor, logout, own password and authenticator."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="templates")

from portal.auth import routes  # noqa: E402,F401  (registers the views on bp)
