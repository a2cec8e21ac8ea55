"""What every staff page stands on: who is logged in, for how long, with which roles.

Each staff blueprint calls `protect(bp, roles)`: its pages then need a logged-in account that
holds one of `roles` (a visitor who is not logged in gets the login page, an account without the
role a 403 page), and they are sent with `no-store` and `noindex`. Sessions end after 30 minutes
idle and 12 hours at most; logout, a password change or a disabled account end every session of
that account (the session version in the login id no longer matches).
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.database import utcnow
from portal.extensions import db, login_manager
from portal.i18n import BY_TAG
from portal.models.staff import StaffSession, StaffUser
from portal.services import audit
from portal.services.staff import sessions

log = logging.getLogger(__name__)

STAFF_LOCALES = ("ja", "en")
STAFF_LOCALE = "staff_locale"
# Keys of the staff login in Flask's session cookie: the token of a login waiting for its
# second factor, and where to go after it (Flask-Login keeps the logged-in token itself).
PENDING = "staff_pending"
PENDING_NEXT = "staff_pending_next"
ENROL_SECRET = "staff_enrol_secret"  # noqa: S105 - a session key name


@login_manager.user_loader
def load_staff_user(login_id: str) -> StaffUser | None:
    """The account of the server-side session whose token the cookie holds, while it is live."""
    row = sessions.find_active(login_id)
    if row is None:
        return None
    g.staff_session = row
    user = row.user
    user.login_id = login_id
    return user


def current_session() -> StaffSession | None:
    """The server-side session of this request's login (after `require_login`)."""
    return g.get("staff_session")


def user_agent() -> str:
    """The browser's User-Agent header (summarised before it is stored)."""
    return request.headers.get("User-Agent", "")[:500]


def client_address() -> str:
    """The visitor's address as the proxy set-up reports it (for the audit log)."""
    return (request.remote_addr or "")[:64]


def safe_next(target: str | None) -> str | None:
    """`target` if it is a staff page of this site, else None (no open redirect).

    Browsers read `//host`, `/\\host`, `https:host` and tab/newline-split variants as another
    site: only a plain path under /staff/ with no scheme, host or control character passes.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/staff/") or target.startswith("//"):
        return None
    return target


def _set_staff_locale() -> None:
    tag = session.get(STAFF_LOCALE, "ja")
    g.portal_locale = BY_TAG[tag if tag in STAFF_LOCALES else "ja"]
    g.staff_area = True


def end_staff_session() -> None:
    """Forget the login in this browser (the server-side rows are ended by the caller)."""
    logout_user()
    g.pop("staff_session", None)
    for key in (PENDING, PENDING_NEXT, ENROL_SECRET):
        session.pop(key, None)


def must_enrol(user: StaffUser) -> bool:
    """True while the account must set up its second factor before any other staff page."""
    return second_factor_required() and not user.has_second_factor


def require_login():
    """before_request: a staff page needs a live login (and, where required, a second factor)."""
    _set_staff_locale()
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    row = current_session()
    now = utcnow()
    if sessions.expired(row, now):
        sessions.end(row, "expired", now)
        db.session.commit()
        end_staff_session()
        return redirect(url_for("auth.login", expired=1))
    if sessions.touch(row, now):
        db.session.commit()
    if must_enrol(current_user) and request.endpoint not in ("auth.second_factor", "auth.logout"):
        return redirect(url_for("auth.second_factor"))
    return None


def needs_login(view):
    """A page of the auth blueprint that needs a live login (other blueprints use `protect`)."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        refused = require_login()
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return checked


def form_page(template: str, form, **context):
    """A page with `form` on it: sent as 422 when the form came back with errors, else 200."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def protect(bp: Blueprint, *roles: str) -> None:
    """Make every page of `bp` a staff page open to accounts holding any of `roles`."""

    def check_role():
        refused = require_login()
        if refused is not None:
            return refused
        if roles and not current_user.has_role(*roles):
            log.warning("staff %s refused %s (needs %s)", current_user.id, request.path, roles)
            abort(403)
        return None

    bp.before_request(check_role)


def staff_headers(response):
    """Staff pages are never cached or indexed."""
    if request.path.startswith("/staff"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def forbidden(error):
    """A logged-in account without the page's role: a 403 page, never the data."""
    _set_staff_locale()
    return (
        render_template(
            "staff/error.html",
            title=_("You do not have access to this page"),
            message=_(
                "Your account does not hold the role this page needs. "
                "Ask an administrator if you should have it."
            ),
        ),
        403,
    )


def init_app(app: Flask) -> None:
    """Bind Flask-Login and the staff headers."""
    app.register_error_handler(403, forbidden)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = None  # `require_login` redirects itself, keeping `next` safe
    app.after_request(staff_headers)
    # Menus link only to staff areas that exist in this installation.
    app.context_processor(lambda: {"staff_endpoints": app.view_functions})
    # Codes in words on every staff page: one set of words (services/staff_words.py).
    from portal.services.staff_words import word

    app.add_template_global(word, "staff_word")
    if app.config["PORTAL_ENV"] == "production" and not app.config["PORTAL_REQUIRE_SECOND_FACTOR"]:
        logging.getLogger("portal").warning(
            "PORTAL_REQUIRE_SECOND_FACTOR is off: staff can log in with a password alone"
        )


def is_staff_request() -> bool:
    """True while serving a staff page (their strings come from the staff catalogs)."""
    return bool(g.get("staff_area"))


def current_staff() -> StaffUser:
    """The logged-in account (only inside protected views)."""
    return current_user._get_current_object()


def second_factor_required() -> bool:
    """Whether every staff account must use a second factor (production default: yes)."""
    return current_app.config["PORTAL_REQUIRE_SECOND_FACTOR"]


def audit_here(action: str, object_type: str | None, object_id, **details) -> None:
    """Record `action` on an object, done by the logged-in staff member from this request's
    address, in the request's transaction."""
    audit.record(
        action,
        actor=current_staff(),
        ip=client_address(),
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


def audit_account(
    action: str, account: StaffUser | None, *, by: StaffUser | None = None, **details
) -> None:
    """Record `action` on a staff account, done by `by` (default: the account itself) from
    this request's address; `account` is None for a login with an unknown email."""
    audit.record(
        action,
        actor=by if by is not None else account,
        ip=client_address(),
        object_type="staff_user" if account is not None else None,
        object_id=account.id if account is not None else None,
        details=details,
    )
