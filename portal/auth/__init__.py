"""Blueprint: staff login with a second factor, logout, one's own account.

`login` holds the two login steps (a code or a passkey) and logout; `account` the pages of
one's own account (start page, the account page with its sessions, password, the one-time
password link, language); `second_factor` the authenticator app and the passkeys.
"""

from flask import Blueprint

from portal.staff_access import _set_staff_locale

bp = Blueprint("auth", __name__, url_prefix="/staff", template_folder="templates")
# Login pages are staff pages too: Japanese, or English when chosen.
bp.before_request(_set_staff_locale)

# The view modules register on `bp`, so they are imported once it exists.
from portal.auth import account, login, second_factor  # noqa: E402,F401
