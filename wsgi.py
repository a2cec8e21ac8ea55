"""Entry point for gunicorn: `gunicorn wsgi:app`. Production settings unless PORTAL_ENV says otherwise."""

import os

os.environ.setdefault("PORTAL_ENV", "production")

from portal import create_app  # noqa: E402

app = create_app()
