"""Content version: one counter row that changes with the outline, for the page cache

Revision ID: 0007_content_version
Revises: 0006_submission_tokens
Create Date: 2026-12-01 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_content_version'
down_revision = '0006_submission_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.execute("INSERT INTO content_version (id, version) VALUES (1, 1)")


def downgrade():
    op.drop_table('content_version')
