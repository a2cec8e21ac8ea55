"""The schema comes from the migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from portal.extensions import db
from portal.services.moderation.search import include_object


def test_database_is_at_the_latest_migration(app):
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        # The search index (FTS5 table, pg_trgm indexes) is built by the migration alone.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, db.metadata) == []


def test_fresh_database_upgrades_from_empty(tmp_path):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        }
    )
    with app.app_context():
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"measures", "comments", "comment_contacts", "alembic_version"} <= tables
