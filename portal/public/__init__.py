"""The residents' side: measures, the comment form and receipts, under a locale prefix."""

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/<locale:lang_code>", template_folder="templates")
root_bp = Blueprint("root", __name__)

# The view modules attach themselves to bp and root_bp.
from portal.public.routes import (  # noqa: E402,F401
    commenting,
    feeds,
    notices,
    pages,
    policies,
    receipts,
    results,
)
