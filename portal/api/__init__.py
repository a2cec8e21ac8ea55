"""The read-only JSON API under /api/v1/: consultations and their periods, published results
(figures, rows, the comments as published), paged by stable cursors, with ETags, CORS for GET,
a rate limit, and an OpenAPI 3.1 document generated from the code (flask-smorest) at
/api/v1/openapi.json, shown as a page at /api/v1/docs.

Everything about results comes from `services.results.published.published_results`, the same
serialiser as the open-data files, through the disclosure allow-lists.
"""

from __future__ import annotations

import re

from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app, render_template
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from portal.extensions import csrf, limiter
from portal.i18n import BY_TAG

API_PREFIX = "/api/v1"


class PortalApi(Api):
    """flask-smorest, answering errors in JSON on its own blueprint only: the residents' pages
    keep their translated HTML error pages."""

    # Every error an operation can answer is documented with it (no catch-all "default").
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        pass


bp = ApiBlueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    description="Consultations of Isesaki City's public comment portal and their published "
    "results, as open data (CC BY 4.0).",
)
docs_bp = FlaskBlueprint("api_page", __name__, url_prefix=API_PREFIX, template_folder="templates")


def _api_limit() -> str:
    return current_app.config["PORTAL_API_LIMIT"]


def json_error(error: HTTPException):
    """An error as the API answers it: {"code", "status", "message"?, "errors"?}, with the
    error's own headers (Allow on a 405, Retry-After on a 429)."""
    payload, status, headers = PortalApi.handle_http_exception(None, error)
    return (
        payload,
        status,
        {**dict(error.get_headers()), **(headers or {}), "Content-Type": "application/json"},
    )


# Once per process (the blueprint is shared by every app a process builds, e.g. in tests).
bp.register_error_handler(HTTPException, json_error)
limiter.limit(_api_limit)(bp)
csrf.exempt(bp)


def init_app(app: Flask) -> None:
    """Bind the API and its documentation page to `app`."""
    app.config.update(
        API_TITLE="Isesaki City public comment: open data API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = PortalApi()
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "Read-only. Times are in Japan time (UTC+09:00). Lists are "
                "paged by `cursor` (the `next_cursor` of the previous page). Responses carry an "
                "ETag: send it back in `If-None-Match` for a 304. Japanese texts are "
                "authoritative. Licence: CC BY 4.0, Isesaki City.",
                "license": {
                    "name": "CC BY 4.0",
                    "url": "https://creativecommons.org/licenses/by/4.0/",
                },
            },
            "servers": [{"url": "/"}],
        },
    )
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)


_BACKTICKED = re.compile(r"`([^`]+)`")


@docs_bp.app_template_filter("inline_code")
def inline_code(text: str | None) -> Markup:
    """Descriptions mark names with backticks (as OpenAPI readers expect Markdown); the page
    shows them as code, everything else escaped."""
    return Markup(_BACKTICKED.sub(r"<code>\1</code>", str(escape(text or ""))))  # noqa: S704 (escaped first)


@docs_bp.route("/docs")
def docs_page():
    """The OpenAPI document as a page (English; no script from elsewhere)."""
    from flask import g

    g.portal_locale = BY_TAG["en"]
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return render_template("api/docs.html", spec=api.spec.to_dict())


from portal.api import routes  # noqa: E402,F401  (attaches the views to bp)
