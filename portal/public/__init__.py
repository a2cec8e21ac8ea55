"""The residents' side: measures, the comment form and receipts, under a locale prefix."""

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/<locale:lang_code>", template_folder="templates")
root_bp = Blueprint("root", __name__)

from portal.public import routes  # noqa: E402,F401  (routes attach themselves to bp)
