"""Audit chain keyed: each record names the key its HMAC was computed with

Records written before this revision keep their plain SHA-256 chain (key_id NULL): `portal audit
verify` checks them as the earlier, unkeyed segment, sealed by the first keyed record after it.
Nothing is rewritten: the audit log stays append-only.

Revision ID: 0008_audit_key
Revises: 0007_content_version
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_audit_key'
down_revision = '0007_content_version'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy on SQLite): the append-only triggers stay in place.
    op.add_column('audit_log', sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade():
    # Plain SQL, not a batch copy of the table on SQLite, which would drop the triggers. Keyed
    # records no longer verify with the unkeyed code after this, which is what a downgrade means.
    op.execute('ALTER TABLE audit_log DROP COLUMN key_id')
