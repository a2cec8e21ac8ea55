"""moderation_templates: a saved response carries its response category (対応区分)

Revision ID: 0013_i19_onepass
Revises: 0012_comment_kept_suggestions
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_i19_onepass'
down_revision = '0012_comment_kept_suggestions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('moderation_templates', schema=None) as batch_op:
        batch_op.drop_column('category')
