"""Search and campaign grouping: a trigram index on comment texts (FTS5 on SQLite, pg_trgm on
PostgreSQL, plus a bigram index there for two-character words), keyset-pagination indexes for the moderation queue, and a flag for comments a
moderator placed in or took out of a group by hand

Revision ID: 0003_search
Revises: 3a7c2e9d41f0
Create Date: 2026-12-01 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_search'
down_revision = '3a7c2e9d41f0'
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over comments.body, kept in step by triggers. The
# trigram tokenizer needs queries of 3+ characters; shorter ones take the LIKE path on the
# comments table itself (portal/services/moderation/search.py).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE comments_fts USING fts5("
    "body, content='comments', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER comments_fts_ai AFTER INSERT ON comments BEGIN "
    "INSERT INTO comments_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER comments_fts_ad AFTER DELETE ON comments BEGIN "
    "INSERT INTO comments_fts(comments_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER comments_fts_au AFTER UPDATE OF body ON comments BEGIN "
    "INSERT INTO comments_fts(comments_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO comments_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS comments_fts_au",
    "DROP TRIGGER IF EXISTS comments_fts_ad",
    "DROP TRIGGER IF EXISTS comments_fts_ai",
    "DROP TABLE IF EXISTS comments_fts",
]
# pg_trgm extracts no trigram from a two-character pattern (its index would match every row),
# so two-character words get their own index: the set of a text's character bigrams.
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE FUNCTION portal_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "STRICT AS $$ SELECT coalesce(array_agg(DISTINCT lower(substr(t, i, 2))), '{}') "
    "FROM generate_series(1, length(t) - 1) AS i $$",
    "CREATE INDEX ix_comments_body_bigrams ON comments USING gin (portal_bigrams(body))",
    "CREATE INDEX ix_comments_body_trgm ON comments USING gin (body gin_trgm_ops)",
    "CREATE INDEX ix_comment_translations_text_trgm ON comment_translations "
    "USING gin (text gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_comments_body_bigrams",
    "DROP FUNCTION IF EXISTS portal_bigrams(text)",
    "DROP INDEX IF EXISTS ix_comment_translations_text_trgm",
    "DROP INDEX IF EXISTS ix_comments_body_trgm",
]


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_manual', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_comments_queue', ['received_at', 'id'], unique=False)
        batch_op.create_index('ix_comments_queue_measure', ['measure_id', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_comments_queue_status', ['status', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_comments_queue_channel', ['channel', 'received_at', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_queue_channel')
        batch_op.drop_index('ix_comments_queue_status')
        batch_op.drop_index('ix_comments_queue_measure')
        batch_op.drop_index('ix_comments_queue')
        batch_op.drop_column('group_manual')
