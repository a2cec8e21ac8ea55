"""The portal on a fresh database, as the benchmarks set it up: migrated, seeded, every measure
open for comments. Shared by load.py, profile_flow.py, resident_journey.py and
moderation_queue.py (each runs with bench/ first on its path).
"""

from __future__ import annotations

import os
import re
import tempfile

_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def sqlalchemy_url(url: str) -> str:
    """`url` with the psycopg driver named, as SQLAlchemy wants a PostgreSQL URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(filename: str) -> str:
    """DATABASE_URL when set (PostgreSQL), else a SQLite file `filename` in a new temporary folder."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp()}/{filename}"
    return sqlalchemy_url(url)


def fresh_app(url: str, **settings):
    """The portal on the database at `url` (a PostgreSQL schema is DROPPED first), migrated,
    seeded, with every unscheduled measure open for 30 days; `settings` add to the config."""
    # Imported here: the load generator imports this module, and its client processes need
    # none of the portal.
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.cli import open_unscheduled_measures
    from portal.extensions import db
    from portal.services.content.seed import seed_outline

    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            **settings,
        }
    )
    with app.app_context():
        upgrade()
        seed_outline()
        open_unscheduled_measures(30)
        db.session.commit()
    return app


def csrf_token(page: str) -> str:
    """The CSRF token of the first form in `page`."""
    return _CSRF_FIELD.search(page)[1]
