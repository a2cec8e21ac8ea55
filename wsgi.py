"""Entry point for gunicorn: `gunicorn wsgi:app`. Production settings unless PORTAL_ENV says otherwise."""

import os

os.environ.setdefault("PORTAL_ENV", "production")

from portal import create_app  # noqa: E402
from portal.services.moderation import pii  # noqa: E402
from portal.services.language import warm_up  # noqa: E402

app = create_app()
# With `gunicorn --preload`, the models load once here and the workers share them.
warm_up()
pii.warm_up()  # Sudachi's dictionary for personal-data suggestions (~0.1-0.5 s)
