"""Error pages in the visitor's language; a stale form token keeps what the resident typed."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from flask import Flask, g, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, NotFound

from portal.i18n import BY_TAG, preferred_locale

log = logging.getLogger(__name__)


def _ensure_locale() -> None:
    """Errors raised before the blueprint ran (unknown URL, bad locale) still get a language."""
    if request.path == "/staff" or request.path.startswith("/staff/"):
        from portal.staff_access import _set_staff_locale

        _set_staff_locale()
        return
    if "portal_locale" in g:
        return
    first_segment = request.path.strip("/").split("/")[0]
    g.portal_locale = BY_TAG.get(first_segment) or preferred_locale()


def _error_page(status: int, title: str, message: str):
    _ensure_locale()
    if request_ctx.url_adapter is None:
        # The request could not even be routed (e.g. an untrusted Host): no links can be built.
        return f"{title}\n{message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    if g.get("staff_area"):
        return render_template("staff/error.html", title=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_http_error(error: HTTPException):
    """Known HTTP errors with a translated title and advice (JSON under the read API)."""
    if request.path.startswith("/api/"):
        # Not routed to the API's blueprint (an unknown path or method): its JSON all the same.
        from portal.api import json_error

        return json_error(error)
    response = _http_error_page(error)
    if error.code == 405:  # RFC 9110: a 405 lists the methods the resource has
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            page, status, *headers = response
            return page, status, {**(headers[0] if headers else {}), "Allow": allow}
    return response


def _http_error_page(error: HTTPException):
    _ensure_locale()
    if error.code == 429 and request.endpoint == "public.measure" and request.method == "POST":
        return _comment_form_again(
            429,
            _(
                "Many comments have been sent from your connection in a short time, so this one "
                "was not sent yet. Your text is kept below: please wait a few minutes and send it again."
            ),
        )
    pages = {
        400: (_("Something was wrong with the request"), _("Please go back and try again.")),
        404: (
            _("Page not found"),
            _(
                "The page you asked for does not exist. It may have moved, or the address may be mistyped."
            ),
        ),
        405: (_("Something was wrong with the request"), _("Please go back and try again.")),
        413: (
            _("What you sent is too large"),
            _("Please shorten your text and send it again."),
        ),
        429: (
            _("Too many requests"),
            _("Many people are using the portal right now. Please wait a minute and try again."),
        ),
    }
    title, message = pages.get(
        error.code, (_("Something went wrong"), _("Please go back and try again."))
    )
    return _error_page(error.code or 500, title, message)


def handle_csrf_error(error: CSRFError):
    """An expired or missing form token: show the form again with everything typed kept."""
    _ensure_locale()
    log.info("form token rejected on %s: %s", request.path, error.description)
    notice = _(
        "For your security, this form had expired. Nothing was sent. "
        "Your text is kept below: please check it and submit again."
    )
    if request.endpoint == "public.measure":
        return _comment_form_again(400, notice)
    return _error_page(400, _("Please submit again"), notice)


def _comment_form_again(status: int, notice: str):
    """The measure page with the comment form refilled from the refused request."""
    from portal.public.routes import comment_form, measure_or_404, render_measure

    # The token and rate-limit checks run before the view, so the measure may not exist.
    try:
        measure = measure_or_404(request.view_args["slug"])
    except NotFound as error:
        return handle_http_error(error)
    return render_measure(measure, comment_form(measure), status, notice)


def handle_server_error(error: Exception):
    """Unexpected failures: a calm page in the visitor's language, details only in the log."""
    from portal import metrics
    from portal.extensions import db

    metrics.error("unhandled")
    db.session.rollback()
    _ensure_locale()
    return _error_page(
        500,
        _("Something went wrong"),
        _("Sorry, something went wrong on our side. Please try again in a few minutes."),
    )


# Errors that mean "the database cannot be reached or used just now" (stopped, restarting,
# locked by another writer, disk full, pool exhausted), as opposed to a bug in a query.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _database_reason(error: Exception) -> str:
    """The driver's own first line ("database or disk is full"), never the SQL or its values."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first_line}"


def handle_database_unavailable(error: Exception):
    """The database is down or busy: a 503 that needs no database, a comment form kept as typed.

    Nothing was committed (the transaction is rolled back), so the resident can send the same
    text again once the database is back; the pool's pre-ping reconnects without a restart.
    """
    from portal.extensions import db

    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        db.session.close()
    log.warning(
        "database unavailable during %s %s: %s",
        request.method,
        request.endpoint,
        _database_reason(error),
    )
    _ensure_locale()
    headers = {"Retry-After": "30", "Cache-Control": "no-store"}
    title = _("The portal is unavailable for a moment")
    if request.url_rule is None or request_ctx.url_adapter is None:
        return f"{title}\n", 503, {**headers, "Content-Type": "text/plain; charset=utf-8"}
    form = None
    message = _(
        "Sorry, the portal cannot be used for a moment because of a problem on our side. "
        "Please try again in a few minutes."
    )
    if request.endpoint == "public.measure" and request.method == "POST":
        from portal.public.routes import comment_form

        form = comment_form()
        message = _(
            "Sorry, your comment could not be saved because of a problem on our side. "
            "Nothing was sent. Your text is still below: please try again in a moment."
        )
    page = render_template(
        "errors/unavailable.html",
        status=503,
        title=title,
        message=message,
        form=form,
        # The form posts back to the same measure; its slug is all the form needs of it.
        measure=SimpleNamespace(slug=(request.view_args or {}).get("slug")),
    )
    return page, 503, headers


def release_session(_error: BaseException | None = None) -> None:
    """End the request's session even when its connection died after the response was built.

    Otherwise the rollback on the dead connection raises in teardown and a page that was ready
    (a receipt, say) turns into a 500. The first failure invalidates the connection; closing
    again then only hands it back, and the pool's pre-ping replaces it on the next request.
    """
    from portal.extensions import db

    try:
        db.session.remove()
    except DATABASE_UNAVAILABLE as error:
        log.warning("database connection lost at the end of a request: %s", _database_reason(error))
        db.session.remove()


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(release_session)
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
