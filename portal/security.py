"""Response headers that keep hostile content inert even if something slipped through."""

from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The portal needs no device feature; a page that somehow ran a script could not ask for one.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
)
# One year; subdomains are left out because other city services may still be plain http.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def _secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["PORTAL_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # A POST answer may refill what the resident typed (contact details included), and every
    # page with a form carries the visitor's own form token: no cache may keep either. A form
    # token generated during the request is the sign that the page has a form.
    if request.method not in ("GET", "HEAD") or "csrf_token" in g:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_secure_headers)
