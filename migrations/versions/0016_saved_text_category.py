"""moderation_templates: a saved response carries its response category (対応区分)

Revision ID: 0016_saved_text_category
Revises: 0015_items
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_saved_text_category'
down_revision = "0015_items"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('moderation_templates', schema=None) as batch_op:
        batch_op.drop_column('category')
