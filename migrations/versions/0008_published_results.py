"""Published results as stored snapshots (one row per version), and the personal-data
suggestions a moderator kept visible in a translation

Revision ID: 0008_published_results
Revises: 0007_content_version
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_published_results'
down_revision = '0007_content_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment_translations') as batch_op:
        batch_op.add_column(sa.Column('kept_suggestions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('comment_translations') as batch_op:
        batch_op.drop_column('kept_suggestions')
