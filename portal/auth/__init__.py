"""Blueprint: staff login with a second factor, logout, own password and authenticator.

`login` holds the two login steps and logout; `account` the pages of one's own account (start
page, password, authenticator, the one-time password link, language).
"""

from flask import Blueprint

from portal.staff_access import _set_staff_locale

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="templates")
# Login pages are staff pages too: Japanese, or English when chosen.
bp.before_request(_set_staff_locale)

# The view modules register on `bp`, so they are imported once it exists.
from portal.auth import account, login  # noqa: E402,F401
